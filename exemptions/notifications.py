"""Who hears about what, and when: deadline reminders, event notices, the daily digest, and the sweep.

Every email is first claimed as a unique `Reminder` row (filing, kind, due_at, recipient), then sent, then
marked sent or failed. The row is both the "exactly once" guard and the outbox: a failed send is retried
from it with backoff, a crash between claim and send is picked up by the next sweep, and two sweepers
cannot both send (the insert and the attempt counter are compare-and-set). The database holds the
schedule; Celery only runs the sweep every few minutes and hands over fresh events.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone

from . import deadlines, engine, procedures
from .models import Authority, Event, Filing, Membership, Profile, Reminder, Role

log = logging.getLogger(__name__)

# --- the schedule, as data ---------------------------------------------------------------------

# Per deadline kind (workflow.Deadline.kind): reminders N working days or N calendar days before the
# deadline, whether an "overdue" reminder goes out once it has passed, and who receives them.
# Audiences: "applicants" (members of the applicant organization), "reviewer" (the assigned reviewer, or
# every reviewer of the authority while none is assigned), "staff" (the authority's staff: escalation).
# Override per kind in settings.REMINDER_SCHEDULE or per authority in Authority.reminder_schedule.
DEFAULT_REMINDER_SCHEDULE = {
    "reply": {"working_days_before": [5, 1], "overdue": True, "to": ["applicants"], "overdue_to": ["applicants"]},
    "review": {"working_days_before": [2], "overdue": True, "to": ["reviewer"], "overdue_to": ["reviewer", "staff"]},
    "no_objection": {"working_days_before": [1], "overdue": True, "to": ["reviewer", "staff"], "overdue_to": ["staff"]},
    "confirmation": {"overdue": True, "to": ["staff"], "overdue_to": ["staff"]},
    "extension_review": {
        "working_days_before": [2],
        "overdue": True,
        "to": ["reviewer"],
        "overdue_to": ["reviewer", "staff"],
    },
    "expiry": {"days_before": [60, 30, 7], "overdue": False, "to": ["applicants"], "overdue_to": ["applicants"]},
    "report": {"days_before": [14], "overdue": True, "to": ["applicants"], "overdue_to": ["applicants"]},
}
AUDIENCES = {"applicants", "reviewer", "staff"}
SCHEDULE_KEYS = {"working_days_before", "days_before", "overdue", "to", "overdue_to"}

# What each deadline means to the person reminded: (subject line, what to do).
DEADLINE_WORDING = {
    "reply": ("Your reply is due", "Send the information the authority asked for."),
    "review": ("Review deadline", "Decide the request or request information from the applicant."),
    "no_objection": (
        "No-objection period ends",
        "Record any member's hold before the period ends; without one, approval is proposed.",
    ),
    "confirmation": ("Proposed approval awaits confirmation", "Confirm the approval the Committee did not object to."),
    "extension_review": ("Extension request deadline", "Approve or deny the requested extension."),
    "expiry": (
        "Approval expires",
        "If shipments will not be complete by then, request an extension now.",
    ),
    "report": ("Delivery report due", "File the delivery and end-use report."),
}

# Event notices (DESIGN.md section 5): which transitions tell whom. Non-essential: recipients may opt out.
EVENT_NOTICES = {
    "submit": "reviewers",
    "request_information": "applicants",
    "respond": "reviewer",
    "approve": "applicants",
    "confirm_approval": "applicants",
    "deny": "applicants",
    "return_without_action": "applicants",
    "approve_extension": "applicants",
    "deny_extension": "applicants",
    "expire": "applicants",
}

# System transitions the clock runs: "deadline" fires when the state's due_at has passed; "validity_end"
# when the approval's last valid day has ended in the authority's zone.
SYSTEM_TRIGGERS = {"propose_approval": "deadline", "expire": "validity_end"}

HOLIDAY_SLACK_DAYS = 12  # most holidays a stretch of working days can straddle, for the coarse SQL window


def validate_reminder_schedule(schedule) -> None:
    """Raise ValidationError unless `schedule` is a valid override: {deadline kind: {key: value}}."""
    if schedule in (None, ""):
        return
    if not isinstance(schedule, dict):
        raise ValidationError({"reminder_schedule": "Give an object keyed by deadline kind."})
    for kind, entry in schedule.items():
        where = f"reminder_schedule.{kind}"
        if kind not in DEFAULT_REMINDER_SCHEDULE:
            raise ValidationError(
                {"reminder_schedule": f"Unknown deadline kind '{kind}'; use {', '.join(DEFAULT_REMINDER_SCHEDULE)}."}
            )
        if not isinstance(entry, dict) or set(entry) - SCHEDULE_KEYS:
            raise ValidationError({"reminder_schedule": f"{where} takes only {', '.join(sorted(SCHEDULE_KEYS))}."})
        for key in ("working_days_before", "days_before"):
            values = entry.get(key, [])
            if not isinstance(values, list) or not all(isinstance(v, int) and 0 < v <= 400 for v in values):
                raise ValidationError({"reminder_schedule": f"{where}.{key} must be a list of whole days (1–400)."})
        for key in ("to", "overdue_to"):
            if not set(entry.get(key, [])) <= AUDIENCES:
                raise ValidationError({"reminder_schedule": f"{where}.{key} may name {', '.join(sorted(AUDIENCES))}."})
        if not isinstance(entry.get("overdue", True), bool):
            raise ValidationError({"reminder_schedule": f"{where}.overdue must be true or false."})


def schedule_for(authority: Authority) -> dict:
    """The reminder schedule an authority runs on: defaults, then settings, then the authority's own overrides."""
    merged = {}
    for kind, entry in DEFAULT_REMINDER_SCHEDULE.items():
        merged[kind] = {
            **entry,
            **getattr(settings, "REMINDER_SCHEDULE", {}).get(kind, {}),
            **(authority.reminder_schedule or {}).get(kind, {}),
        }
    return merged


@dataclass(frozen=True)
class Rule:
    """One reminder of the schedule, e.g. reply at T-5 working days. `kind` is stored on the Reminder row."""

    deadline_kind: str
    days: int  # 0 for the overdue reminder
    working: bool
    audience: tuple[str, ...]

    @property
    def kind(self) -> str:
        if self.days == 0:
            return f"{self.deadline_kind}:overdue"
        return f"{self.deadline_kind}:T-{self.days}{'wd' if self.working else 'd'}"

    @property
    def is_overdue(self) -> bool:
        return self.days == 0

    def fires_at(self, due_at: dt.datetime, authority: Authority) -> dt.datetime:
        """When this reminder falls due for a deadline: the start of its day in the authority's zone."""
        if self.is_overdue:
            return due_at
        due_day = timezone.localtime(due_at, deadlines.zone(authority.time_zone)).date()
        if self.working:
            day = deadlines.working_days_before(due_day, self.days, authority.holiday_calendar)
        else:
            day = due_day - dt.timedelta(days=self.days)
        return deadlines.start_of_day(day, authority.time_zone)

    def latest_due_day_span(self) -> int:
        """Calendar days by which the deadline may lie ahead of now when this reminder fires (upper bound)."""
        if self.working:
            return -(-self.days * 7 // 5) + HOLIDAY_SLACK_DAYS + 2
        return self.days + 2


def rules_for(schedule: dict) -> list[Rule]:
    rules = []
    for kind, entry in schedule.items():
        rules += [Rule(kind, n, True, tuple(entry.get("to", ()))) for n in entry.get("working_days_before", [])]
        rules += [Rule(kind, n, False, tuple(entry.get("to", ()))) for n in entry.get("days_before", [])]
        if entry.get("overdue"):
            rules.append(Rule(kind, 0, False, tuple(entry.get("overdue_to", ()))))
    return rules


def rule_due_now(filing: Filing, rules: list[Rule], now: dt.datetime) -> Rule | None:
    """Of a deadline's reminders, the one whose time has come and not yet been overtaken by a later one.

    A deadline first seen 2 days ahead gets the T-1 reminder in time, not a belated T-5; once the deadline
    has passed only the overdue reminder is left (and none when the schedule has no overdue reminder).
    """
    fired = [(rule.fires_at(filing.due_at, filing.authority), rule) for rule in rules]
    fired = [(at, rule) for at, rule in fired if at <= now]
    if not fired:
        return None
    _, rule = max(fired, key=lambda pair: (pair[0], pair[1].is_overdue))
    if filing.due_at <= now and not rule.is_overdue:
        return None
    return rule


def deadline_states(authority: Authority, deadline_kind: str) -> list[str]:
    return [
        s.name for s in authority.procedure.states if s.deadline and s.deadline.kind == deadline_kind and not s.terminal
    ]


# --- people ------------------------------------------------------------------------------------


class Directory:
    """Who belongs where, read once per sweep (not once per filing)."""

    def __init__(self):
        self._members: dict[tuple, list] = {}

    def _load(self, role, **where):
        key = (role, *where.items())
        if key not in self._members:
            memberships = (
                Membership.objects.filter(role=role, user__is_active=True, **where)
                .exclude(user__email="")
                .select_related("user__profile")
                .order_by("user_id")
            )
            self._members[key] = list(dict.fromkeys(m.user for m in memberships))
        return self._members[key]

    def applicants(self, filing: Filing) -> list:
        return self._load(Role.APPLICANT, organization_id=filing.application.organization_id)

    def reviewers(self, filing: Filing) -> list:
        return self._load(Role.REVIEWER, authority_id=filing.authority_id)

    def staff(self, filing: Filing) -> list:
        return self._load(Role.STAFF, authority_id=filing.authority_id)

    def reviewer(self, filing: Filing) -> list:
        """The assigned reviewer, or every reviewer of the authority while nobody is assigned."""
        assigned = filing.assigned_to
        if assigned is not None:
            return [assigned] if assigned.is_active and assigned.email else []
        return self.reviewers(filing)

    def audience(self, filing: Filing, names) -> list:
        people = []
        for name in names:
            people += getattr(self, name)(filing)
        return list(dict.fromkeys(people))


def profile_of(user) -> Profile:
    try:
        return user.profile
    except Profile.DoesNotExist:
        return Profile(user=user)  # defaults: UTC, every email wanted


# --- rendering and sending ---------------------------------------------------------------------


def filing_url(filing: Filing) -> str:
    return settings.SITE_URL + settings.FILING_PATH.format(reference=filing.reference)


def render_email(template: str, context: dict, recipient) -> EmailMultiAlternatives:
    """Subject, text and HTML from templates/emails/<template>_*, with times in the recipient's zone."""
    profile = profile_of(recipient)
    try:
        tz = deadlines.zone(profile.time_zone)
    except ValueError:
        tz = deadlines.zone("UTC")
    context = {**context, "recipient": recipient, "time_zone": tz.key, "site_url": settings.SITE_URL}
    with timezone.override(tz):
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
        text = render_to_string(f"emails/{template}_body.txt", context)
        html = render_to_string(f"emails/{template}_body.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [recipient.email])
    message.attach_alternative(html, "text/html")
    return message


class Obsolete(Exception):
    """The email no longer makes sense (the deadline moved, the case closed): it is dropped, not sent."""


def compose(reminder: Reminder) -> EmailMultiAlternatives:
    """The email a claimed Reminder row stands for, rendered now; raises Obsolete if it no longer applies."""
    family, _, detail = reminder.kind.partition(":")
    if family == "event":
        return _compose_event_notice(reminder)
    if family == "digest":
        return _compose_digest(reminder, authority_code=detail)
    return _compose_deadline_reminder(reminder, deadline_kind=family)


def _compose_deadline_reminder(reminder: Reminder, deadline_kind: str) -> EmailMultiAlternatives:
    filing = reminder.filing
    if filing.due_at != reminder.due_at or filing.state.terminal:
        raise Obsolete(f"{filing.reference} has moved on: its deadline is no longer {reminder.due_at:%Y-%m-%d %H:%M}")
    headline, what_to_do = DEADLINE_WORDING[deadline_kind]
    context = {
        "filing": filing,
        "state_label": filing.state.applicant_label,
        "deadline_kind": deadline_kind,
        "headline": headline,
        "what_to_do": what_to_do,
        "due_at": reminder.due_at,
        "overdue": reminder.kind.endswith(":overdue"),
        "escalation": reminder.kind.endswith(":overdue") and reminder.recipient_id in {u.id for u in _staff(filing)},
        "url": filing_url(filing),
        "extension_url": filing_url(filing) + "#request_extension" if deadline_kind == "expiry" else "",
    }
    return render_email("reminder", context, reminder.recipient)


def _staff(filing):
    return [m.user for m in Membership.objects.filter(authority_id=filing.authority_id, role=Role.STAFF)]


def _compose_event_notice(reminder: Reminder) -> EmailMultiAlternatives:
    filing = reminder.filing
    sequence = int(reminder.kind.rsplit(":", 1)[-1])
    event = filing.events.get(sequence=sequence)
    transition = next((t for t in filing.procedure.transitions if t.name == event.action), None)
    context = {
        "filing": filing,
        "event": event,
        "action_label": transition.label if transition else event.action,
        "state_label": filing.procedure.state(event.to_status).applicant_label,
        "decision": event.action in {"approve", "confirm_approval", "approve_extension", "deny_extension"}
        or event.to_status in {"denied", "returned_without_action", "expired"},
        "url": filing_url(filing),
        "decision_letters": filing.documents.filter(kind="decision_letter"),
    }
    return render_email("event", context, reminder.recipient)


def _compose_digest(reminder: Reminder, authority_code: str) -> EmailMultiAlternatives:
    authority = Authority.objects.get(code=authority_code)
    now = reminder.due_at
    open_filings = (
        Filing.objects.filter(authority=authority, status__in=authority.procedure.open_states)
        .exclude(status="draft")
        .filter(due_at__lt=now + dt.timedelta(days=7))
        .select_related("application__organization", "assigned_to")
        .order_by("due_at")
    )
    overdue = [f for f in open_filings if f.due_at < now]
    due_soon = [f for f in open_filings if f.due_at >= now]
    for f in overdue + due_soon:
        f.url = filing_url(f)
    context = {"authority": authority, "overdue": overdue, "due_soon": due_soon, "as_of": now}
    return render_email("digest", context, reminder.recipient)


def backoff(attempts: int) -> dt.timedelta:
    """Wait before attempt number `attempts + 1`: base, 3×base, 9×base, … (5 min, 15 min, 45 min, …)."""
    return settings.REMINDER_RETRY_BACKOFF * (3 ** max(attempts - 1, 0))


def message_id(reminder: Reminder) -> str:
    """The Message-ID of the email a Reminder row stands for: the same on every attempt, so that a resend
    after a crash in doubt (see deliver) is the same message to mail servers and clients, not a new one."""
    domain = urlsplit(settings.SITE_URL).hostname or "clearance.localhost"
    return f"<reminder.{reminder.pk}@{domain}>"


def deliver(reminder: Reminder, now: dt.datetime, connection=None) -> str:
    """Try to send one claimed email; return "sent", "failed", "obsolete" or "taken" (someone else is on it).

    The attempt itself is claimed by a compare-and-set on the attempt counter, and the next try is booked
    before sending, so a crash mid-send is retried later and two sweepers never send the same row.
    Each attempt sends at most once; the row as a whole is delivered at least once. A crash after the mail
    server accepted the message but before sent_at is recorded (a window of one database write) leaves the
    send in doubt: the retry sends it again, under the same Message-ID.
    """
    attempt = reminder.attempts + 1
    retry_at = now + backoff(attempt) if attempt < settings.REMINDER_MAX_ATTEMPTS else None
    won = Reminder.objects.filter(pk=reminder.pk, sent_at=None, attempts=reminder.attempts).update(
        attempts=attempt, next_attempt_at=retry_at
    )
    if won != 1:
        return "taken"
    try:
        message = compose(reminder)
        message.connection = connection
        message.extra_headers["Message-ID"] = message_id(reminder)
        message.send()
    except Obsolete as exc:
        Reminder.objects.filter(pk=reminder.pk).update(next_attempt_at=None, error=f"Not sent: {exc}")
        return "obsolete"
    except Exception as exc:  # SMTP, DNS, template: recorded on the row and retried with backoff
        log.warning("Sending %s failed (attempt %s)", reminder, attempt, exc_info=True)
        error = f"Attempt {attempt}: {type(exc).__name__}: {exc}"
        Reminder.objects.filter(pk=reminder.pk).update(error=error[:2000])
        return "failed"
    Reminder.objects.filter(pk=reminder.pk).update(sent_at=timezone.now(), next_attempt_at=None, error="")
    return "sent"


def deliver_pending(now: dt.datetime, report: SweepReport | None = None) -> SweepReport:
    """Send every claimed email whose (re)try time has come: fresh claims and retries alike."""
    report = report or SweepReport()
    pending = (
        Reminder.objects.filter(sent_at=None, next_attempt_at__lte=now, attempts__lt=settings.REMINDER_MAX_ATTEMPTS)
        .select_related("filing__authority", "filing__application__organization", "recipient__profile")
        .order_by("next_attempt_at", "id")
    )
    connection = get_connection()
    try:
        for reminder in pending.iterator(chunk_size=200):
            outcome = deliver(reminder, now, connection)
            report.outcomes[outcome] += 1
            if outcome == "failed":
                connection.close()  # a broken SMTP session must not fail the next message too
            report.tick()
    finally:
        connection.close()
    return report


# --- claiming ----------------------------------------------------------------------------------


def claim(rows: list[Reminder]) -> list[Reminder]:
    """Insert the rows of one email occasion together, or none if any was claimed already (by a re-run or a
    concurrent sweeper: the unique constraint makes the loser's insert fail, which rolls its batch back)."""
    if not rows:
        return []
    try:
        with transaction.atomic():
            for row in rows:
                row.save(force_insert=True)
    except IntegrityError:
        return []
    return rows


@dataclass
class SweepReport:
    claimed: Counter = field(default_factory=Counter)
    transitions: Counter = field(default_factory=Counter)
    outcomes: Counter = field(default_factory=Counter)
    stale_events: int = 0  # unnotified events too old to announce, marked without email
    on_progress: Callable | None = None

    def tick(self):
        if self.on_progress:
            self.on_progress(self)

    @property
    def sent(self) -> int:
        return self.outcomes["sent"]

    @property
    def failed(self) -> int:
        return self.outcomes["failed"]

    def __str__(self):
        claimed = ", ".join(f"{k} {v}" for k, v in sorted(self.claimed.items())) or "none"
        moved = ", ".join(f"{k} {v}" for k, v in sorted(self.transitions.items())) or "none"
        return (
            f"sent {self.sent}, failed {self.failed}, dropped {self.outcomes['obsolete']}; "
            f"claimed: {claimed}; system transitions: {moved}; stale events marked without email: {self.stale_events}"
        )


def claim_due_reminders(now: dt.datetime, report: SweepReport, directory: Directory) -> None:
    """One indexed query per reminder kind (the partial index on due_at), then a claim per due filing."""
    authorities = list(Authority.objects.all())
    rules_by_authority = {a.pk: rules_for(schedule_for(a)) for a in authorities}
    kinds = sorted({rule.kind for rules in rules_by_authority.values() for rule in rules})
    for kind in kinds:
        window = Q(pk__in=[])
        for authority in authorities:
            rules = [r for r in rules_by_authority[authority.pk] if r.kind == kind]
            if not rules:
                continue
            rule = rules[0]
            later = [r for r in rules_by_authority[authority.pk] if r.deadline_kind == rule.deadline_kind]
            # Coarse bounds on due_at (the precise check is rule_due_now): no later reminder may have fired.
            next_days = max((r.days for r in later if r.days < rule.days), default=0)
            bounds = Q(authority=authority, status__in=deadline_states(authority, rule.deadline_kind))
            if rule.is_overdue:
                bounds &= Q(due_at__lte=now)
            else:
                bounds &= Q(due_at__lte=now + dt.timedelta(days=rule.latest_due_day_span()))
                bounds &= Q(due_at__gt=now + dt.timedelta(days=max(next_days - 2, 0)))
            window |= bounds
        already = Reminder.objects.filter(filing=OuterRef("pk"), kind=kind, due_at=OuterRef("due_at"))
        candidates = (
            Filing.objects.filter(window, due_at__isnull=False)
            .filter(~Exists(already))
            .select_related("authority", "application__organization", "assigned_to")
        )
        for filing in candidates:
            rules = [r for r in rules_by_authority[filing.authority_id] if r.deadline_kind == kind.split(":")[0]]
            rule = rule_due_now(filing, rules, now)
            if rule is None or rule.kind != kind:
                continue
            rows = [
                Reminder(filing=filing, kind=kind, due_at=filing.due_at, recipient=user, next_attempt_at=now)
                for user in directory.audience(filing, rule.audience)
            ]
            if claim(rows):
                report.claimed[kind] += len(rows)


def run_system_transitions(now: dt.datetime, report: SweepReport) -> None:
    """Transitions the clock triggers (DESIGN.md section 4), through engine.apply() as the system actor."""
    for action, trigger in SYSTEM_TRIGGERS.items():
        sources = {
            s for wf in procedures.PROCEDURES.values() for t in wf.transitions if t.name == action for s in t.sources
        }
        if trigger == "deadline":
            due = Filing.objects.filter(status__in=sources, due_at__lte=now)
        else:  # the coarse day bound uses the index; the authority's zone decides below
            due = Filing.objects.filter(status__in=sources, valid_until_on__lt=now.date() + dt.timedelta(days=1))
        for filing in due.select_related("authority", "application__organization"):
            if (
                trigger == "validity_end"
                and deadlines.end_of_day(filing.valid_until_on, filing.authority.time_zone) > now
            ):
                continue
            if filing.authority.procedure.transition(action, filing.status) is None:
                continue
            try:
                engine.apply(filing, action, engine.SYSTEM, "", now)
            except engine.Conflict:
                continue  # another sweeper, or a person, moved it first
            report.transitions[action] += 1


def claim_event_notices(event: Event, now: dt.datetime, directory: Directory | None = None) -> list[Reminder]:
    """Mark an event notified and claim its notices, in one transaction (so a crash loses neither)."""
    directory = directory or Directory()
    with transaction.atomic():
        if Event.objects.filter(pk=event.pk, notified_at=None).update(notified_at=now) != 1:
            return []  # already handled (by the task or another sweep)
        audience = EVENT_NOTICES.get(event.action)
        if audience is None:
            return []
        filing = event.filing
        people = [
            u
            for u in directory.audience(filing, [audience])
            if u.pk != event.actor_id and profile_of(u).wants_event_emails
        ]
        rows = [
            Reminder(
                filing=filing,
                kind=f"event:{event.action}:{event.sequence}",
                due_at=event.created_at,
                recipient=user,
                next_attempt_at=now,
            )
            for user in people
        ]
        for row in rows:
            row.save(force_insert=True)
    return rows


def claim_unnotified_events(now: dt.datetime, report: SweepReport, directory: Directory) -> None:
    """Events whose notices were never queued (broker down at commit time) are caught up here; events older
    than EVENT_NOTICE_MAX_AGE are marked without emails (news that stale helps nobody)."""
    stale_before = now - settings.EVENT_NOTICE_MAX_AGE
    stale = Event.objects.filter(notified_at=None, created_at__lt=stale_before).update(notified_at=now)
    report.stale_events += stale
    unnotified = Event.objects.filter(notified_at=None, created_at__lte=now).select_related(
        "filing__authority", "filing__application__organization", "filing__assigned_to"
    )
    for event in unnotified.order_by("created_at", "id"):
        for row in claim_event_notices(event, now, directory):
            report.claimed[row.kind.rsplit(":", 1)[0]] += 1


def digest_time(now: dt.datetime, time_zone: str) -> dt.datetime:
    """The digest moment of the recipient's current day (DIGEST_HOUR local time)."""
    try:
        tz = deadlines.zone(time_zone)
    except ValueError:
        tz = deadlines.zone("UTC")
    local_day = timezone.localtime(now, tz).date()
    return dt.datetime.combine(local_day, dt.time(settings.DIGEST_HOUR), tzinfo=tz)


def claim_digests(now: dt.datetime, report: SweepReport) -> None:
    """Once a day per staff member and authority, if that authority has overdue or due-this-week work."""
    memberships = (
        Membership.objects.filter(role=Role.STAFF, user__is_active=True)
        .exclude(user__email="")
        .select_related("user__profile", "authority")
    )
    has_work = {}
    for membership in memberships:
        user, authority = membership.user, membership.authority
        profile = profile_of(user)
        if not profile.wants_digest:
            continue
        at = digest_time(now, profile.time_zone)
        if at > now:
            continue
        if authority.pk not in has_work:
            open_states = authority.procedure.open_states
            has_work[authority.pk] = (
                Filing.objects.filter(
                    authority=authority, status__in=open_states, due_at__lt=now + dt.timedelta(days=7)
                )
                .exclude(status="draft")
                .exists()
            )
        if not has_work[authority.pk]:
            continue
        kind = f"digest:{authority.code}"
        if claim([Reminder(filing=None, kind=kind, due_at=at, recipient=user, next_attempt_at=now)]):
            report.claimed["digest"] += 1


def sweep(now: dt.datetime | None = None, on_progress: Callable | None = None) -> SweepReport:
    """Do every piece of time-driven work that has come due, and send what it produced.

    Deadline reminders are claimed and sent first (so "the no-objection period has ended" goes out before
    the system proposes approval), then system transitions run, then notices of events not yet notified,
    then the daily digests, and finally every claimed email still unsent (including retries) is sent.
    Safe to run again, concurrently, or after a crash: claims make each email go out at most once.
    """
    now = now or timezone.now()
    report = SweepReport(on_progress=on_progress)
    directory = Directory()
    claim_due_reminders(now, report, directory)
    deliver_pending(now, report)
    run_system_transitions(now, report)
    claim_unnotified_events(now, report, Directory())
    claim_digests(now, report)
    deliver_pending(now, report)
    log.info("Reminder sweep at %s: %s", now.isoformat(), report)
    return report


# --- entry points for engine.apply() and the tasks -------------------------------------------


def event_recorded(event_id: int) -> None:
    """Called after a transition commits: queue its notices. Never raises (the event is already safe)."""
    from .tasks import send_event_notices

    try:
        send_event_notices.delay(event_id)
    except Exception:  # broker down: the sweep sends notices of events still unnotified
        log.warning("Could not queue notices for event %s; the sweep will send them", event_id, exc_info=True)


def send_event_notices(event_id: int) -> SweepReport:
    """Claim and send the notices of one event (no-op if they were already claimed)."""
    report = SweepReport()
    event = (
        Event.objects.filter(pk=event_id, notified_at=None)
        .select_related("filing__authority", "filing__application__organization", "filing__assigned_to")
        .first()
    )
    if event is None:
        return report
    now = timezone.now()
    rows = claim_event_notices(event, now)
    for row in Reminder.objects.filter(pk__in=[r.pk for r in rows]).select_related("recipient__profile"):
        report.outcomes[deliver(row, now)] += 1
    return report
