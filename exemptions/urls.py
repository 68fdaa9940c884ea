from django.urls import path

from . import preferences, views

urlpatterns = [
    path("", views.home, name="home"),
    path("applications/new/", views.application_new, name="application_new"),
    path("applications/<str:reference>/", views.application_detail, name="application_detail"),
    path("applications/<str:reference>/file/", views.application_file, name="application_file"),
    path("applications/<str:reference>/edit/<slug:section>/", views.application_edit, name="application_edit"),
    path("filings/<str:reference>/", views.filing_detail, name="filing_detail"),
    path("filings/<str:reference>/actions/<slug:action>/", views.filing_action, name="filing_action"),
    path("filings/<str:reference>/messages/", views.filing_message, name="filing_message"),
    path("documents/<int:pk>/", views.document_download, name="document_download"),
    path("review/", views.review_queue, name="review_queue"),
    path("dashboard/", views.staff_dashboard, name="staff_dashboard"),
    path("dashboard/<str:code>/", views.staff_dashboard, name="staff_dashboard_for"),
    path("workflows/", views.workflow_list, name="workflow_list"),
    path("workflows/<str:code>/", views.workflow_detail, name="workflow_detail"),
    path("register/", views.register, name="register"),
    path("healthz", views.healthz, name="healthz"),
    path("account/emails/", preferences.email_preferences, name="email_preferences"),
]
