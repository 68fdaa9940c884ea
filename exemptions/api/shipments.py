"""The after-approval API: shipments (with their delivery and distributions), monitoring visits, incidents, what
remains under an approval, and its end-use report. Reads go through `visible_to`-style QuerySets (not visible:
404); only the applicant organization writes (403); a wrong stage is 409 and a refused shipment 400, with
nothing saved, as everywhere in the API."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from exemptions import deliveries, monitoring, reports, shipping
from exemptions.models import Distribution, Incident, MonitoringVisit, Shipment

from . import shipment_serializers as s
from .permissions import is_applicant_of
from .views import REFERENCE_RE, ReferenceLookupMixin, errors, visible_filing

WRITERS_ONLY = "Only members of the applicant organization record shipments and what became of them."


def require_applicant(user, application) -> None:
    if not is_applicant_of(user, application.organization_id):
        raise PermissionDenied(WRITERS_ONLY)


def _lines(validated) -> list[dict]:
    return [{**line, "item": line.pop("item_id")} for line in validated]


@extend_schema_view(
    list=extend_schema(responses={200: s.ShipmentSerializer(many=True), **errors(401, 404)}),
    create=extend_schema(responses={201: s.ShipmentSerializer, **errors(400, 401, 403)}),
    retrieve=extend_schema(responses={200: s.ShipmentSerializer, **errors(401, 404)}),
    destroy=extend_schema(responses={204: None, **errors(401, 403, 404, 409)}),
)
class ShipmentViewSet(
    ReferenceLookupMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Shipments against a dossier's approvals. Planning one is refused (400, nothing saved) beyond an approval's
    number of shipments, outside every required approval's validity, or over the approved quantity remaining.
    Deleting cancels a shipment that has not left (409 once it has)."""

    serializer_class = s.ShipmentSerializer
    not_found = "No such shipment."
    filter_backends = []

    def get_queryset(self):
        return (
            Shipment.objects.visible_to(self.request.user)
            .select_related("application")
            .prefetch_related("lines__item", "approvals__authority")
            .order_by("planned_departure_on", "id")
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        application = data.pop("application")
        require_applicant(self.request.user, application)
        lines = _lines(data.pop("lines"))
        serializer.instance = shipping.plan_shipment(application, self.request.user, lines=lines, **data)

    def perform_destroy(self, shipment):
        require_applicant(self.request.user, shipment.application)
        shipping.cancel_shipment(shipment)

    @extend_schema(request=s.DeliverySerializer, responses={200: s.ShipmentSerializer, **errors(400, 401, 403, 404)})
    @action(detail=True, methods=["post"])
    def delivery(self, request, reference=None):
        """Record (or correct) the delivery: when, who received it, and per item received, damaged and lost."""
        shipment = self.get_object()
        require_applicant(request.user, shipment.application)
        serializer = s.DeliverySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        deliveries.record_delivery(shipment, **serializer.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=shipment.pk)).data)

    @extend_schema(
        methods=["get"], responses={200: s.DistributionSerializer(many=True), **errors(401, 404)}, request=None
    )
    @extend_schema(
        methods=["post"],
        request=s.DistributionSerializer,
        responses={201: s.DistributionSerializer, **errors(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def distributions(self, request, reference=None):
        """Distributions of this shipment per facility, with people planned and reached by category. A new one
        is refused before delivery (409) or beyond what was received and not yet distributed (400)."""
        shipment = self.get_object()
        if request.method == "GET":
            rows = Distribution.objects.filter(shipment=shipment).prefetch_related("lines").order_by("id")
            return Response(s.DistributionSerializer(rows, many=True).data)
        require_applicant(request.user, shipment.application)
        serializer = s.DistributionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        lines = _lines(data.pop("lines"))
        distribution = deliveries.record_distribution(shipment, request.user, lines=lines, **data)
        return Response(s.DistributionSerializer(distribution).data, status=status.HTTP_201_CREATED)


class AftercareRecordViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Visits and incidents of the dossiers the caller may read after approval."""

    filter_backends = []
    lookup_value_regex = "[^/]+"  # a malformed id reaches get_object, whose 404 is JSON
    model = None

    def get_queryset(self):
        visible = shipping.applications_after_approval_visible_to(self.request.user)
        return (
            self.model.objects.filter(application__in=visible).select_related("application", "shipment").order_by("-id")
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        application = data.pop("application")
        require_applicant(self.request.user, application)
        serializer.instance = self.write(application, data)


@extend_schema_view(
    list=extend_schema(responses={200: s.VisitSerializer(many=True), **errors(401, 404)}),
    create=extend_schema(responses={201: s.VisitSerializer, **errors(400, 401, 403)}),
)
class VisitViewSet(AftercareRecordViewSet):
    """Monitoring visits: site, monitor, access granted, restricted or refused, findings."""

    serializer_class = s.VisitSerializer
    model = MonitoringVisit

    def write(self, application, data):
        return monitoring.record_visit(application, self.request.user, **data)


@extend_schema_view(
    list=extend_schema(responses={200: s.IncidentSerializer(many=True), **errors(401, 404)}),
    create=extend_schema(responses={201: s.IncidentSerializer, **errors(400, 401, 403)}),
)
class IncidentViewSet(AftercareRecordViewSet):
    """Diversion and loss: due to be reported to `authority` by `report_due_on` (the authority's number of days
    after discovery); the sweep reminds once and then escalates to the whole organization."""

    serializer_class = s.IncidentSerializer
    model = Incident

    def get_queryset(self):
        return super().get_queryset().select_related("authority")

    def write(self, application, data):
        data["item"] = data.pop("item_id", None)
        return monitoring.record_incident(application, self.request.user, **data)

    @extend_schema(request=s.ReportedSerializer, responses={200: s.IncidentSerializer, **errors(400, 401, 403, 404)})
    @action(detail=True, methods=["post"])
    def reported(self, request, pk=None):
        """Record the day the incident was reported to its authority: no more reminders."""
        incident = self.get_queryset().filter(pk=pk).first() if str(pk).isdigit() else None
        if incident is None:
            raise NotFound("No such incident.")
        require_applicant(request.user, incident.application)
        serializer = s.ReportedSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        monitoring.mark_incident_reported(incident, serializer.validated_data["reported_on"])
        return Response(s.IncidentSerializer(incident, context={"request": request}).data)


def visible_approval(request, reference):
    approval = visible_filing(request, reference)
    if not shipping.is_approval(approval):
        raise NotFound(f"{reference} is not an approval.")
    return approval


class ApprovalShippingView(APIView):
    @extend_schema(responses={200: s.ApprovalShippingSerializer, **errors(401, 404)})
    def get(self, request, reference):
        """What an approval still allows: shipments used of its maximum, and per item approved, shipped, remaining."""
        approval = visible_approval(request, reference)
        (summary,) = shipping.approval_summaries(approval.application, [approval])
        return Response(s.ApprovalShippingSerializer(summary).data)


REPORT_TYPES = [content_type for _, content_type in reports.FORMATS.values()]


class EndUseReportView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=sorted(reports.FORMATS))],
        responses={**{(200, media_type): OpenApiTypes.BINARY for media_type in REPORT_TYPES}, **errors(401, 404)},
    )
    def get(self, request, reference, fmt):
        """The approval's end-use report generated from the records now, as PDF, CSV or XLSX."""
        if fmt not in reports.FORMATS or not REFERENCE_RE.fullmatch(reference):
            raise NotFound("No such report.")
        content, content_type, name = reports.render(visible_approval(request, reference), fmt)
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)
