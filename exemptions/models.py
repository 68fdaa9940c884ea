"""Entities of the exemption tracker and the QuerySets that say who may see what.

Models hold data and data validation only. `Filing.status` is written by `engine.apply()` alone.
"""

import datetime
import re
from decimal import Decimal

import pycountry
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import deadlines, procedures
from .reminder_schedule import validate_reminder_schedule
from .snapshot import canonical_json, sha256_hex

# --- validators --------------------------------------------------------------------------------

HS_CODE_RE = re.compile(r"^\d{6,10}$")


def normalize_hs_code(value: str) -> str:
    """HS codes are often written 3004.90 or 3004 90; store the digits only."""
    return re.sub(r"[\s.]", "", value or "")


def validate_hs_code(value: str) -> None:
    if not HS_CODE_RE.match(normalize_hs_code(value)):
        raise ValidationError(
            "Enter the Harmonized System code as 6 to 10 digits, for example 300490 (dots and spaces are ignored).",
            code="hs_code",
        )


def validate_currency(value: str) -> None:
    if not value or pycountry.currencies.get(alpha_3=value.upper()) is None:
        raise ValidationError("Enter a three-letter ISO 4217 currency code such as USD, EUR or CHF.", code="currency")


def validate_country(value: str) -> None:
    if not value or pycountry.countries.get(alpha_2=value.upper()) is None:
        raise ValidationError("Enter a two-letter ISO 3166 country code such as KP, CN or CH.", code="country")


def validate_plausible_date(value) -> None:
    # Far-off years are typing slips, and near year 9999 deadline arithmetic would overflow.
    if value is not None and not procedures.EARLIEST_DATE <= value <= procedures.LATEST_DATE:
        raise ValidationError(
            f"Enter a date between {procedures.EARLIEST_DATE:%d %b %Y} and {procedures.LATEST_DATE:%d %b %Y}.",
            code="implausible_date",
        )


def validate_positive(value) -> None:
    if value is not None and value <= 0:
        raise ValidationError("Must be greater than zero.", code="not_positive")


BENEFICIARY_CATEGORIES = {
    "children_under_5": "Children under 5",
    "school_children": "School-age children",
    "pregnant_lactating_women": "Pregnant and lactating women",
    "patients": "Patients",
    "elderly": "Elderly people",
    "persons_with_disabilities": "Persons with disabilities",
    "farmers": "Farming households",
    "other": "Other",
}


def validate_beneficiaries(value) -> None:
    if value in (None, ""):
        return
    if not isinstance(value, dict):
        raise ValidationError("Beneficiaries must map a category to a count.", code="beneficiaries")
    for category, count in value.items():
        if category not in BENEFICIARY_CATEGORIES:
            raise ValidationError(
                f"Unknown beneficiary category '{category}'. Use one of: {', '.join(BENEFICIARY_CATEGORIES)}.",
                code="beneficiary_category",
            )
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValidationError(
                f"The number of {BENEFICIARY_CATEGORIES[category].lower()} must be a whole number of 0 or more.",
                code="beneficiary_count",
            )


# --- parties to a case -------------------------------------------------------------------------


class Organization(models.Model):
    class Kind(models.TextChoices):
        NGO = "ngo", "Non-governmental organization"
        UN_AGENCY = "un_agency", "UN agency"
        INTERNATIONAL = "international", "International organization"
        GOVERNMENT = "government", "Government"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.NGO)
    country = models.CharField(max_length=2, validators=[validate_country], help_text="ISO 3166 alpha-2")
    contact_email = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Authority(models.Model):
    code = models.CharField(max_length=20, unique=True, help_text="Short code used in filing references, e.g. OFAC")
    name = models.CharField(max_length=200)
    jurisdiction = models.CharField(max_length=200)
    workflow_key = models.CharField(
        "procedure",
        max_length=20,
        choices=[(key, procedure.name) for key, procedure in procedures.PROCEDURES.items()],
        default=procedures.GENERIC.key,
    )
    holiday_calendar = models.CharField(
        max_length=20,
        help_text="Country and optional subdivision of the `holidays` package, e.g. US-NY, US-DC, GB-ENG, BE",
    )
    time_zone = models.CharField(max_length=64, default="UTC", help_text="IANA zone in which deadlines fall due")
    review_sla_working_days = models.PositiveIntegerField(default=30, help_text="Reviewer SLA from submission")
    applicant_reply_working_days = models.PositiveIntegerField(default=10)
    no_objection_working_days = models.PositiveIntegerField(default=5)
    expedited_no_objection_working_days = models.PositiveIntegerField(default=2)
    confirmation_working_days = models.PositiveIntegerField(
        default=2, help_text="Time for staff to confirm a system-proposed approval"
    )
    extension_review_working_days = models.PositiveIntegerField(default=10)
    default_validity_months = models.PositiveIntegerField(default=6)
    max_validity_months = models.PositiveIntegerField(default=9)
    max_shipments = models.PositiveIntegerField(null=True, blank=True)
    report_due_days = models.PositiveIntegerField(default=30, help_text="Calendar days after expiry")
    contact_email = models.EmailField(blank=True)
    reminder_schedule = models.JSONField(
        default=dict,
        blank=True,
        help_text='Overrides of the reminder schedule per deadline kind, e.g. {"reply": {"working_days_before": [7, 2]}, '
        '"expiry": {"days_before": [90, 30]}}. Empty: the site-wide schedule.',
    )

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "authorities"

    def __str__(self):
        return f"{self.code} — {self.name}"

    @property
    def procedure(self) -> procedures.Procedure:
        return procedures.procedure_for(self.workflow_key)

    def clean(self):
        try:
            deadlines.holiday_calendar(self.holiday_calendar, 2026)
        except ValueError as exc:
            raise ValidationError({"holiday_calendar": str(exc)}) from exc
        try:
            deadlines.zone(self.time_zone)
        except ValueError as exc:
            raise ValidationError({"time_zone": str(exc)}) from exc
        validate_reminder_schedule(self.reminder_schedule)


class Role(models.TextChoices):
    APPLICANT = procedures.APPLICANT, "Applicant"
    REVIEWER = procedures.REVIEWER, "Reviewer"
    STAFF = procedures.STAFF, "Authority staff"


class Membership(models.Model):
    """A user's seat in an organization (applicant) or an authority (reviewer, staff)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    authority = models.ForeignKey(
        Authority, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="membership_applicant_has_organization",
                condition=(Q(role="applicant", organization__isnull=False, authority__isnull=True))
                | (Q(role__in=["reviewer", "staff"], authority__isnull=False, organization__isnull=True)),
                violation_error_message="Applicants belong to an organization; reviewers and staff to an authority.",
            ),
            models.UniqueConstraint(fields=["user", "role", "organization", "authority"], name="membership_unique"),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} at {self.organization or self.authority}"


AUTHORITY_ROLES = procedures.AUTHORITY_ROLES


def memberships_of(user) -> list[tuple[str, int | None, int | None]]:
    """(role, organization_id, authority_id) of a user, read once per user object (i.e. per request)."""
    cached = getattr(user, "_clearance_memberships", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).values_list("role", "organization_id", "authority_id"))
        user._clearance_memberships = cached
    return cached


def organization_ids(user) -> set[int]:
    """The aid organizations a user applies for."""
    if not user.is_authenticated:
        return set()
    return {organization for role, organization, _ in memberships_of(user) if role == Role.APPLICANT}


def assignable_reviewers(authority):
    """Active users who review or run cases at `authority`: the people a filing there may be assigned to."""
    return (
        get_user_model()
        .objects.filter(is_active=True, memberships__authority=authority, memberships__role__in=AUTHORITY_ROLES)
        .distinct()
        .order_by("username")
    )


def authority_ids(user, roles=AUTHORITY_ROLES) -> set[int]:
    """The authorities at which a user holds one of `roles`."""
    if not user.is_authenticated:
        return set()
    return {authority for role, _, authority in memberships_of(user) if role in roles}


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    time_zone = models.CharField(max_length=64, default="UTC", help_text="Deadlines in emails and pages use this zone")
    wants_event_emails = models.BooleanField(default=True, help_text="Emails when something happens on a case")
    wants_digest = models.BooleanField(default=True, help_text="Daily digest of overdue and due-this-week work")

    def __str__(self):
        return f"Profile of {self.user}"


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
        """Applications a user may open: their organizations' own, or those filed with their authority."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(
            Q(organization__memberships__user=user)
            | Q(
                filings__authority__memberships__user=user,
                filings__submitted_at__isnull=False,
            )
        ).distinct()


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

    @property
    def is_locked(self) -> bool:
        """Filed: a filing has left draft, so this is what an authority reviews and it no longer changes. Reads
        the filings a list prefetched, so a list pays no query per dossier."""
        if "filings" in getattr(self, "_prefetched_objects_cache", {}):
            return any(f.status != "draft" for f in self.filings.all())
        return self.filings.exclude(status="draft").exists()

    @property
    def beneficiary_total(self) -> int:
        return sum((self.beneficiaries or {}).values())

    def missing_elements(self, required=procedures.IAN7_ELEMENTS) -> list[str]:
        """Labels of the `required` dossier elements (procedures.DOSSIER_ELEMENTS) this dossier still lacks;
        empty when it may be filed. Reads items and parties with `.all()`, so prefetched rows cost no query."""
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

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="items")
    description = models.CharField(max_length=300)
    hs_code = models.CharField("HS code", max_length=14, validators=[validate_hs_code])
    quantity = models.DecimalField(max_digits=14, decimal_places=3, validators=[validate_positive])
    unit = models.CharField(max_length=30, help_text="e.g. kg, cartons, pieces")
    unit_value = models.DecimalField(max_digits=14, decimal_places=2, validators=[validate_positive])
    currency = models.CharField(max_length=3, default="USD", validators=[validate_currency])
    category = models.CharField(max_length=20, choices=Category.choices)
    specification = models.TextField(blank=True)
    dual_use_note = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.description

    def save(self, *args, **kwargs):
        self.hs_code = normalize_hs_code(self.hs_code)
        self.currency = (self.currency or "").upper()
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

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(max_length=20, choices=PartyRole.choices)
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, validators=[validate_country], help_text="ISO 3166 alpha-2")
    address = models.TextField(blank=True)

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


# --- the case that moves -----------------------------------------------------------------------


# Lists run in deadline order. Keyset pages need a key that is never NULL, so a filing without a deadline reads
# as due at the end of time: last when the soonest comes first, first in the reverse order. An index on the same
# expression lets a page start at its cursor instead of counting and skipping rows (bench/RESULTS.md).
NO_DEADLINE = datetime.datetime(9999, 12, 31, tzinfo=datetime.UTC)


def deadline_key():
    return Coalesce("due_at", Value(NO_DEADLINE, output_field=models.DateTimeField()))


class FilingQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Filings a user may open. Authority members never see drafts; anyone else gets nothing."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        # Keep only the branches that apply: a reviewer's queue is then a plain `authority_id IN (…)` on the
        # filing index, not an OR over a join that scans every filing.
        organizations, authorities = organization_ids(user), authority_ids(user)
        visible = Q(pk__in=[])
        if organizations:
            visible |= Q(application__organization_id__in=organizations)
        if authorities:
            visible |= Q(authority_id__in=authorities, submitted_at__isnull=False)
        return self.filter(visible)

    def search(self, text: str):
        """Filings whose reference, authority reference, dossier reference or title, or organization contains
        `text`: the one search of the reviewer queue and the API."""
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(
            Q(reference__icontains=text)
            | Q(authority_reference__icontains=text)
            | Q(application__reference__icontains=text)
            | Q(application__title__icontains=text)
            | Q(application__organization__name__icontains=text)
        )

    def with_related(self):
        return self.select_related("application__organization", "authority", "assigned_to")

    def by_deadline(self, descending: bool = False):
        """Soonest deadline first and filings without one last, then by id (`descending`: exactly the reverse):
        the order of the reviewer queue and the API list, and the key of their pages (exemptions/pagination.py)."""
        ordered = self.alias(deadline_key=deadline_key())
        return ordered.order_by("-deadline_key", "-id") if descending else ordered.order_by("deadline_key", "id")

    def for_listing(self):
        """`with_related()` without the columns no list row shows: a filing's frozen dossier (the one wide
        column of a filing) and the related rows' wide columns stay in the database."""
        return self.with_related().only(*self.listing_columns())

    def listing_columns(self) -> list[str]:
        own = [f.name for f in self.model._meta.concrete_fields if f.name != "snapshot"]
        related = ["application__reference", "application__title", "application__organization__name"]
        return (
            own + related + ["authority__code", "authority__name", "authority__workflow_key", "assigned_to__username"]
        )

    def overdue(self, now=None):
        return self.filter(due_at__lt=now or timezone.now())

    def open(self):
        """Filings not in a final state (a draft is open: its applicant is still at work on it)."""
        return self.exclude(status__in=procedures.states_where(terminal=True))

    def in_force(self, today: datetime.date):
        """Approvals in force on `today`: in a state that grants validity, which has started and not yet ended.
        The one answer of the public register, on the web and in the API."""
        granting = procedures.states_where(grants_validity=True)
        return self.filter(status__in=granting, valid_from_on__lte=today, valid_until_on__gte=today)

    def due_between(self, start, end):
        return self.filter(due_at__gte=start, due_at__lt=end)


class Filing(models.Model):
    class LegalBasis(models.TextChoices):
        SPECIFIC_REQUEST = "specific_request", "Specific exemption request"
        NOTIFICATION = "notification", "Notification"
        STANDING_EXEMPTION = "standing_exemption", "Reliance on a standing or general exemption"

    class Channel(models.TextChoices):
        DIRECT = "direct", "Direct"
        MEMBER_STATE = "member_state", "Via a Member State"
        RESIDENT_COORDINATOR = "resident_coordinator", "Via the UN Resident Coordinator"
        COMMITTEE_SECRETARY = "committee_secretary", "Via the Committee Secretary"

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="filings")
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="filings")
    reference = models.CharField(max_length=40, unique=True, editable=False)
    status = models.CharField(max_length=40, default=procedures.INITIAL, editable=False, db_index=True)
    version = models.PositiveIntegerField(default=0, editable=False)
    legal_basis = models.CharField(max_length=30, choices=LegalBasis.choices, default=LegalBasis.SPECIFIC_REQUEST)
    submission_channel = models.CharField(max_length=30, choices=Channel.choices, default=Channel.DIRECT)
    channel_detail = models.CharField(max_length=200, blank=True, help_text="e.g. which Member State")
    due_at = models.DateTimeField(null=True, blank=True, editable=False)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_filings"
    )
    authority_reference = models.CharField(
        max_length=100, blank=True, help_text="Committee letter number, OFAC licence number, …"
    )
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    valid_from_on = models.DateField(null=True, blank=True, editable=False)
    valid_until_on = models.DateField(null=True, blank=True, editable=False)
    conditions = models.TextField(blank=True, editable=False)
    decision_reasons = models.TextField(blank=True, editable=False)
    # A stopped clock (information request, hold) keeps the deadline it interrupted, to resume it later.
    clock_stopped_at = models.DateTimeField(null=True, blank=True, editable=False)
    paused_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    paused_deadline_kind = models.CharField(max_length=30, blank=True, editable=False)
    applicant_wait_seconds = models.PositiveBigIntegerField(
        default=0, editable=False, help_text="Time spent waiting on the applicant, excluded from SLA metrics"
    )
    snapshot = models.JSONField(null=True, blank=True, editable=False)
    snapshot_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    anonymized_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the retention policy redacted personal details"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FilingQuerySet.as_manager()

    class Meta:
        ordering = [deadline_key().asc(), "id"]  # `by_deadline()`'s order, on every database
        indexes = [
            # The reminder sweep and the overdue filters read only filings with a running deadline.
            models.Index(fields=["due_at"], name="filing_open_due_at", condition=Q(due_at__isnull=False)),
            models.Index(fields=["authority", "status", "due_at"], name="filing_authority_queue"),
            models.Index(
                fields=["valid_until_on"], name="filing_valid_until", condition=Q(valid_until_on__isnull=False)
            ),
            # Benchmarks (bench/RESULTS.md): lists run in deadline order, so any visibility filter can walk filings
            # in that order and stop at the page instead of sorting them all; an authority's queue of filed cases
            # reads its own slice in that order.
            models.Index(deadline_key(), F("id"), name="filing_deadline_order"),
            models.Index(
                F("authority"),
                deadline_key(),
                F("id"),
                name="filing_queue_keyset",
                condition=Q(submitted_at__isnull=False),
            ),
        ]

    def __str__(self):
        return self.reference

    def save(self, *args, **kwargs):
        if not self.reference:
            self.reference = next_reference(self.authority.code)
        super().save(*args, **kwargs)

    @property
    def procedure(self) -> procedures.Procedure:
        return self.authority.procedure

    @property
    def state(self) -> procedures.State:
        return self.procedure.state(self.status)

    @property
    def is_overdue(self) -> bool:
        return bool(self.due_at and self.due_at < timezone.now())


class Event(models.Model):
    """One transition of a filing. Append-only; each row carries the hash of the one before it."""

    filing = models.ForeignKey(Filing, on_delete=models.PROTECT, related_name="events")
    sequence = models.PositiveIntegerField()
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=40)
    to_status = models.CharField(max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150, help_text="Username at the time, or 'system'")
    note = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    notified_at = models.DateTimeField(null=True, blank=True, help_text="When its notifications were sent")

    class Meta:
        ordering = ["filing_id", "sequence"]
        constraints = [models.UniqueConstraint(fields=["filing", "sequence"], name="event_sequence_unique")]
        indexes = [models.Index(fields=["created_at"], name="event_unnotified", condition=Q(notified_at__isnull=True))]

    def __str__(self):
        return f"{self.filing_id}#{self.sequence} {self.action}"

    GENESIS_HASH = "0" * 64

    def hashed_content(self) -> dict:
        return {
            "filing": self.filing.reference,
            "sequence": self.sequence,
            "action": self.action,
            "from": self.from_status,
            "to": self.to_status,
            "actor": self.actor_label,
            "note": self.note,
            "payload": self.payload,
            # UTC: the instant reads back from the database in UTC whatever zone it was written in.
            "created_at": self.created_at.astimezone(datetime.UTC).isoformat(),
        }

    def compute_hash(self) -> str:
        return sha256_hex(self.prev_hash + canonical_json(self.hashed_content()))

    def save(self, *args, **kwargs):
        if self.pk and not kwargs.get("update_fields") == ["notified_at"]:
            raise ValidationError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Audit events are append-only.")


class Message(models.Model):
    class Kind(models.TextChoices):
        MESSAGE = "message", "Message"
        INFORMATION_REQUEST = "information_request", "Information request"
        RESPONSE = "response", "Response"

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.MESSAGE)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.filing_id}"


class OutgoingEmail(models.Model):
    """Every email the app sends: a deadline reminder, an event notice or a daily digest. The row is claimed
    (inserted under a unique constraint) before the email goes out, so it is sent at most once; a failed send
    is retried from it (the outbox). What the email is about is held in the fields of its family; the check
    constraint keeps them filled, so that no NULL slips through a family's unique constraint."""

    class Family(models.TextChoices):
        REMINDER = "reminder", "Deadline reminder"
        EVENT_NOTICE = "event_notice", "Event notice"
        DIGEST = "digest", "Daily digest"

    family = models.CharField(max_length=20, choices=Family.choices)
    filing = models.ForeignKey(
        Filing,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="outgoing_emails",
        help_text="Empty for digests",
    )
    deadline_kind = models.CharField(max_length=40, blank=True, help_text="Reminders: the deadline, e.g. reply")
    offset = models.CharField(
        max_length=20,
        blank=True,
        help_text="Reminders: when, e.g. T-5wd (5 working days before), T-60d (60 days before) or overdue",
    )
    event = models.ForeignKey(
        Event,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notices",
        help_text="Event notices: the transition announced",
    )
    authority = models.ForeignKey(
        Authority,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="digests",
        help_text="Digests: the authority whose work is listed",
    )
    due_at = models.DateTimeField(help_text="The deadline a reminder is about, the event's time, or the digest's")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="outgoing_emails")
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="When an unsent email is (re)tried; empty once sent or given up"
    )

    class Meta:
        ordering = ["-claimed_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(family="reminder", filing__isnull=False, event__isnull=True, authority__isnull=True)
                    & ~Q(deadline_kind="")
                    & ~Q(offset="")
                )
                | Q(
                    family="event_notice",
                    filing__isnull=False,
                    event__isnull=False,
                    authority__isnull=True,
                    deadline_kind="",
                    offset="",
                )
                | Q(
                    family="digest",
                    filing__isnull=True,
                    event__isnull=True,
                    authority__isnull=False,
                    deadline_kind="",
                    offset="",
                ),
                name="outgoing_email_fields_of_its_family",
            ),
            # One constraint per family, each on the fields the check above keeps non-NULL.
            models.UniqueConstraint(
                fields=["filing", "deadline_kind", "offset", "due_at", "recipient"],
                condition=Q(family="reminder"),
                name="outgoing_reminder_once",
            ),
            models.UniqueConstraint(
                fields=["event", "recipient"], condition=Q(family="event_notice"), name="outgoing_event_notice_once"
            ),
            models.UniqueConstraint(
                fields=["authority", "due_at", "recipient"], condition=Q(family="digest"), name="outgoing_digest_once"
            ),
        ]
        indexes = [models.Index(fields=["claimed_at"], name="outgoing_email_unsent", condition=Q(sent_at__isnull=True))]

    def __str__(self):
        return f"{self.about} to {self.recipient_id}"

    @property
    def about(self) -> str:
        """What the email is about, in a few words: "reply T-5wd on 12", "approve on 12", "UN1718 digest"."""
        if self.family == self.Family.REMINDER:
            return f"{self.deadline_kind} {self.offset} on {self.filing_id}"
        if self.family == self.Family.EVENT_NOTICE:
            return f"{self.event.action} on {self.filing_id}"
        return f"{self.authority.code} digest"


class FilingView(models.Model):
    """Who at an authority opened which case file, and how: authority staff can see who read a case."""

    class Channel(models.TextChoices):
        WEB = "web", "Web"
        API = "api", "API"
        ADMIN = "admin", "Admin"

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="views")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    viewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-viewed_at", "-id"]
        indexes = [models.Index(fields=["filing", "-viewed_at"], name="filing_view_recent")]

    def __str__(self):
        return f"{self.user_id} viewed {self.filing_id} ({self.channel})"
