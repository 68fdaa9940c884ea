"""The dossier an organization writes once: references, the application, its goods, parties and documents."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .. import procedures
from .people import Authority, Organization
from .standing import authority_ids, organization_ids
from .validators import (
    normalize_export_classification,
    normalize_hs_code,
    validate_beneficiaries,
    validate_country,
    validate_currency,
    validate_export_classification,
    validate_hs_code,
    validate_plausible_date,
    validate_positive,
)

# --- references --------------------------------------------------------------------------------


class ReferenceCounter(models.Model):
    """Last number handed out per (prefix, year). Numbers only go up, so a reference is never reused."""

    prefix = models.CharField(max_length=20)
    year = models.PositiveIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="reference_counter_unique")]

    def __str__(self):
        return f"{self.prefix}-{self.year}: {self.last_value}"


def next_reference(prefix: str, year: int | None = None) -> str:
    """Return the next reference such as APP-2026-000123, safe under concurrent callers.

    The counter row is locked for the rest of the caller's transaction, so two creators serialize on it;
    the first creator of a year's row may race another, which the unique constraint turns into a retry.
    """
    year = year or timezone.now().year
    for _attempt in range(3):
        try:
            with transaction.atomic():
                counter, _ = ReferenceCounter.objects.select_for_update().get_or_create(prefix=prefix, year=year)
                counter.last_value = models.F("last_value") + 1
                counter.save(update_fields=["last_value"])
                counter.refresh_from_db(fields=["last_value"])
                return f"{prefix}-{year}-{counter.last_value:06d}"
        except IntegrityError:
            continue
    raise RuntimeError(f"Could not allocate a reference for {prefix}-{year}")


# --- the dossier -------------------------------------------------------------------------------


class ApplicationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Applications a user may open: their organizations' own, or those filed with their authority.

        Only the branches that apply, and a semi-join instead of joins and DISTINCT: "the newest dossiers I may
        see" then walks the `application_newest` index and stops at the page (bench/RESULTS.md, query plans)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        organizations, authorities = organization_ids(user), authority_ids(user)
        visible = Q(pk__in=[])
        if organizations:
            visible |= Q(organization_id__in=organizations)
        if authorities:
            filing = self.model.filings.field.model
            filed = filing.objects.filter(
                application=OuterRef("pk"), authority_id__in=authorities, submitted_at__isnull=False
            )
            visible |= Exists(filed)
        return self.filter(visible)


class Application(models.Model):
    reference = models.CharField(max_length=32, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="applications")
    title = models.CharField(max_length=200)
    purpose = models.TextField(blank=True, help_text="Nature of the assistance")
    justification = models.TextField(blank=True, help_text="Why an exemption is needed")
    beneficiaries = models.JSONField(
        default=dict, blank=True, validators=[validate_beneficiaries], help_text="Count of people by category"
    )
    selection_criteria = models.TextField(blank=True)
    destinations = models.TextField(blank=True, help_text="One per line: province or county, facility")
    ship_from_on = models.DateField(null=True, blank=True, validators=[validate_plausible_date])
    ship_until_on = models.DateField(null=True, blank=True, validators=[validate_plausible_date])
    route_origin = models.CharField(max_length=200, blank=True)
    route_transit = models.CharField(max_length=200, blank=True)
    port_of_entry = models.CharField(max_length=200, blank=True)
    monitoring_arrangements = models.TextField(blank=True)
    financial_channel = models.TextField(blank=True)
    required_authorities = models.ManyToManyField(
        Authority, blank=True, related_name="+", help_text="Every authority whose approval the shipment needs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        # Benchmarks (bench/RESULTS.md): "newest dossiers I may see" walks this instead of sorting them all.
        indexes = [models.Index(fields=["-created_at"], name="application_newest")]

    def __str__(self):
        return f"{self.reference} {self.title}"

    def clean(self):
        if self.ship_from_on and self.ship_until_on and self.ship_from_on > self.ship_until_on:
            raise ValidationError(
                {"ship_until_on": "The shipment window must end on or after its first day (ship from)."}
            )

    def save(self, *args, **kwargs):
        if not self.reference:
            self.reference = next_reference("APP")
        super().save(*args, **kwargs)

    def lock_for_update(self) -> None:
        """Hold this dossier's row lock until the transaction ends, and reload it as it stands under the lock
        (prefetched rows dropped). Every write to a dossier and every submit of it takes this lock first, so
        they run one at a time: a snapshot never sees half an edit, and a check such as `is_locked` stays true
        until the write it guards commits. Raises DoesNotExist when the dossier was deleted meanwhile."""
        self.refresh_from_db(from_queryset=Application.objects.select_for_update())

    @property
    def is_locked(self) -> bool:
        """Filed: a filing has left draft, so this is what an authority reviews and it no longer changes. Reads
        the filings a list prefetched, so a list pays no query per dossier."""
        if "filings" in getattr(self, "_prefetched_objects_cache", {}):
            return any(f.status != procedures.INITIAL for f in self.filings.all())
        return self.filings.exclude(status=procedures.INITIAL).exists()

    # What a viewer of the dossier may see of its filings: the one rule of the dossier overview, the API's
    # application (authorities, filings, cleared-to-ship) and a filing page's links to its siblings. A dossier
    # filed with several authorities must not tell one authority which others hold a case (nor their
    # references or decisions): its reviewers and staff see their own authority's part only. The three read
    # prefetched filings and authorities, so a list pays no query per dossier.

    def seen_whole_by(self, user) -> bool:
        """The dossier's own organization (and admins) see every filing, authority and the overall verdict."""
        return user.is_superuser or self.organization_id in organization_ids(user)

    def filings_visible_to(self, user) -> list:
        """The filings `user` may see: all for its organization; an authority's filed cases for its members
        (as `Filing.objects.visible_to()` decides for a single filing)."""
        filings = list(self.filings.all())
        if self.seen_whole_by(user):
            return filings
        own = authority_ids(user)
        return [f for f in filings if f.authority_id in own and f.submitted_at is not None]

    def authorities_visible_to(self, user) -> list[Authority]:
        """Of the authorities whose approval the shipment needs, those `user` may learn about."""
        authorities = list(self.required_authorities.all())
        if self.seen_whole_by(user):
            return authorities
        own = authority_ids(user)
        return [a for a in authorities if a.pk in own]

    @property
    def beneficiary_total(self) -> int:
        return sum((self.beneficiaries or {}).values())

    def required_elements(self) -> tuple[str, ...]:
        """What the procedures of the chosen authorities require (IAN 7's list only where the UN 1718 Committee is
        among them); every element while no authority is chosen. Reads `required_authorities.all()`."""
        wanted = {e for a in self.required_authorities.all() for e in a.procedure.required_elements}
        return (
            tuple(e for e in procedures.DOSSIER_ELEMENTS if e in wanted)
            if wanted
            else tuple(procedures.DOSSIER_ELEMENTS)
        )

    def missing_elements(self, required=None) -> list[str]:
        """Labels of the `required` dossier elements (procedures.DOSSIER_ELEMENTS; by default those of the chosen
        authorities) this dossier still lacks; empty when it may be filed. Reads items and parties with `.all()`,
        so prefetched rows cost no query."""
        if required is None:
            required = self.required_elements()
        present = {
            "purpose": bool(self.purpose.strip()),
            "justification": bool(self.justification.strip()),
            "beneficiaries": self.beneficiary_total > 0,
            "selection_criteria": bool(self.selection_criteria.strip()),
            "destinations": bool(self.destinations.strip()),
            "items": bool(self.items.all()),
            "shipment_window": bool(self.ship_from_on and self.ship_until_on),
            "parties": bool(self.parties.all()),
            "monitoring_arrangements": bool(self.monitoring_arrangements.strip()),
            "financial_channel": bool(self.financial_channel.strip()),
        }
        return [procedures.DOSSIER_ELEMENTS[key] for key in required if not present[key]]


class Item(models.Model):
    class Category(models.TextChoices):
        FOOD = "food", "Food and nutrition"
        MEDICAL = "medical", "Medical"
        WASH = "wash", "Water, sanitation and hygiene"
        AGRICULTURE = "agriculture", "Agriculture"
        SHELTER = "shelter", "Shelter"
        OTHER = "other", "Other"

    class Kind(models.TextChoices):
        GOODS = "goods", "Goods"
        SERVICE = "service", "Service (installation, training, …)"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.GOODS, db_default=Kind.GOODS)
    description = models.CharField(max_length=300)
    hs_code = models.CharField(
        "HS code", max_length=14, blank=True, validators=[validate_hs_code], help_text="Goods only"
    )
    provider = models.CharField(
        max_length=200, blank=True, default="", db_default="", help_text="Services: who provides the service"
    )
    quantity = models.DecimalField(max_digits=14, decimal_places=3, validators=[validate_positive])
    unit = models.CharField(max_length=30, help_text="e.g. kg, cartons, pieces")
    unit_value = models.DecimalField(max_digits=14, decimal_places=2, validators=[validate_positive])
    currency = models.CharField(max_length=3, default="USD", validators=[validate_currency])
    category = models.CharField(max_length=20, choices=Category.choices)
    specification = models.TextField(blank=True, help_text="Model, technical specification, pack size")
    dual_use_note = models.TextField(blank=True, help_text="Any dual-use concern, and how end use is controlled")
    # What the triage reads for the US layer (BIS, OFAC): the EAR follow US-origin goods wherever they ship from.
    us_origin = models.BooleanField(
        "US origin",
        default=False,
        db_default=False,
        help_text="Made in the US, or with more than de minimis US content",
    )
    export_classification = models.CharField(
        max_length=20,
        blank=True,
        default="",
        db_default="",
        validators=[validate_export_classification],
        help_text="US-origin goods: EAR99 or the ECCN (e.g. 3A001)",
    )

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.description

    def clean(self):
        if self.kind == self.Kind.SERVICE:
            errors = {}
            if self.hs_code:
                errors["hs_code"] = "A service has no HS code; describe it and name its provider."
            if not (self.provider or "").strip():
                errors["provider"] = "Name who provides the service."
            if errors:
                raise ValidationError(errors)
        elif not self.hs_code:
            raise ValidationError({"hs_code": "Goods need their HS code."})

    def save(self, *args, **kwargs):
        self.hs_code = normalize_hs_code(self.hs_code)
        self.currency = (self.currency or "").upper()
        self.export_classification = normalize_export_classification(self.export_classification)
        super().save(*args, **kwargs)

    @property
    def total_value(self) -> Decimal:
        return (self.quantity or 0) * (self.unit_value or 0)


class Party(models.Model):
    class PartyRole(models.TextChoices):
        SUPPLIER = "supplier", "Supplier"
        CONSIGNEE = "consignee", "Consignee"
        END_USER = "end_user", "End user"
        FREIGHT_FORWARDER = "freight_forwarder", "Freight forwarder"
        BANK = "bank", "Bank"
        VESSEL = "vessel", "Vessel"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(max_length=20, choices=PartyRole.choices)
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, validators=[validate_country], help_text="ISO 3166 alpha-2")
    address = models.TextField(blank=True)
    identifier = models.CharField(
        max_length=60,
        blank=True,
        default="",
        db_default="",  # bulk SQL that names no identifier (bench/generate.py) still inserts rows
        help_text="A vessel's IMO number; a company's registration number, if known",
    )

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "parties"

    def __str__(self):
        return f"{self.name} ({self.get_role_display()})"

    def save(self, *args, **kwargs):
        self.country = (self.country or "").upper()
        super().save(*args, **kwargs)


def document_path(document, filename):
    # The stored name never comes from the user: it cannot traverse folders or collide.
    return f"documents/{timezone.now():%Y/%m}/{document.sha256 or 'pending'}-{timezone.now():%H%M%S%f}"


class Document(models.Model):
    class Kind(models.TextChoices):
        COVER_LETTER = "cover_letter", "Cover letter"
        ITEM_LIST = "item_list", "Item list"
        END_USER_STATEMENT = "end_user_statement", "End-user statement"
        MONITORING_PLAN = "monitoring_plan", "Monitoring plan"
        DECISION_LETTER = "decision_letter", "Decision letter"
        LICENCE = "licence", "Licence"
        DELIVERY_REPORT = "delivery_report", "Delivery report"
        OTHER = "other", "Other"

    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.CASCADE, related_name="documents"
    )
    filing = models.ForeignKey("Filing", null=True, blank=True, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.OTHER)
    file = models.FileField(upload_to=document_path)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="document_belongs_to_application_or_filing",
                condition=Q(application__isnull=False) | Q(filing__isnull=False),
            )
        ]

    def __str__(self):
        return self.original_name

    @classmethod
    def kinds_for(cls, roles) -> list[str]:
        """The kinds of document a person holding `roles` may attach, in the order of `Kind`."""
        allowed = set().union(*(DOCUMENT_KINDS_BY_ROLE.get(role, ()) for role in roles))
        return [kind for kind in cls.Kind.values if kind in allowed]


# Who may attach what: a decision letter is the authority's word (it goes out in the decision email), and the
# evidence of the request and of the delivery is the applicant's. Anyone may attach "other".
_AUTHORITY_KINDS = (Document.Kind.DECISION_LETTER, Document.Kind.LICENCE, Document.Kind.OTHER)
# The kinds the decision email names and the holder looks for: the authority's word on the case.
DECISION_KINDS = (Document.Kind.DECISION_LETTER, Document.Kind.LICENCE)
DOCUMENT_KINDS_BY_ROLE = {
    procedures.APPLICANT: (
        Document.Kind.COVER_LETTER,
        Document.Kind.ITEM_LIST,
        Document.Kind.END_USER_STATEMENT,
        Document.Kind.MONITORING_PLAN,
        Document.Kind.DELIVERY_REPORT,
        Document.Kind.OTHER,
    ),
    procedures.REVIEWER: _AUTHORITY_KINDS,
    procedures.STAFF: _AUTHORITY_KINDS,
}

_declared_kinds = {
    f.document_kind for p in procedures.PROCEDURES.values() for t in p.transitions for f in t.payload if f.document_kind
}
assert _declared_kinds <= set(Document.Kind.values), (
    f"unknown document kinds {_declared_kinds - set(Document.Kind.values)}"
)
