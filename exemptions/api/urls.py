from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from . import screening, shipments, tokens, triage, views

app_name = "api"

router = SimpleRouter()
router.register("applications", views.ApplicationViewSet, basename="application")
router.register("filings", views.FilingViewSet, basename="filing")
router.register("shipments", shipments.ShipmentViewSet, basename="shipment")
router.register("visits", shipments.VisitViewSet, basename="visit")
router.register("incidents", shipments.IncidentViewSet, basename="incident")

v1 = [
    path("auth/token/", tokens.ObtainTokenView.as_view(), name="token"),
    path("authorities/", views.AuthorityListView.as_view(), name="authority-list"),
    path("filings/<str:reference>/actions/<str:action>/", views.FilingActionView.as_view(), name="filing-action"),
    path("filings/<str:reference>/events/", views.FilingEventListView.as_view(), name="filing-events"),
    path("filings/<str:reference>/messages/", views.FilingMessageListView.as_view(), name="filing-messages"),
    path("filings/<str:reference>/documents/", views.FilingDocumentListView.as_view(), name="filing-documents"),
    path(
        "filings/<str:reference>/documents/<int:document_id>/download/",
        views.FilingDocumentDownloadView.as_view(),
        name="filing-document-download",
    ),
    path("filings/<str:reference>/screening/", screening.FilingScreeningView.as_view(), name="filing-screening"),
    path(
        "filings/<str:reference>/screening/hits/<str:hit_id>/disposition/",
        screening.HitDispositionView.as_view(),
        name="filing-screening-disposition",
    ),
    path("sanctions-lists/", screening.SanctionsListVersionListView.as_view(), name="sanctions-lists"),
    path("filings/<str:reference>/shipping/", shipments.ApprovalShippingView.as_view(), name="filing-shipping"),
    path(
        "filings/<str:reference>/end-use-report/<str:fmt>/",
        shipments.EndUseReportView.as_view(),
        name="filing-end-use-report",
    ),
    path("applications/<str:reference>/triage/", triage.TriageView.as_view(), name="application-triage"),
    path(
        "applications/<str:reference>/authorities/",
        triage.AddAuthorityView.as_view(),
        name="application-authority-add",
    ),
    path(
        "applications/<str:reference>/authorities/<str:code>/drop/",
        triage.DropAuthorityView.as_view(),
        name="application-authority-drop",
    ),
    path("register/", views.RegisterView.as_view(), name="register"),
    *router.urls,
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", views.SchemaView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: the docs page runs under the strict CSP.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
