"""Serializers of the after-approval API: shipments and their lines, deliveries, distributions, monitoring visits,
incidents, and what remains under an approval. They check shapes and types; the rules are the services'."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from exemptions import shipping
from exemptions.models import (
    Application,
    Authority,
    Distribution,
    DistributionLine,
    Incident,
    MonitoringVisit,
    Shipment,
    ShipmentLine,
)

from .serializers import ClearanceSerializer

QUANTITY = dict(max_digits=14, decimal_places=3, min_value=0)


class ShipmentLineSerializer(serializers.ModelSerializer):
    item = serializers.IntegerField(source="item_id", help_text="Id of one of the dossier's items")
    description = serializers.CharField(source="item.description", read_only=True)
    unit = serializers.CharField(source="item.unit", read_only=True)
    quantity = serializers.DecimalField(**QUANTITY)

    class Meta:
        model = ShipmentLine
        fields = ["item", "description", "unit", "quantity", "expires_on", "cold_chain", "received", "damaged", "lost"]
        read_only_fields = ["received", "damaged", "lost"]


class ShipmentSerializer(serializers.ModelSerializer):
    application = serializers.SlugRelatedField(slug_field="reference", queryset=Application.objects.none())
    approvals = serializers.SlugRelatedField(slug_field="reference", many=True, read_only=True)
    lines = ShipmentLineSerializer(many=True)
    stage = serializers.CharField(read_only=True)
    cleared_to_ship = serializers.SerializerMethodField()

    class Meta:
        model = Shipment
        fields = [
            "reference",
            "application",
            "approvals",
            "stage",
            "cleared_to_ship",
            *shipping.SHIPMENT_FIELDS,
            "departed_on",
            "arrived_on",
            "delivered_on",
            "received_by",
            "delivery_notes",
            "lines",
        ]
        read_only_fields = ["departed_on", "arrived_on", "delivered_on", "received_by", "delivery_notes"]
        extra_kwargs = {"imo_number": {"validators": []}}  # the service checks it, with the rest of the shipment

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "application" in self.fields:
            self.fields["application"].queryset = shipping.applications_after_approval_visible_to(request.user)

    @extend_schema_field(ClearanceSerializer)  # the same shape as a dossier's
    def get_cleared_to_ship(self, shipment) -> dict:
        verdict = shipping.shipment_clearance(shipment)
        return {"cleared": verdict.cleared, "blockers": verdict.blockers}


class DeliveryLineSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    received = serializers.DecimalField(required=False, allow_null=True, **QUANTITY)
    damaged = serializers.DecimalField(required=False, allow_null=True, **QUANTITY)
    lost = serializers.DecimalField(required=False, allow_null=True, **QUANTITY)


class DeliverySerializer(serializers.Serializer):
    delivered_on = serializers.DateField()
    received_by = serializers.CharField(max_length=200)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=20_000, default="")
    lines = DeliveryLineSerializer(many=True, required=False, default=list)


class DistributionLineSerializer(serializers.ModelSerializer):
    item = serializers.IntegerField(source="item_id")
    quantity = serializers.DecimalField(**QUANTITY)

    class Meta:
        model = DistributionLine
        fields = ["item", "quantity"]


class DistributionSerializer(serializers.ModelSerializer):
    shipment = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    lines = DistributionLineSerializer(many=True)
    planned_total = serializers.IntegerField(read_only=True)
    reached_total = serializers.IntegerField(read_only=True)

    class Meta:
        model = Distribution
        fields = [
            "id",
            "shipment",
            "facility",
            "location",
            "distributed_on",
            "beneficiaries_planned",
            "beneficiaries_reached",
            "planned_total",
            "reached_total",
            "notes",
            "lines",
        ]
        extra_kwargs = {"beneficiaries_planned": {"validators": []}, "beneficiaries_reached": {"validators": []}}


class AftercareRecordSerializer(serializers.ModelSerializer):
    """Shared by visits and incidents: the dossier and the optional shipment, by reference."""

    application = serializers.SlugRelatedField(slug_field="reference", queryset=Application.objects.none())
    shipment = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=40)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["application"].queryset = shipping.applications_after_approval_visible_to(request.user)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["shipment"] = instance.shipment.reference if instance.shipment_id else None
        return data


class VisitSerializer(AftercareRecordSerializer):
    class Meta:
        model = MonitoringVisit
        fields = ["id", "application", "shipment", "visited_on", "site", "monitor", "access", "findings"]


class IncidentSerializer(AftercareRecordSerializer):
    authority = serializers.SlugRelatedField(slug_field="code", queryset=Authority.objects.all())
    item = serializers.IntegerField(source="item_id", required=False, allow_null=True)
    quantity = serializers.DecimalField(required=False, allow_null=True, **QUANTITY)

    class Meta:
        model = Incident
        fields = [
            "id",
            "application",
            "shipment",
            "kind",
            "description",
            "location",
            "item",
            "quantity",
            "discovered_on",
            "authority",
            "report_due_on",
            "reported_on",
        ]
        read_only_fields = ["report_due_on"]


class ReportedSerializer(serializers.Serializer):
    reported_on = serializers.DateField()


class RemainingItemSerializer(serializers.Serializer):
    item = serializers.IntegerField(source="item.pk")
    description = serializers.CharField(source="item.description")
    unit = serializers.CharField(source="item.unit")
    approved = serializers.DecimalField(source="approved_qty", max_digits=14, decimal_places=3)
    shipped = serializers.DecimalField(max_digits=14, decimal_places=3)
    remaining = serializers.DecimalField(max_digits=14, decimal_places=3)


class ApprovalShippingSerializer(serializers.Serializer):
    approval = serializers.CharField(source="approval.reference")
    authority = serializers.CharField(source="approval.authority.code")
    valid_from_on = serializers.DateField(source="approval.valid_from_on")
    valid_until_on = serializers.DateField(source="approval.valid_until_on")
    shipments = serializers.IntegerField()
    max_shipments = serializers.IntegerField(allow_null=True)
    shipments_left = serializers.IntegerField(allow_null=True)
    report_due_on = serializers.DateField()
    items = RemainingItemSerializer(source="rows", many=True)
