"""Who takes part: aid organizations, authorities, memberships (roles), profiles; who belongs where."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from .. import deadlines, procedures
from ..reminder_schedule import validate_reminder_schedule
from .validators import validate_country

# --- parties to a case -------------------------------------------------------------------------


class Organization(models.Model):
    class Kind(models.TextChoices):
        NGO = "ngo", "Non-governmental organization"
        UN_AGENCY = "un_agency", "UN agency"
        INTERNATIONAL = "international", "International organization"
        RED_CROSS = "red_cross", "Red Cross and Red Crescent (ICRC, IFRC)"
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
        help_text="The calendar whose working days deadlines count: a holiday calendar kept in the admin (UN-HQ: "
        "the UN Headquarters' official holidays) or a country and optional subdivision of the `holidays` package "
        "(US: the US federal holidays; GB-ENG, BE)",
    )
    time_zone = models.CharField(max_length=64, default="UTC", help_text="IANA zone in which deadlines fall due")
    review_sla_working_days = models.PositiveIntegerField(default=30, help_text="Reviewer SLA from submission")
    applicant_reply_working_days = models.PositiveIntegerField(default=10)
    no_objection_working_days = models.PositiveIntegerField(default=5)
    expedited_no_objection_working_days = models.PositiveIntegerField(
        default=2, help_text="No-objection period of urgent requests, extensions and amendments"
    )
    hold_reminder_working_days = models.PositiveIntegerField(
        default=10, db_default=10, help_text="Staff are reminded of a member's hold after this many working days"
    )
    confirmation_working_days = models.PositiveIntegerField(
        default=2, help_text="Time for staff to confirm a system-proposed approval"
    )
    extension_review_working_days = models.PositiveIntegerField(default=10)
    notification_lead_days = models.PositiveIntegerField(
        default=30, help_text="A notification reaches the authority at least this many calendar days before shipping"
    )
    objection_window_days = models.PositiveIntegerField(
        default=14, help_text="Calendar days in which a notified activity may be objected to; silence clears it"
    )
    default_validity_months = models.PositiveIntegerField(default=6)
    max_validity_months = models.PositiveIntegerField(default=9)
    max_shipments = models.PositiveIntegerField(
        null=True, blank=True, help_text="Most shipments one approval allows; empty: no limit"
    )
    report_due_days = models.PositiveIntegerField(
        default=30, help_text="Calendar days after the last delivery (after expiry if nothing shipped)"
    )
    incident_report_days = models.PositiveIntegerField(
        default=7, help_text="Calendar days from discovering a diversion or loss to reporting it"
    )
    contact_email = models.EmailField(blank=True)
    publishes_register = models.BooleanField(
        "publishes approvals on the public register",
        default=False,
        help_text="The UN 1718 Committee publishes its exemptions; OFAC does not publish specific licences and BIS "
        "licence information is confidential by law, so an authority's approvals stay off the register unless set.",
    )
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

    @property
    def routes(self) -> tuple[str, ...]:
        """The procedures its filings may follow, its own first (OFAC: specific licence or general licence)."""
        return procedures.routes_of(self.workflow_key)

    @property
    def route_procedures(self) -> list[procedures.Procedure]:
        return [procedures.procedure_for(key) for key in self.routes]

    def clean(self):
        try:
            deadlines.calendar_named(self.holiday_calendar)
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


def assignable_reviewers(authority):
    """Active users who review or run cases at `authority`: the people a filing there may be assigned to."""
    return (
        get_user_model()
        .objects.filter(is_active=True, memberships__authority=authority, memberships__role__in=AUTHORITY_ROLES)
        .distinct()
        .order_by("username")
    )


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    time_zone = models.CharField(max_length=64, default="UTC", help_text="Deadlines in emails and pages use this zone")
    wants_event_emails = models.BooleanField(default=True, help_text="Emails when something happens on a case")
    wants_digest = models.BooleanField(default=True, help_text="Daily digest of overdue and due-this-week work")

    def __str__(self):
        return f"Profile of {self.user}"
