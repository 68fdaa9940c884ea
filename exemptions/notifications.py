"""Who hears about what, and the sweep's order of work: deadline reminders, event notices, daily digests.

The database holds the schedule (Filing.due_at, reminder_schedule.py); Celery only runs the sweep every
few minutes and hands over fresh events. For each kind of time-driven work this module finds who is owed
an email and claims it as an OutgoingEmail row (outbox.claim_many: one INSERT per step); the outbox then
delivers what was claimed, at least once (outbox.py says when twice), rendered by emails.py. The
clock-driven transitions (expiry, the end of a no-objection period) run here too, through engine.apply()
as the system actor, between the reminders they follow and the notices they cause: each announces itself.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Case, CharField, Exists, OuterRef, Q, Value, When
from django.utils import timezone

from . import deadlines, engine, procedures, readiness
from .emails import INCIDENT_ESCALATION, INCIDENT_REMINDER, Composer, profile_of
from .models import Authority, Event, Filing, Incident, Membership, Message, OutgoingEmail, Role
from .outbox import UNUSED_BY_EMAILS, SweepReport, claim, claim_many, deliver_pending, deliver_rows
from .reminder_schedule import merged_schedule, rule_due_now, rules_for

log = logging.getLogger(__name__)
OVERDUE_OFFSET = next(r.offset for r in rules_for({"any": {"overdue": True}}))


def schedule_for(authority: Authority) -> dict:
    """The reminder schedule an authority runs on: defaults, then settings, then the authority's own overrides."""
    return merged_schedule(getattr(settings, "REMINDER_SCHEDULE", {}), authority.reminder_schedule)


def deadline_states(authority: Authority, deadline_kind: str) -> list[str]:
    return [
        s.name
        for procedure in authority.route_procedures
        for s in procedure.states
        if s.deadline and s.deadline.kind == deadline_kind and not s.terminal
    ]


@contextmanager
def isolated(report: SweepReport, step: str, subject) -> Iterator[None]:
    """One filing's share of a sweep step (or one event's, one digest's). If it raises, it is logged, counted
    and skipped, and the next sweep tries it again: one bad row (a deadline forced to the year 1, say) never
    stops the sweep for everyone else. A lost database is no bad row, nor is the task's time limit: those
    still end the sweep."""
    try:
        yield
    except (OperationalError, InterfaceError, SoftTimeLimitExceeded):
        raise
    except Exception:
        log.exception("Sweep: %s for %s failed; skipped", step, subject)
        report.skipped[step] += 1


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
        return self.organization_members(filing.application.organization_id)

    def organization_members(self, organization_id: int) -> list:
        return self._load(Role.APPLICANT, organization_id=organization_id)

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


def with_filing(queryset):
    """Events or messages with the case they are about (its frozen dossier left out: no email reads it)."""
    related = ("filing__authority", "filing__application__organization", "filing__assigned_to")
    return queryset.select_related(*related).defer(*UNUSED_BY_EMAILS)


# --- claiming what is due ----------------------------------------------------------------------


def settled_by_the_clock(authority: Authority) -> set[str]:
    """States whose passing deadline the system acts on itself (the end of a no-objection period): their
    "overdue" reminder would say what the transition's own notice says, so that notice says it alone."""
    return {
        s
        for procedure in authority.route_procedures
        for t in procedure.triggered_by(procedures.DEADLINE_PASSED)
        for s in t.sources
    }


def claim_due_reminders(now: dt.datetime, report: SweepReport, directory: Directory) -> None:
    """One indexed query for every filing some reminder may be due for (coarse bounds on due_at per authority
    and deadline kind; the precise check is rule_due_now), one for the reminders already claimed for them,
    then one INSERT of every claim. The query's shape does not depend on the schedule's length: a sweep
    compiles two queries, not one per reminder."""
    authorities = list(Authority.objects.all())
    rules_by_authority = {a.pk: rules_for(schedule_for(a)) for a in authorities}
    # Authorities sharing a procedure and a schedule share their bounds: one branch each, not one per authority.
    escalating_by, quiet_by, kind_by = defaultdict(list), defaultdict(list), defaultdict(list)
    for authority in authorities:
        rules = rules_by_authority[authority.pk]
        settled = settled_by_the_clock(authority)
        for deadline_kind in sorted({r.deadline_kind for r in rules}):
            states = set(deadline_states(authority, deadline_kind))
            if not states:
                continue
            kind_rules = [r for r in rules if r.deadline_kind == deadline_kind]
            ahead = max([r.latest_due_day_span() for r in kind_rules if not r.is_overdue] or [0])
            # Once the deadline has passed only the overdue reminder is left, and not where the clock acts.
            escalating = states - settled if any(r.is_overdue for r in kind_rules) else set()
            kind_by[(deadline_kind, tuple(sorted(states)))].append(authority.pk)
            if escalating:
                escalating_by[(tuple(sorted(escalating)), ahead)].append(authority.pk)
            if states - escalating and ahead:
                quiet_by[(tuple(sorted(states - escalating)), ahead)].append(authority.pk)
    window = Q(pk__in=[])
    for (states, ahead), ids in escalating_by.items():
        window |= Q(authority__in=ids, status__in=states, due_at__lte=now + dt.timedelta(days=ahead))
    for (states, ahead), ids in quiet_by.items():
        window |= Q(authority__in=ids, status__in=states, due_at__gt=now, due_at__lte=now + dt.timedelta(days=ahead))
    kind_of = [When(authority__in=ids, status__in=states, then=Value(kind)) for (kind, states), ids in kind_by.items()]
    if not kind_of:
        return
    overdue_claimed = OutgoingEmail.objects.filter(
        family=OutgoingEmail.Family.REMINDER,
        filing=OuterRef("pk"),
        deadline_kind=OuterRef("reminder_kind"),
        offset=OVERDUE_OFFSET,
        due_at=OuterRef("due_at"),
    )
    candidates = list(
        Filing.objects.annotate(reminder_kind=Case(*kind_of, output_field=CharField()))
        .filter(window, due_at__isnull=False)
        .exclude(Q(due_at__lte=now) & Exists(overdue_claimed))
        .select_related("authority", "application__organization", "assigned_to")
        .defer("snapshot")
    )
    claimed = set(
        OutgoingEmail.objects.filter(
            family=OutgoingEmail.Family.REMINDER, filing_id__in=[f.pk for f in candidates], due_at__gt=now
        ).values_list("filing_id", "deadline_kind", "offset", "due_at")
    )
    occasions, keys, due_rules = [], [], {}
    for filing in candidates:
        with isolated(report, "reminder", filing.reference):
            key = (filing.authority_id, filing.reminder_kind, filing.due_at)
            if key not in due_rules:
                rules = [r for r in rules_by_authority[filing.authority_id] if r.deadline_kind == filing.reminder_kind]
                due_rules[key] = rule_due_now(rules, filing.due_at, filing.authority, now)
            rule = due_rules[key]
            if rule is None or (filing.pk, rule.deadline_kind, rule.offset, filing.due_at) in claimed:
                continue
            occasions.append(
                reminder_rows(filing, rule.deadline_kind, rule.offset, rules_by_authority, now, directory, due_rules)
            )
            keys.append(f"{rule.deadline_kind} {rule.offset}")
    claimed_occasions = {id(rows) for rows in claim_many(occasions)}
    for rows, key in zip(occasions, keys, strict=True):
        if rows and id(rows) in claimed_occasions:
            report.claimed[key] += len(rows)


def reminder_rows(
    filing, deadline_kind, offset, rules_by_authority, now, directory, due_rules=None
) -> list[OutgoingEmail]:
    """The rows of the reminder (`deadline_kind`, `offset`) of one filing, if it is the one due now.
    `due_rules` remembers the answer per authority and deadline: many filings share a day's end."""
    due_rules = {} if due_rules is None else due_rules
    key = (filing.authority_id, deadline_kind, filing.due_at)
    if key not in due_rules:
        rules = [r for r in rules_by_authority[filing.authority_id] if r.deadline_kind == deadline_kind]
        due_rules[key] = rule_due_now(rules, filing.due_at, filing.authority, now)
    rule = due_rules[key]
    if rule is None or rule.offset != offset:
        return []
    return [
        OutgoingEmail(
            family=OutgoingEmail.Family.REMINDER,
            filing=filing,
            deadline_kind=deadline_kind,
            offset=offset,
            due_at=filing.due_at,
            recipient=user,
            next_attempt_at=now,
        )
        for user in directory.audience(filing, rule.audience)
    ]


def run_clock_transitions(now: dt.datetime, report: SweepReport) -> None:
    """Transitions the clock triggers (an approval's expiry, the end of a no-objection period): the engine's,
    which skips a filing that fails; should finding them fail, the rest of the sweep still runs."""
    with isolated(report, "clock transitions", "due filings"):
        report.transitions.update(engine.run_clock_transitions(now))


def stale_before(now: dt.datetime) -> dt.datetime:
    """The one age rule of event notices, on every path (the notice task and the sweep): an event older than
    EVENT_NOTICE_MAX_AGE is marked notified without email; news that stale helps nobody."""
    return now - settings.EVENT_NOTICE_MAX_AGE


def claim_event_notices(
    event: Event, now: dt.datetime, directory: Directory | None = None, report: SweepReport | None = None
) -> list[OutgoingEmail]:
    """Mark an event notified and claim its notices, in one transaction (so a crash loses neither); an event
    too old to announce (stale_before) is only marked."""
    directory = directory or Directory()
    with transaction.atomic():
        if Event.objects.filter(pk=event.pk, notified_at=None).update(notified_at=now) != 1:
            return []  # already handled (by the task or another sweep)
        if event.created_at < stale_before(now):
            if report is not None:
                report.stale_events += 1
            return []
        filing = event.filing
        transition = filing.procedure.transition(event.action, event.from_status)
        audience = [transition.notice] if transition and transition.notice else []
        people = [
            u
            for u in directory.audience(filing, audience)
            if u.pk != event.actor_id and profile_of(u).wants_event_emails
        ]
        rows = [
            OutgoingEmail(
                family=OutgoingEmail.Family.EVENT_NOTICE,
                filing=filing,
                event=event,
                due_at=event.created_at,
                recipient=user,
                next_attempt_at=now,
            )
            for user in people
        ] + readiness.ready_to_file_rows(event, now, directory)  # an approval other filings waited on
        OutgoingEmail.objects.bulk_create(rows)
    return rows


def claim_unnotified_events(now: dt.datetime, report: SweepReport, directory: Directory) -> None:
    """Events whose notices were never queued (broker down at commit time) are caught up here; those older
    than the age rule (stale_before) are marked without emails."""
    stale = Event.objects.filter(notified_at=None, created_at__lt=stale_before(now)).update(notified_at=now)
    report.stale_events += stale
    unnotified = with_filing(Event.objects.filter(notified_at=None, created_at__lte=now))
    for event in unnotified.order_by("created_at", "id"):
        with isolated(report, "event notice", f"{event.action} on {event.filing.reference}"):
            if rows := claim_event_notices(event, now, directory, report):
                report.claimed[f"{event.action} notice"] += len(rows)


# A message is news to the other side: the applicant's reaches the assigned reviewer (every reviewer while none
# is assigned), the authority's reaches the applicant organization.
MESSAGE_AUDIENCE = {Message.Side.APPLICANT: procedures.ASSIGNED_REVIEWER, Message.Side.AUTHORITY: procedures.APPLICANTS}


def claim_message_notices(message: Message, now: dt.datetime, directory: Directory | None = None) -> list:
    """Mark a message notified and claim the other side's emails about it, in one transaction; people who turned
    case emails off (Profile.wants_event_emails) get none."""
    directory = directory or Directory()
    with transaction.atomic():
        if Message.objects.filter(pk=message.pk, notified_at=None).update(notified_at=now) != 1:
            return []
        filing = message.filing
        people = [
            u
            for u in directory.audience(filing, [MESSAGE_AUDIENCE[message.side]])
            if u.pk != message.author_id and profile_of(u).wants_event_emails
        ]
        rows = [
            OutgoingEmail(
                family=OutgoingEmail.Family.MESSAGE,
                filing=filing,
                message=message,
                due_at=message.created_at,
                recipient=user,
                next_attempt_at=now,
            )
            for user in people
        ]
        for row in rows:
            row.save(force_insert=True)
    return rows


def claim_unnotified_messages(now: dt.datetime, report: SweepReport, directory: Directory) -> None:
    """Messages whose emails were never queued are caught up here, as events are; stale ones are marked."""
    stale = Message.objects.filter(notified_at=None, created_at__lt=stale_before(now))
    report.stale_events += stale.update(notified_at=now)
    unnotified = with_filing(Message.objects.filter(notified_at=None, created_at__lte=now))
    for message in unnotified.order_by("created_at", "id"):
        with isolated(report, "message notice", f"message {message.pk} on {message.filing.reference}"):
            if rows := claim_message_notices(message, now, directory):
                report.claimed["message notice"] += len(rows)


def send_message_notices(message_id: int) -> SweepReport:
    """Claim and send the emails about one new message (no-op if they were already claimed)."""
    report = SweepReport()
    message = with_filing(Message.objects.filter(pk=message_id, notified_at=None)).first()
    if message is None:
        return report
    now = timezone.now()
    rows = claim_message_notices(message, now)
    claimed = OutgoingEmail.objects.filter(pk__in=[r.pk for r in rows]).select_related("message", "recipient__profile")
    deliver_rows(claimed.order_by("id"), now, report)
    return report


def digest_time(now: dt.datetime, time_zone: str) -> dt.datetime:
    """The digest moment of the recipient's current day (DIGEST_HOUR local time)."""
    tz = deadlines.zone_or_utc(time_zone)
    local_day = timezone.localtime(now, tz).date()
    return dt.datetime.combine(local_day, dt.time(settings.DIGEST_HOUR), tzinfo=tz)


def claim_digests(now: dt.datetime, report: SweepReport) -> None:
    """Once a day per staff member and authority, if that authority has overdue or due-this-week work."""
    memberships = (
        Membership.objects.filter(role=Role.STAFF, user__is_active=True)
        .exclude(user__email="")
        .select_related("user__profile", "authority")
    )
    has_work: dict[int, bool] = {}
    for membership in memberships:
        with isolated(report, "digest", f"{membership.authority.code} to {membership.user.get_username()}"):
            claim_digest(membership, now, report, has_work)


def claim_digest(membership: Membership, now: dt.datetime, report: SweepReport, has_work: dict[int, bool]) -> None:
    """Claim one staff member's digest for one authority, once their digest hour has come, if there is work."""
    user, authority = membership.user, membership.authority
    profile = profile_of(user)
    if not profile.wants_digest:
        return
    at = digest_time(now, profile.time_zone)
    if at > now:
        return
    if authority.pk not in has_work:
        open_states = {name for procedure in authority.route_procedures for name in procedure.open_states}
        has_work[authority.pk] = (
            Filing.objects.filter(authority=authority, status__in=open_states, due_at__lt=now + dt.timedelta(days=7))
            .exclude(status=procedures.INITIAL)
            .exists()
        )
    if not has_work[authority.pk]:
        return
    digest = OutgoingEmail(
        family=OutgoingEmail.Family.DIGEST, authority=authority, due_at=at, recipient=user, next_attempt_at=now
    )
    if claim([digest]):
        report.claimed["digest"] += 1


# --- diversion and loss incidents ----------------------------------------------------------------

INCIDENT_REMINDER_DAYS = 2  # the reminder comes this many days before an incident's report falls due


def claim_incident_reminders(now: dt.datetime, report: SweepReport, directory: Directory) -> None:
    """Incidents not yet reported to their authority: one reminder as the deadline nears (to whoever recorded
    the incident) and one escalation once it has passed (to every member of the organization). Only incidents
    not escalated yet are read, through the partial index on unreported incidents."""
    escalated = OutgoingEmail.objects.filter(incident=OuterRef("pk"), offset=INCIDENT_ESCALATION)
    near = now.date() + dt.timedelta(days=INCIDENT_REMINDER_DAYS + 1)  # coarse; the authority's zone decides
    unreported = (
        Incident.objects.filter(reported_on__isnull=True, report_due_on__lte=near)
        .filter(~Exists(escalated))
        .select_related("authority", "application", "created_by")
        .order_by("report_due_on", "id")
    )
    for incident in unreported:
        with isolated(report, "incident reminder", f"incident {incident.pk}"):
            claim_incident_reminder(incident, now, report, directory)


def claim_incident_reminder(incident: Incident, now: dt.datetime, report: SweepReport, directory: Directory) -> None:
    tz = incident.authority.time_zone
    due_at = deadlines.end_of_day(incident.report_due_on, tz)
    remind_from = deadlines.start_of_day(incident.report_due_on - dt.timedelta(days=INCIDENT_REMINDER_DAYS), tz)
    members = directory.organization_members(incident.application.organization_id)
    recorder = incident.created_by
    owed = []
    if now >= remind_from:
        owed.append((INCIDENT_REMINDER, [recorder] if recorder in members else members))
    if now > due_at:
        owed.append((INCIDENT_ESCALATION, members))
    claimed = set(incident.reminders.values_list("offset", flat=True))
    for offset, people in owed:
        if offset in claimed:
            continue
        rows = [
            OutgoingEmail(
                family=OutgoingEmail.Family.INCIDENT,
                incident=incident,
                offset=offset,
                due_at=due_at,
                recipient=user,
                next_attempt_at=now,
            )
            for user in people
        ]
        if claim(rows):
            report.claimed[f"incident {offset}"] += len(rows)


def sweep(now: dt.datetime | None = None, on_progress: Callable | None = None) -> SweepReport:
    """Do every piece of time-driven work that has come due, and send what it produced.

    Deadline reminders are claimed and sent first (so "the period ends tomorrow" goes out before anything
    the clock does), then system transitions run (each announces itself by its own event notice), then
    notices of events not yet notified, then the daily digests, and finally every claimed email still
    unsent (retries and rows left in doubt included). Safe to run again, concurrently, or after a crash:
    each occasion is claimed once. A soft time limit stops it at a row boundary; the next sweep goes on.
    """
    now = now or timezone.now()
    report = SweepReport(on_progress=on_progress)
    directory = Directory()
    composer = Composer()
    try:
        claim_due_reminders(now, report, directory)
        deliver_pending(now, report, composer)
        run_clock_transitions(now, report)
        claim_unnotified_events(now, report, Directory())
        claim_unnotified_messages(now, report, Directory())
        claim_digests(now, report)
        claim_incident_reminders(now, report, directory)
        deliver_pending(now, report, composer)
    except SoftTimeLimitExceeded:
        report.stopped = "the task's soft time limit; the next sweep carries on"
        log.warning("Reminder sweep at %s stopped by its soft time limit: %s", now.isoformat(), report)
        return report
    log.info("Reminder sweep at %s: %s", now.isoformat(), report)
    return report


# --- the notice task's work ------------------------------------------------------------------


def send_event_notices(event_id: int) -> SweepReport:
    """Claim and send the notices of one event (no-op if they were already claimed, or if it is stale)."""
    report = SweepReport()
    event = with_filing(Event.objects.filter(pk=event_id, notified_at=None)).first()
    if event is None:
        return report
    now = timezone.now()
    rows = claim_event_notices(event, now, report=report)
    claimed = (
        OutgoingEmail.objects.filter(pk__in=[r.pk for r in rows])
        .select_related("filing__authority", "filing__application__organization", "event__actor", "recipient__profile")
        .defer(*UNUSED_BY_EMAILS)
    )
    deliver_rows(claimed.order_by("id"), now, report)
    return report
