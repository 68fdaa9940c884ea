from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import path

from . import (
    dossiers,
    filings,
    lifecycle,
    monitoring,
    preferences,
    public,
    queue,
    screening,
    shipments,
    statistics,
    tokens,
    triage,
)


def favicon(request):
    """Browsers and tools that ask for /favicon.ico without reading the page's icon link."""
    return HttpResponsePermanentRedirect(static("exemptions/favicon.svg"))


urlpatterns = [
    path("", dossiers.home, name="home"),
    path("applications/new/", dossiers.application_new, name="application_new"),
    path("applications/<str:reference>/", dossiers.application_detail, name="application_detail"),
    path("applications/<str:reference>/file/", lifecycle.application_file, name="application_file"),
    path("applications/<str:reference>/copy/", lifecycle.application_copy, name="application_copy"),
    path("applications/<str:reference>/delete/", lifecycle.application_delete, name="application_delete"),
    path("applications/<str:reference>/edit/<slug:section>/", dossiers.application_edit, name="application_edit"),
    path("applications/<str:reference>/triage/", triage.application_retriage, name="application_retriage"),
    path("applications/<str:reference>/authorities/add/", triage.authority_add, name="application_authority_add"),
    path(
        "applications/<str:reference>/authorities/<str:code>/drop/",
        triage.authority_drop,
        name="application_authority_drop",
    ),
    path("applications/<str:reference>/screen/", screening.application_screen, name="application_screen"),
    path("applications/<str:reference>/shipments/", shipments.shipments_overview, name="shipments_overview"),
    path("applications/<str:reference>/shipments/plan/", shipments.shipment_plan, name="shipment_plan"),
    path("applications/<str:reference>/monitoring/plan/", monitoring.planned_visit_add, name="planned_visit_add"),
    path("applications/<str:reference>/monitoring/visits/", monitoring.visit_add, name="visit_add"),
    path("applications/<str:reference>/incidents/", monitoring.incident_add, name="incident_add"),
    path("incidents/<int:pk>/reported/", monitoring.incident_reported, name="incident_reported"),
    path("visit-files/<int:pk>/", monitoring.visit_file_download, name="visit_file_download"),
    path("shipments/<str:reference>/", shipments.shipment_detail, name="shipment_detail"),
    path("shipments/<str:reference>/departure/", shipments.shipment_departure, name="shipment_departure"),
    path("shipments/<str:reference>/delivery/", shipments.shipment_delivery, name="shipment_delivery"),
    path("shipments/<str:reference>/distributions/", shipments.shipment_distribution, name="shipment_distribution"),
    path("shipments/<str:reference>/cancel/", shipments.shipment_cancel, name="shipment_cancel"),
    path("approvals/<str:reference>/report.<slug:fmt>", shipments.approval_report, name="approval_report"),
    path("monitoring/", monitoring.monitoring_dashboard, name="monitoring_dashboard"),
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
    path("workflows/<str:code>/<str:route>/", public.workflow_detail, name="workflow_route"),
    path("register/", public.register, name="register"),
    path("statistics/", statistics.public_statistics, name="public_statistics"),
    path("statistics/ours/", statistics.organization_statistics, name="organization_statistics"),
    path("processing-times/", statistics.processing_times, name="processing_times"),
    path("processing-times/<str:code>/", statistics.processing_times, name="processing_times_for"),
    path("healthz", public.healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("account/emails/", preferences.email_preferences, name="email_preferences"),
    path("account/tokens/", tokens.api_tokens, name="api_tokens"),
    path("account/tokens/<slug:token_key>/revoke/", tokens.api_token_revoke, name="api_token_revoke"),
]
