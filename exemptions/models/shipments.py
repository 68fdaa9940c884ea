"""After approval: the shipments a dossier's approvals allow, what each carried, its delivery and where the goods
were distributed. The rules that refuse a shipment (too many, outside validity, over the approved quantity) live
in exemptions/shipping.py; these models hold the records and their field checks."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from .dossiers import Application, Item, next_reference
from .filings import Filing
from .standing import authority_ids, organization_ids
from .validators import (
    normalize_imo_number,
    validate_beneficiaries,
    validate_imo_number,
    validate_plausible_date,
    validate_positive,
)


def validate_not_negative(value) -> None:
    if value is not None and value < 0:
        raise ValidationError("Must be 0 or more.", code="negative")


class ApprovedQuantity(models.Model):
    """What an approval allows of one item, where the authority granted less than was asked. No row, or an empty
    quantity, means the requested quantity (the dossier's item as filed)."""

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="approved_quantities")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="approved_quantities")
    quantity = models.DecimalField(
        max_digits=14, decimal_places=3, null=True, blank=True, validators=[validate_not_negative]
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["filing", "item"], name="approved_quantity_once")]

    def __str__(self):
        return f"{self.filing_id}: {self.item_id} × {self.quantity}"


class ShipmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Shipments of the user's organizations, and those drawing on an approval of the user's authorities."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        organizations, authorities = organization_ids(user), authority_ids(user)
        visible = Q(pk__in=[])
        if organizations:
            visible |= Q(application__organization_id__in=organizations)
        if authorities:
            drawing = self.model.approvals.through.objects.filter(
                filing__authority_id__in=authorities, filing__submitted_at__isnull=False
            )
            visible |= Q(pk__in=drawing.values("shipment_id"))
        return self.filter(visible)


class Shipment(models.Model):
    class Mode(models.TextChoices):
        SEA = "sea", "Sea"
        RAIL = "rail", "Rail"
        ROAD = "road", "Road"
        AIR = "air", "Air"

    class Stage(models.TextChoices):
        PLANNED = "planned", "Planned"
        IN_TRANSIT = "in_transit", "In transit"
        DELIVERED = "delivered", "Delivered"

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="shipments")
    reference = models.CharField(max_length=32, unique=True, editable=False)
    approvals = models.ManyToManyField(
        Filing,
        related_name="shipments",
        blank=True,
        help_text="The approvals this shipment draws on, one per authority",
    )
    mode = models.CharField(max_length=10, choices=Mode.choices)
    carrier = models.CharField(max_length=200, blank=True)
    vessel_name = models.CharField(max_length=200, blank=True)
    imo_number = models.CharField(
        "IMO number", max_length=12, blank=True, validators=[validate_imo_number], help_text="Seven digits, sea only"
    )
    route = models.CharField(max_length=300, blank=True, help_text="e.g. Dalian – Nampo")
    border_crossing = models.CharField(max_length=200, blank=True, help_text="e.g. Dandong–Sinuiju bridge")
    planned_departure_on = models.DateField(validators=[validate_plausible_date])
    planned_arrival_on = models.DateField(validators=[validate_plausible_date])
    departed_on = models.DateField(null=True, blank=True, validators=[validate_plausible_date])
    arrived_on = models.DateField(null=True, blank=True, validators=[validate_plausible_date])
    # The delivery to the consignee; the quantities received, damaged and lost are on the lines.
    delivered_on = models.DateField(null=True, blank=True, validators=[validate_plausible_date])
    received_by = models.CharField(max_length=200, blank=True, help_text="The consignee who signed for the goods")
    delivery_notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ShipmentQuerySet.as_manager()

    class Meta:
        ordering = ["planned_departure_on", "id"]
        indexes = [models.Index(fields=["application", "planned_departure_on"], name="shipment_by_dossier")]

    def __str__(self):
        return self.reference

    def clean(self):
        errors = {}
        if (
            self.planned_departure_on
            and self.planned_arrival_on
            and self.planned_arrival_on < self.planned_departure_on
        ):
            errors["planned_arrival_on"] = "The planned arrival must be on or after the planned departure."
        if self.departed_on and self.arrived_on and self.arrived_on < self.departed_on:
            errors["arrived_on"] = "The arrival must be on or after the departure."
        if self.delivered_on and self.departed_on and self.delivered_on < self.departed_on:
            errors["delivered_on"] = "The delivery must be on or after the departure."
        if self.imo_number and self.mode != self.Mode.SEA:
            errors["imo_number"] = "Only a sea shipment has a vessel IMO number."
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        if not self.reference:
            self.reference = next_reference("SHP")
        self.imo_number = normalize_imo_number(self.imo_number)
        super().save(*args, **kwargs)

    @property
    def departs_on(self):
        return self.departed_on or self.planned_departure_on

    @property
    def arrives_on(self):
        return self.arrived_on or self.delivered_on or self.planned_arrival_on

    @property
    def stage(self) -> str:
        if self.delivered_on:
            return self.Stage.DELIVERED
        if self.departed_on:
            return self.Stage.IN_TRANSIT
        return self.Stage.PLANNED

    @property
    def stage_label(self) -> str:
        return self.Stage(self.stage).label


class ShipmentLine(models.Model):
    """One of the dossier's items on a shipment, with what arrived of it."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="shipment_lines")
    quantity = models.DecimalField(max_digits=14, decimal_places=3, validators=[validate_positive])
    expires_on = models.DateField(
        null=True, blank=True, validators=[validate_plausible_date], help_text="Product expiry date"
    )
    cold_chain = models.BooleanField(default=False, help_text="Must be kept refrigerated or frozen")
    received = models.DecimalField(
        max_digits=14, decimal_places=3, null=True, blank=True, validators=[validate_not_negative]
    )
    damaged = models.DecimalField(
        max_digits=14, decimal_places=3, null=True, blank=True, validators=[validate_not_negative]
    )
    lost = models.DecimalField(
        max_digits=14, decimal_places=3, null=True, blank=True, validators=[validate_not_negative]
    )

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["shipment", "item"], name="shipment_line_once_per_item")]

    def __str__(self):
        return f"{self.item} × {self.quantity}"

    def clean(self):
        accounted = sum((v or Decimal(0)) for v in (self.received, self.damaged, self.lost))
        if self.quantity is not None and accounted > self.quantity:
            raise ValidationError(
                {
                    "received": f"Received, damaged and lost add up to {accounted}, more than the {self.quantity} shipped."
                }
            )


MAX_PEOPLE = 100_000_000  # per distribution: more is a typing slip (and would overflow the stored totals)


class Distribution(models.Model):
    """Goods of one shipment handed out at one facility, and the people reached there against the plan."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="distributions")
    facility = models.CharField(max_length=200)
    location = models.CharField(max_length=200, blank=True, help_text="Province or county")
    distributed_on = models.DateField(validators=[validate_plausible_date])
    beneficiaries_planned = models.JSONField(
        default=dict, blank=True, validators=[validate_beneficiaries], help_text="Planned people by category"
    )
    beneficiaries_reached = models.JSONField(
        default=dict, blank=True, validators=[validate_beneficiaries], help_text="People reached by category"
    )
    # The sums of the two counts, kept with them so the dashboard adds people up in SQL.
    planned_total = models.PositiveIntegerField(default=0, editable=False)
    reached_total = models.PositiveIntegerField(default=0, editable=False)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["distributed_on", "id"]

    def __str__(self):
        return f"{self.facility} on {self.distributed_on}"

    def clean(self):
        for name in ("beneficiaries_planned", "beneficiaries_reached"):
            counts = getattr(self, name)
            if isinstance(counts, dict) and sum(v for v in counts.values() if isinstance(v, int)) > MAX_PEOPLE:
                raise ValidationError({name: f"At most {MAX_PEOPLE:,} people per distribution."})

    def save(self, *args, **kwargs):
        self.planned_total = sum((self.beneficiaries_planned or {}).values())
        self.reached_total = sum((self.beneficiaries_reached or {}).values())
        super().save(*args, **kwargs)


class DistributionLine(models.Model):
    distribution = models.ForeignKey(Distribution, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(max_digits=14, decimal_places=3, validators=[validate_positive])

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["distribution", "item"], name="distribution_line_once_per_item"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="distribution_line_positive"),
        ]

    def __str__(self):
        return f"{self.item_id} × {self.quantity}"
