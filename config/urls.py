from django.contrib import admin
from django.urls import include, path

from exemptions.web.password_reset import ThrottledPasswordResetView

urlpatterns = [
    path("admin/", admin.site.urls),
    # Before Django's auth URLs: the same page and name, limited per address and per account.
    path("accounts/password_reset/", ThrottledPasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/", include("exemptions.api.urls")),
    path("", include("exemptions.web.urls")),
]
