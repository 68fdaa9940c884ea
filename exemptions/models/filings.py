"""The case that moves: filings with their visibility and deadline order, the audit events, the thread, and
the access log. `Filing.status` is written by `engine.apply()` alone."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from .. import procedures
from ..snapshot import canonical_json, sha256_hex
from .dossiers import Application, next_reference
from .people import Authority
from .seals import seal
from .standing import authority_ids, organization_ids

# --- the case that moves -----------------------------------------------------------------------


# Lists run in deadline order. Keyset pages need a key that is never NULL, so a filing without a deadline reads
# as due at the end of time: last when the soonest comes first, first in the reverse order. An index on the same
# expression lets a page start at its cursor instead of counting and skipping rows (bench/RESULTS.md).
NO_DEADLINE = datetime.datetime(9999, 12, 31, tzinfo=datetime.UTC)
GENESIS_HASH = "0" * 64  # what the first event of a trail links to


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
            | Q(case_number__icontains=text)
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
            own
            + related
            + ["authority__code", "authority__name", "authority__workflow_key", "authority__time_zone"]
            + ["assigned_to__username", "assigned_to__first_name", "assigned_to__last_name"]
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

    def on_register(self, today: datetime.date, *, authority: str = "", search: str = ""):
        """The public register: approvals in force today of the authorities that publish theirs, optionally of one
        authority (by code) and matching `search` in the organization's name, the case reference or the
        authority's own number (the licence or letter number a bank or supplier holds). The web page and the
        API both list this."""
        entries = self.in_force(today).filter(authority__publishes_register=True)
        if authority:
            entries = entries.filter(authority__code=authority)
        search = (search or "").strip()
        if search:
            entries = entries.filter(
                Q(application__organization__name__icontains=search)
                | Q(reference__icontains=search)
                | Q(authority_reference__icontains=search)
            )
        return entries.select_related("application__organization", "authority").order_by("-decided_at", "-id")

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

    class Link(models.TextChoices):
        """Why a filing follows an earlier one of the same dossier."""

        RESUBMISSION = "resubmission", "New request after a denial, return or expiry"
        EXTENSION = "extension", "Extension of an approval"
        AMENDMENT = "amendment", "Amendment of an approval"

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="filings")
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="filings")
    reference = models.CharField(max_length=40, unique=True, editable=False)
    status = models.CharField(max_length=40, default=procedures.INITIAL, editable=False, db_index=True)
    # The procedure the filing follows: one of its authority's routes (Authority.routes), its default when blank.
    route = models.CharField(
        max_length=20, choices=[(k, v.name) for k, v in procedures.PROCEDURES.items()], blank=True, editable=False
    )
    version = models.PositiveIntegerField(default=0, editable=False)
    legal_basis = models.CharField(max_length=30, choices=LegalBasis.choices, default=LegalBasis.SPECIFIC_REQUEST)
    submission_channel = models.CharField(max_length=30, choices=Channel.choices, default=Channel.DIRECT)
    channel_detail = models.CharField(max_length=200, blank=True, help_text="e.g. which Member State")
    urgent = models.BooleanField(
        default=False,
        db_default=False,
        help_text="An urgent request (e.g. pandemic response): expedited, and may be filed directly",
    )
    urgent_reason = models.TextField(blank=True, default="", db_default="", help_text="Why the request is urgent")
    # When the forwarding body (Member State, Resident Coordinator, Committee Secretary) transmitted the request:
    # the authority's clock starts then, and the time before it is not the authority's.
    forwarded_at = models.DateTimeField(null=True, blank=True, editable=False)
    due_at = models.DateTimeField(null=True, blank=True, editable=False)
    follows = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="followed_by",
        help_text="The earlier filing this one renews, extends or amends",
    )
    link = models.CharField(max_length=20, choices=Link.choices, blank=True, default="", db_default="")
    linked_request = models.TextField(
        blank=True,
        default="",
        db_default="",
        help_text="What an extension or amendment asks of the approval it follows, and why",
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_filings"
    )
    authority_reference = models.CharField(
        max_length=100, blank=True, help_text="Committee letter number, OFAC licence number, …"
    )
    case_number = models.CharField(
        max_length=40, blank=True, editable=False, help_text="The authority's case number while pending (OFAC)"
    )
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    valid_from_on = models.DateField(null=True, blank=True, editable=False)
    valid_until_on = models.DateField(null=True, blank=True, editable=False)
    conditions = models.TextField(blank=True, editable=False)
    validity_justification = models.TextField(
        blank=True,
        default="",
        db_default="",
        editable=False,
        help_text="Why the validity exceeds the authority's default",
    )
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
    # The newest event of the audit trail, written with the status in the same compare-and-set: an event
    # deleted from the end of the trail leaves the filing pointing past it (`manage.py verify_audit`).
    audit_tip_sequence = models.PositiveIntegerField(default=0, editable=False)
    audit_tip_hash = models.CharField(max_length=64, default=GENESIS_HASH, editable=False)

    objects = FilingQuerySet.as_manager()

    class Meta:
        ordering = [deadline_key().asc(), "id"]  # `by_deadline()`'s order, on every database
        constraints = [
            # One pending request per authority at a time; services.create_filing checks it under the dossier's
            # lock, and this is the guard behind that check.
            models.UniqueConstraint(
                fields=["application", "authority"],
                condition=Q(status__in=procedures.PENDING_STATES),
                name="filing_one_pending_per_authority",
            ),
            # …and one approval in force per authority: a new request beside it would be a second licence for
            # the same dossier. Extensions and amendments follow the approval they change and may stand beside it.
            models.UniqueConstraint(
                fields=["application", "authority"],
                condition=Q(status__in=procedures.PENDING_STATES + procedures.states_where(grants_validity=True))
                & ~Q(link__in=["extension", "amendment"]),
                name="filing_one_open_or_approved_per_authority",
            ),
            models.CheckConstraint(
                condition=Q(follows__isnull=True, link="") | Q(follows__isnull=False) & ~Q(link=""),
                name="filing_link_names_its_reason",
            ),
        ]
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
        self.route = self.route or self.authority.workflow_key
        super().save(*args, **kwargs)

    @property
    def procedure(self) -> procedures.Procedure:
        return procedures.procedure_for(self.route or self.authority.workflow_key)

    @property
    def state(self) -> procedures.State:
        return self.procedure.state(self.status)

    @property
    def report_counts_from(self) -> datetime.date | None:
        """The day the end-use report's deadline counts from (`procedures.REPORT_COUNTS_FROM`): the last delivery
        of a shipment drawing on this approval, else the approval's last valid day."""
        if self.pk is None:
            return self.valid_until_on
        delivered = self.shipments.filter(delivered_on__isnull=False).aggregate(last=models.Max("delivered_on"))
        return delivered["last"] or self.valid_until_on

    @property
    def is_overdue(self) -> bool:
        return bool(self.due_at and self.due_at < timezone.now())

    @property
    def is_expedited(self) -> bool:
        """Urgent requests, extensions and amendments run on the authority's expedited periods."""
        return self.urgent or self.link in (self.Link.EXTENSION, self.Link.AMENDMENT)

    @property
    def is_forwarded(self) -> bool:
        return self.submission_channel != self.Channel.DIRECT

    @property
    def authority_received_at(self) -> datetime.datetime | None:
        """When the authority's clock started: the forwarding body's transmission, else the filing."""
        return self.forwarded_at or self.submitted_at

    @property
    def forwarding_time(self) -> datetime.timedelta | None:
        """How long the forwarding body held the request before transmitting it."""
        if self.forwarded_at and self.submitted_at:
            return self.forwarded_at - self.submitted_at
        return None

    @property
    def authority_time(self) -> datetime.timedelta | None:
        """Time from the authority's receipt to its decision, less the time spent waiting on the applicant."""
        if not (self.decided_at and self.authority_received_at):
            return None
        return self.decided_at - self.authority_received_at - datetime.timedelta(seconds=self.applicant_wait_seconds)


class Event(models.Model):
    """One transition of a filing. Append-only (on PostgreSQL a trigger refuses updates and deletes); each row
    carries the hash of the one before it and a seal of its own hash under the audit key (models/seals.py)."""

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
    key_id = models.CharField(max_length=16)
    seal = models.CharField(max_length=64)
    notified_at = models.DateTimeField(null=True, blank=True, help_text="When its notifications were sent")
    # What the event's notices state as the next deadline, however late they are rendered (the filing's own
    # due_at may have moved on by then). Empty on events recorded before it was kept. Like notified_at, not
    # part of the hash.
    due_at = models.DateTimeField(null=True, blank=True, help_text="The filing's deadline right after this event")

    class Meta:
        ordering = ["filing_id", "sequence"]
        constraints = [models.UniqueConstraint(fields=["filing", "sequence"], name="event_sequence_unique")]
        indexes = [models.Index(fields=["created_at"], name="event_unnotified", condition=Q(notified_at__isnull=True))]

    def __str__(self):
        return f"{self.filing_id}#{self.sequence} {self.action}"

    GENESIS_HASH = GENESIS_HASH

    def hashed_content(self) -> dict:
        # due_at stays out: it is what the event's notices state, derived from the authority's rules at the
        # time, and clients verify the chain from the API's fields (tests/api/test_lifecycle.py).
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

    def link(self, prev_hash: str) -> None:
        """Chain this event after the one whose hash is `prev_hash`, and seal it."""
        self.prev_hash = prev_hash
        self.hash = self.compute_hash()
        self.key_id, self.seal = seal(self.hash)

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

    class Side(models.TextChoices):
        """Which side of the case wrote it: the other side is told, and reads it as new until it opens the case."""

        APPLICANT = procedures.APPLICANT, "Applicant"
        AUTHORITY = procedures.AUTHORITY, "Authority"

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.MESSAGE)
    side = models.CharField(max_length=20, choices=Side.choices, default=Side.AUTHORITY)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    notified_at = models.DateTimeField(null=True, blank=True, help_text="When the other side's emails were claimed")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["created_at"], name="message_unnotified", condition=Q(notified_at__isnull=True)),
            models.Index(fields=["filing", "side", "created_at"], name="message_thread_side"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.filing_id}"


class ThreadReadMark(models.Model):
    """When a person last read a case's messages (opened the case page, or listed its messages in the API):
    what the other side wrote after that is new to them."""

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="read_marks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "filing"], name="thread_read_once_per_user")]

    def __str__(self):
        return f"{self.user_id} read {self.filing_id} at {self.read_at:%Y-%m-%d %H:%M}"


def mark_thread_read(user, filing: Filing, at=None) -> None:
    if not getattr(user, "is_authenticated", False):
        return
    ThreadReadMark.objects.update_or_create(user=user, filing=filing, defaults={"read_at": at or timezone.now()})


def filings_with_unread_messages(user, filing_ids) -> set[int]:
    """Of `filing_ids`, the filings on which the other side wrote since `user` last read the thread: for the
    applicant's organization, the authority's messages; for an authority's members, the applicant's. One query
    for a whole page of filings."""
    filing_ids = list(filing_ids)
    if not filing_ids or not getattr(user, "is_authenticated", False):
        return set()
    from_other_side = Q(pk__in=[])
    if organizations := organization_ids(user):
        from_other_side |= Q(filing__application__organization_id__in=organizations, side=Message.Side.AUTHORITY)
    if authorities := authority_ids(user):
        from_other_side |= Q(filing__authority_id__in=authorities, side=Message.Side.APPLICANT)
    last_read = ThreadReadMark.objects.filter(user=user, filing=OuterRef("filing")).values("read_at")[:1]
    unread = (
        Message.objects.filter(from_other_side, filing_id__in=filing_ids)
        .exclude(author=user)
        .annotate(last_read=Subquery(last_read))
        .filter(Q(last_read__isnull=True) | Q(created_at__gt=F("last_read")))
    )
    return set(unread.values_list("filing_id", flat=True).distinct())


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
