"""Composing emails: what a claimed OutgoingEmail row says.

Each email is a template triplet, templates/emails/<template>_subject.txt, _body.txt and _body.html,
rendered with times in the recipient's zone and links to the case on SITE_URL. A Composer turns a row into
the message of its family (deadline reminder, event notice, daily digest). An event notice states what was
true at the event (its deadline, status and actor are stored on the Event), however late it is rendered; a
reminder is checked against the filing as it is now, and one that no longer makes sense (the deadline
moved, the case closed) raises Obsolete and is dropped rather than sent: the event that moved the deadline
has its own notice. Every subject says what to do and by when, in the recipient's zone. Nothing here
decides who gets what (notifications.py) or how sending is retried (outbox.py).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import get_template
from django.utils import dateformat, timezone

from . import deadlines, prerequisites, procedures, visibility
from .models import DECISION_KINDS, Filing, Membership, OutgoingEmail, Profile, Role, ScreeningHit
from .reminder_schedule import DEADLINE_WORDING

# The two emails an unreported incident may cause (OutgoingEmail.offset of the INCIDENT family).
INCIDENT_REMINDER, INCIDENT_ESCALATION = "reminder", "escalation"

# The audiences of event notices (procedures.vocabulary) as the reminder schedule names them.
SCHEDULE_AUDIENCE = {
    procedures.APPLICANTS: "applicants",
    procedures.ASSIGNED_REVIEWER: "reviewer",
    procedures.REVIEWERS: "reviewer",
    procedures.AUTHORITY_STAFF: "staff",
}


class Obsolete(Exception):
    """The email no longer makes sense (the deadline moved, the case closed): it is dropped, not sent."""


def profile_of(user) -> Profile:
    try:
        return user.profile
    except Profile.DoesNotExist:
        return Profile(user=user)  # defaults: UTC, every email wanted


def zone_of(user):
    return deadlines.zone_or_utc(profile_of(user).time_zone)


def filing_url(filing: Filing) -> str:
    return settings.SITE_URL + settings.FILING_PATH.format(reference=filing.reference)


def name_of(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def when(moment: dt.datetime | None, tz, now: dt.datetime | None = None) -> str:
    """A deadline as a subject names it, in the reader's zone: "15 Dec" when it is the end of that day there
    (the year only when it is not this year's), else with the time it falls at: "16 Dec, 12:59 JST"."""
    local = deadlines.in_zone(moment, tz) if moment else None
    if local is None:
        return "no date"
    day = f"{local.day} {local:%b}"
    if local.year != timezone.localtime(now or timezone.now(), tz).year:
        day += f" {local.year}"
    if (local.hour, local.minute) == (23, 59):
        return day
    return f"{day}, {local:%H:%M %Z}"


def _date_of(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def long_date(moment: dt.datetime | None, tz) -> tuple[str, str]:
    """A moment as the body of an email writes it ("Tuesday 17 March 2026, 12:59 JST") and its ISO form, in
    the reader's zone: formatted once per email, for the text and HTML parts alike."""
    local = deadlines.in_zone(moment, tz) if moment else None
    if local is None:
        return ("no date" if moment is None else "(date out of range)"), ""
    return dateformat.format(local, "l j F Y, H:i T"), local.isoformat()


def render_email(template: str, context: dict, recipient, templates: dict | None = None) -> EmailMultiAlternatives:
    """Subject, text and HTML from templates/emails/<template>_*, with times in the recipient's zone. `templates`,
    when given, keeps the loaded templates for the next email (a Composer's, for one sweep)."""
    templates = {} if templates is None else templates
    tz = zone_of(recipient)
    context = {
        **context,
        "recipient": recipient,
        "recipient_name": name_of(recipient),
        "time_zone": tz.key,
        "site_url": settings.SITE_URL,
    }
    with timezone.override(tz):
        subject, text, html = (
            _loaded(templates, f"emails/{template}_{part}").render(context)
            for part in ("subject.txt", "body.txt", "body.html")
        )
        subject = " ".join(subject.split())
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [recipient.email])
    message.attach_alternative(html, "text/html")
    return message


def _loaded(templates: dict, name: str):
    if name not in templates:
        templates[name] = get_template(name)
    return templates[name]


class Composer:
    """Renders claimed rows into messages. It remembers who is staff of each authority, so that a sweep of
    thousands of reminders asks once per authority rather than once per email; and, for as long as it lives
    (one sweep), the templates it loaded and the deadlines it wrote out in each zone: many reminders of a sweep
    name the same end of a working day."""

    def __init__(self):
        self._staff: dict[int, set[int]] = {}
        self._templates: dict = {}
        self._long_dates: dict = {}

    def long_date(self, moment: dt.datetime | None, tz) -> tuple[str, str]:
        key = (moment, tz.key)
        if key not in self._long_dates:
            self._long_dates[key] = long_date(moment, tz)
        return self._long_dates[key]

    def render(self, template: str, context: dict, recipient) -> EmailMultiAlternatives:
        return render_email(template, context, recipient, self._templates)

    def staff_ids(self, authority_id: int) -> set[int]:
        if authority_id not in self._staff:
            self._staff[authority_id] = set(
                Membership.objects.filter(authority_id=authority_id, role=Role.STAFF).values_list("user_id", flat=True)
            )
        return self._staff[authority_id]

    def compose(self, email: OutgoingEmail) -> EmailMultiAlternatives:
        """The message a claimed row stands for; raises Obsolete if it no longer applies."""
        if email.family == OutgoingEmail.Family.EVENT_NOTICE:
            return self._event_notice(email)
        if email.family == OutgoingEmail.Family.DIGEST:
            return self._digest(email)
        if email.family == OutgoingEmail.Family.MESSAGE:
            return self._message_notice(email)
        if email.family == OutgoingEmail.Family.SCREENING_HIT:
            return self._screening_hit(email)
        if email.family == OutgoingEmail.Family.INCIDENT:
            return self._incident_reminder(email)
        if email.family == OutgoingEmail.Family.READY_TO_FILE:
            return self._ready_to_file(email)
        return self._deadline_reminder(email)

    def _deadline_reminder(self, email: OutgoingEmail) -> EmailMultiAlternatives:
        filing = email.filing
        if filing.due_at != email.due_at or filing.state.terminal:
            raise Obsolete(f"{filing.reference} has moved on: its deadline is no longer {email.due_at:%Y-%m-%d %H:%M}")
        wording = DEADLINE_WORDING[email.deadline_kind]
        overdue = email.offset == "overdue"
        staff = email.recipient_id in self.staff_ids(filing.authority_id)
        # Overdue work that is someone else's is an escalation; staff's own confirmation is not.
        escalation = overdue and staff and wording.acts != "staff"
        tz = zone_of(email.recipient)
        date = when(email.due_at, tz)
        due_text, due_iso = self.long_date(email.due_at, tz)
        if escalation:
            subject = f"Escalation: {wording.task[0].lower()}{wording.task[1:]}, overdue since {date}"
        elif overdue:
            subject = f"Overdue since {date}: {wording.task[0].lower()}{wording.task[1:]}"
        else:
            subject = f"{wording.task} {wording.by} {date}"
        context = {
            "filing": filing,
            "subject": subject,
            "state_label": filing.state.staff_label if staff else filing.state.applicant_label,
            "label": wording.label,
            "what_to_do": wording.what_to_do,
            "due_text": due_text,
            "due_iso": due_iso,
            "overdue": overdue,
            "escalation": escalation,
            "own_action": (wording.acts == "staff") == staff,
            "url": filing_url(filing),
            "extension_url": filing_url(filing) + extension_anchor(filing) if email.deadline_kind == "expiry" else "",
        }
        return self.render("reminder", context, email.recipient)

    def _event_notice(self, email: OutgoingEmail) -> EmailMultiAlternatives:
        filing, event = email.filing, email.event
        procedure = filing.procedure
        transition = procedure.transition(event.action, event.from_status)
        state = procedure.state(event.to_status)
        audience = SCHEDULE_AUDIENCE.get(transition.notice if transition else "", "")
        for_applicant = audience == "applicants"
        state_label = state.applicant_label if for_applicant else state.staff_label
        decision = bool(transition and procedure.is_decision(transition))
        granted = state.grants_validity
        reference = filing.reference
        deadline = state.deadline
        wording = DEADLINE_WORDING.get(deadline.kind) if deadline and event.due_at else None
        internal = visibility.reads_internal(email.recipient, filing)
        tz = zone_of(email.recipient)
        date = when(event.due_at, tz)
        due_text, due_iso = self.long_date(event.due_at, tz)
        # Whose move it is now decides whether the subject asks the reader to act.
        call = ""
        ours = wording and (wording.acts == audience or {wording.acts, audience} <= {"reviewer", "staff"})
        if ours and not (decision and granted):  # an approval's notice names its validity instead
            call = f"{wording.task} {wording.by} {date}"
        # The validity the event decided (its payload), else the filing's (a confirmation adopting the
        # recommendation names none): an extension granted since must not rewrite the approval's notice.
        valid_from = _date_of(event.payload.get("valid_from_on")) or filing.valid_from_on
        valid_until = _date_of(event.payload.get("valid_until_on")) or filing.valid_until_on
        quantities = approved_quantities(filing, event) if decision and granted else []
        if decision and granted and valid_until:
            until = valid_until
            # A partial approval says so up front: the reader must not plan to ship all that was asked.
            granted_label = f"{state_label} in part" if quantities else state_label
            subject = f"{granted_label}, valid until {until.day} {until:%b %Y} ({reference})"
        elif call:
            subject = f"{call} ({reference}): {state_label}"
        else:
            subject = f"{state_label} ({reference})"
        context = {
            "filing": filing,
            "event": event,
            "subject": subject,
            # The applicant reads the authority's steps as the authority's, never a named official or member.
            "actor_name": (
                filing.authority.code
                if event.actor_id and not internal and transition and not transition.roles & {procedures.APPLICANT}
                else name_of(event.actor)
            ),
            "action_label": transition.label if transition else event.action,
            "state_label": state_label,
            "decision": decision,
            "granted": granted,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "due_at": event.due_at if call or not decision else None,
            "due_text": due_text,
            "due_iso": due_iso,
            "deadline_label": wording.label if wording else "Next deadline",
            "what_to_do": wording.what_to_do if call else "",
            "for_applicant": for_applicant,
            "url": filing_url(filing),
            "decision_letters": filing.documents.filter(kind__in=DECISION_KINDS) if decision else [],
            "approved_quantities": quantities,
            # The authority's internal note goes to the authority's people only (visibility.py).
            "note": visibility.shown_note(filing, event, internal),
        }
        return self.render("event", context, email.recipient)

    def _digest(self, email: OutgoingEmail) -> EmailMultiAlternatives:
        authority = email.authority
        now = email.due_at
        open_states = {name for procedure in authority.route_procedures for name in procedure.open_states}
        open_filings = (
            Filing.objects.filter(authority=authority, status__in=open_states)
            .exclude(status=procedures.INITIAL)
            .filter(due_at__lt=now + dt.timedelta(days=7))
            .select_related("application__organization", "assigned_to")
            .order_by("due_at")
        )
        overdue = [f for f in open_filings if f.due_at < now]
        due_soon = [f for f in open_filings if f.due_at >= now]
        for f in overdue + due_soon:
            f.url = filing_url(f)
            f.state_label = f.state.staff_label
            f.reviewer_name = name_of(f.assigned_to) or "unassigned"
        context = {"authority": authority, "overdue": overdue, "due_soon": due_soon, "as_of": now}
        return self.render("digest", context, email.recipient)

    def _message_notice(self, email: OutgoingEmail) -> EmailMultiAlternatives:
        filing, message = email.filing, email.message
        side = filing.authority.code if message.side == message.Side.AUTHORITY else filing.application.organization.name
        name = name_of(message.author)
        context = {
            "filing": filing,
            "message": message,
            "sender": f"{name} ({side})" if name else side,
            "url": filing_url(filing) + "#thread",
            "answers_nothing": filing.state.waits_on_applicant and message.side == message.Side.APPLICANT,
        }
        return self.render("message", context, email.recipient)

    def _screening_hit(self, email: OutgoingEmail) -> EmailMultiAlternatives:
        hit = ScreeningHit.objects.select_related("entry__version").get(pk=email.screening_hit_id)
        if hit.disposition == ScreeningHit.Disposition.FALSE_POSITIVE:
            raise Obsolete(f"hit {hit.pk} was cleared as a false positive before the email went out")
        filing = email.filing
        context = {"filing": filing, "hit": hit, "url": filing_url(filing) + "#screening"}
        return self.render("screening_hit", context, email.recipient)

    def _incident_reminder(self, email: OutgoingEmail) -> EmailMultiAlternatives:
        incident = email.incident
        if incident.reported_on:
            raise Obsolete(f"Incident {incident.pk} was reported on {incident.reported_on:%Y-%m-%d}")
        application = incident.application
        context = {
            "incident": incident,
            "application": application,
            "escalation": email.offset == INCIDENT_ESCALATION,
            "due_at": email.due_at,
            "url": settings.SITE_URL + settings.SHIPMENTS_PATH.format(reference=application.reference),
        }
        return self.render("incident", context, email.recipient)

    def _ready_to_file(self, email: OutgoingEmail) -> EmailMultiAlternatives:
        filing, approval = email.filing, email.event.filing
        if not filing.state.initial or prerequisites.waiting_on(filing):
            raise Obsolete(f"{filing.reference} is no longer a draft ready to file")
        context = {
            "filing": filing,
            "approval": approval,
            "event": email.event,
            "basis": filing.procedure.requirement_basis,
            "url": filing_url(filing) + "#actions",
            "approval_url": filing_url(approval),
        }
        return render_email("ready_to_file", context, email.recipient)


def approved_quantities(filing, event) -> list[dict]:
    """An approval in part, as its event decided it: per item, what may ship of what was asked."""
    granted = event.payload.get("item_quantities") or {}
    if not granted:
        return []
    return [
        {
            "description": item.description,
            "unit": item.unit,
            "quantity": f"{Decimal(granted.get(str(item.pk), '0')).normalize():f}",
            "asked": f"{item.quantity.normalize():f}",
        }
        for item in filing.application.items.order_by("id")
    ]


def extension_anchor(filing) -> str:
    """Where an approval's page offers its extension: an action on the approval, or (UN 1718) a new, linked request."""
    if filing.procedure.with_effect(procedures.CHECK_EXTENSION_REQUEST):
        return "#request_extension"
    return "#request"
