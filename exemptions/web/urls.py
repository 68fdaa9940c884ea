from django.urls import path

from . import dossiers, filings, preferences, public, queue, screening, tokens

urlpatterns = [
    path("", dossiers.home, name="home"),
    path("applications/new/", dossiers.application_new, name="application_new"),
    path("applications/<str:reference>/", dossiers.application_detail, name="application_detail"),
    path("applications/<str:reference>/file/", dossiers.application_file, name="application_file"),
    path("applications/<str:reference>/edit/<slug:section>/", dossiers.application_edit, name="application_edit"),
    path("applications/<str:reference>/screen/", screening.application_screen, name="application_screen"),
    path("filings/<str:reference>/", filings.filing_detail, name="filing_detail"),
    path("filings/<str:reference>/actions/<slug:action>/", filings.filing_action, name="filing_action"),
    path("filings/<str:reference>/messages/", filings.filing_message, name="filing_message"),
    path("filings/<str:reference>/follow/", filings.filing_follow, name="filing_follow"),
    path("filings/<str:reference>/documents/", filings.filing_document, name="filing_document"),
    path("documents/<int:pk>/", filings.document_download, name="document_download"),
    path("review/", queue.review_queue, name="review_queue"),
    path("dashboard/", queue.staff_dashboard, name="staff_dashboard"),
    path("dashboard/<str:code>/", queue.staff_dashboard, name="staff_dashboard_for"),
    path("workflows/", public.workflow_list, name="workflow_list"),
    path("workflows/<str:code>/", public.workflow_detail, name="workflow_detail"),
    path("register/", public.register, name="register"),
    path("healthz", public.healthz, name="healthz"),
    path("account/emails/", preferences.email_preferences, name="email_preferences"),
    path("account/tokens/", tokens.api_tokens, name="api_tokens"),
    path("account/tokens/<slug:token_key>/revoke/", tokens.api_token_revoke, name="api_token_revoke"),
]
