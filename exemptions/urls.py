from django.urls import path

from . import preferences, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("account/emails/", preferences.email_preferences, name="email_preferences"),
]
