"""What must hold every simulated day, checked against the database and independent oracles. The first
violation stops the run: `Violation` names the invariant, the filing and the detail."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.core import mail
from django.db.models import F, Max, Prefetch, Q

from .. import audit, deadlines, procedures
from ..analytics import figures
from ..clearance import BLOCKING_HITS, cleared_to_ship
from ..models import Application, Event, Filing, OutgoingEmail, Role, ScreeningHit
from ..notifications import schedule_for
from ..outbox import message_id
from ..reminder_schedule import rules_for
from . import domain

EXACTLY_ONCE = "exactly once: one email per sent outbox row, no duplicate Message-ID"
WORKING_DAY = "every working-day deadline ends on a working day of the authority's calendar"
EXPIRY_ON_TIME = "expiry at the first sweep after the validity day ends in the authority's zone"
CLEARED = "cleared-to-ship equals an independent oracle"
AUDIT_CHAIN = "the audit chain verifies"
REMINDED = "no approval lapses without its expiry reminders (or the latest still due when granted)"
ESCALATED = "no SLA breach without escalation to staff at the next sweep, and no escalation before the breach"
ANALYTICS = "processing-time figures (median, p90, decided count) equal the simulation's own record"
INVARIANTS = (
    EXACTLY_ONCE,
    WORKING_DAY,
    EXPIRY_ON_TIME,
    CLEARED,
    AUDIT_CHAIN,
    REMINDED,
    ESCALATED,
    ANALYTICS,
    *domain.DOMAIN_RULES,
)
SLA_STATES = procedures.states_where(counts_against_sla=True)

EXPIRE_ACTIONS = {t.name for p in procedures.PROCEDURES.values() for t in p.triggered_by(procedures.VALIDITY_ENDED)}
GRANTING = procedures.states_where(grants_validity=True)
OVERDUE = next(r.offset for r in rules_for({"any": {"overdue": True}}))


class Violation(Exception):
    def __init__(self, invariant: str, reference: str, detail: str):
        super().__init__(f"{invariant}: {reference}: {detail}")
        self.invariant, self.reference, self.detail = invariant, reference, detail


@dataclass
class Validity:
    """What the simulation saw of an approval: the deadline its expiry reminders count to, when that deadline
    was set, and when the filing first left the state whose deadline it is (an extension request)."""

    due_at: dt.datetime
    granted_at: dt.datetime
    left_at: dt.datetime | None = None


@dataclass
class Checker:
    filing_ids: set = field(default_factory=set)
    application_ids: set = field(default_factory=set)
    first_email_id: int = 0
    first_outbox_index: int = 0
    sweeps: list = field(default_factory=list)
    validity: dict = field(default_factory=dict)  # filing id -> Validity
    checks: Counter = field(default_factory=Counter)
    emails_checked: int = 0
    emails_seen: int = 0
    recipient_emails: set = field(default_factory=set)
    timeline: dict = field(default_factory=dict)  # filing id -> what the simulation saw happen
    recipient_ids: set = field(default_factory=set)  # this run's people: another run may share the database
    message_ids: set = field(default_factory=set)
    waits_on: dict = field(default_factory=dict)  # filing id -> the filing whose approval it waits for
    touched: set = field(default_factory=set)  # filings a person or the clock moved since the daily check
    last_email_checked: int = 0  # the escalation check reads only the reminders claimed since it last ran

    def _ours(self, filings=None):
        """This run's filings among `filings` (all of them by default), with their authority and dossier."""
        filings = Filing.objects.all() if filings is None else filings
        return domain.within(filings.select_related("authority", "application"), self.filing_ids)

    # --- after each move -------------------------------------------------------------------------

    def recorded(self, filing: Filing, event: Event) -> None:
        """The simulation's own record of a person's move: when the case was filed, decided, and how long it
        waited on the applicant (the oracle of the processing-time figures)."""
        procedure, at = filing.procedure, event.created_at
        transition = procedure.transition(event.action, event.from_status)
        record = self.timeline.setdefault(filing.pk, {"code": filing.authority.code, "waited": 0.0})
        if procedures.SNAPSHOT_DOSSIER in transition.effects:
            record["filed"] = at
        if procedures.CHECK_NOTICE_LEAD in transition.effects:
            domain.check_notice_lead(filing, at, self.checks, Violation)
        if procedures.DECIDING_EFFECTS & set(transition.effects):
            record["decided"] = at
        source, target = procedure.state(event.from_status), procedure.state(event.to_status)
        if target.stops_clock and target.waits_on_applicant:
            record["asked"] = at
        if source.stops_clock and source.waits_on_applicant and "asked" in record:
            record["waited"] += int((at - record.pop("asked")).total_seconds())  # whole seconds, as stored

    def moved(self, filing: Filing, at: dt.datetime) -> None:
        """Remember when an approval's expiry deadline was set and when the filing left its state."""
        deadline = filing.state.deadline
        seen = self.validity.get(filing.pk)
        if deadline and deadline.at_validity_end and filing.due_at:
            if seen is None or seen.due_at != filing.due_at:
                self.validity[filing.pk] = Validity(filing.due_at, at)
        elif seen and seen.left_at is None and filing.state.grants_validity:
            seen.left_at = at

    # --- after each sweep --------------------------------------------------------------------

    def after_sweep(self, now: dt.datetime) -> None:
        previous = self.sweeps[-1] if self.sweeps else None
        self.sweeps.append(now)
        # The clock's own moves (a notification cleared by silence, an expiry) belong in the record too.
        moved = Event.objects.filter(created_at=now).select_related("filing__authority")
        for event in domain.within(moved, self.filing_ids, column="filing_id"):
            self.recorded(event.filing, event)
            if event.filing.procedure.transition(event.action, event.from_status).trigger == procedures.DEADLINE_PASSED:
                domain.check_silence(event, previous, self.checks, Violation)
        for filing in self._ours(Filing.objects.filter(status__in=GRANTING, valid_until_on__lte=now.date())):
            self.checks[EXPIRY_ON_TIME] += 1
            if deadlines.end_of_day(filing.valid_until_on, filing.authority.time_zone) <= now:
                raise Violation(
                    EXPIRY_ON_TIME, filing.reference, f"still in force after the sweep at {now:%Y-%m-%d %H:%M} UTC"
                )
        expired = Event.objects.filter(action__in=EXPIRE_ACTIONS, created_at=now).select_related("filing__authority")
        for event in domain.within(expired, self.filing_ids, "filing_id"):
            filing = event.filing
            self.checks[EXPIRY_ON_TIME] += 1
            ended = deadlines.end_of_day(filing.valid_until_on, filing.authority.time_zone)
            if now < ended or (previous is not None and previous >= ended):
                raise Violation(
                    EXPIRY_ON_TIME, filing.reference, f"expired at {now:%Y-%m-%d %H:%M} UTC, validity ended {ended}"
                )
            self._reminded_before_lapse(filing, now)
        self._escalated(now, previous)
        domain.check_incidents(self.application_ids, now, previous, self.checks, Violation)

    def _escalated(self, now: dt.datetime, previous: dt.datetime | None) -> None:
        """A review deadline that has passed has its overdue reminder claimed, to staff among others, by the
        sweep that first sees it passed; no overdue reminder is ever claimed before its deadline. Incremental:
        the reminders claimed since the last check, the deadlines passed since the previous sweep (a deadline
        passed earlier was checked by the sweep that first saw it passed)."""
        since = max(self.first_email_id, self.last_email_checked)
        self.last_email_checked = OutgoingEmail.objects.aggregate(last=Max("pk"))["last"] or since
        early = OutgoingEmail.objects.filter(
            pk__gt=since, family=OutgoingEmail.Family.REMINDER, offset=OVERDUE, claimed_at__lt=F("due_at")
        ).select_related("filing")
        for row in early[:1]:
            raise Violation(
                ESCALATED, row.filing.reference, f"overdue reminder claimed {row.claimed_at}, due {row.due_at}"
            )
        passed = Filing.objects.filter(status__in=SLA_STATES, due_at__lte=now)
        if previous is not None:
            passed = passed.filter(due_at__gt=previous)
        for filing in self._ours(passed):
            kind = filing.state.deadline.kind
            staff_told = [
                r for r in rules_for(schedule_for(filing.authority)) if r.deadline_kind == kind and r.is_overdue
            ]
            if not any("staff" in r.audience for r in staff_told):
                continue  # this authority's schedule escalates nothing
            self.checks[ESCALATED] += 1
            told = OutgoingEmail.objects.filter(
                family=OutgoingEmail.Family.REMINDER,
                filing=filing,
                deadline_kind=kind,
                offset=OVERDUE,
                due_at=filing.due_at,
            )
            if not told.filter(
                recipient__memberships__authority=filing.authority, recipient__memberships__role=Role.STAFF
            ).exists():
                raise Violation(ESCALATED, filing.reference, f"{kind} deadline {filing.due_at} passed, staff not told")

    def _reminded_before_lapse(self, filing: Filing, lapsed_at: dt.datetime) -> None:
        seen = self.validity.get(filing.pk)
        if seen is None:
            return
        self.checks[REMINDED] += 1
        kind = next(s.deadline.kind for s in filing.procedure.states if s.deadline and s.deadline.at_validity_end)
        rules = [r for r in rules_for(schedule_for(filing.authority)) if r.deadline_kind == kind and not r.is_overdue]
        until = seen.left_at or lapsed_at
        # The first sweep after the grant sends the latest reminder already due; later sweeps each one as it comes.
        first_sweep = next((s for s in self.sweeps if s >= seen.granted_at), lapsed_at)
        fires = sorted((r.fires_at(seen.due_at, filing.authority), r.offset) for r in rules)
        owed = {offset for at, offset in fires if first_sweep < at <= until}
        already_due = [offset for at, offset in fires if at <= first_sweep]
        if already_due and first_sweep <= until:
            owed.add(already_due[-1])
        sent = set(
            OutgoingEmail.objects.filter(
                family=OutgoingEmail.Family.REMINDER,
                filing=filing,
                deadline_kind=kind,
                due_at=seen.due_at,
                sent_at__lte=lapsed_at,
            ).values_list("offset", flat=True)
        )
        if owed - sent:
            raise Violation(REMINDED, filing.reference, f"lapsed without the {', '.join(sorted(owed - sent))} reminder")

    # --- once a simulated day ---------------------------------------------------------------------

    def daily(self, day_start: dt.datetime, today: dt.date) -> None:
        """Incremental where the invariant allows: a deadline changes only when its filing moves, and whether
        a dossier may ship changes only when one of its filings moves or on a day its validities or its
        shipment window begin or end. `final` checks everything once more."""
        touched, self.touched = self.touched, set()
        self._exactly_once()
        self._working_days(touched)
        applications = self._applications_to_check(touched, today)
        self._cleared_to_ship(today, applications)
        self._audit(day_start)
        self._domain(touched, applications)

    def _domain(self, filing_ids, application_ids) -> None:
        domain.check_validity_caps(domain.decided_filings(filing_ids), self.checks, Violation)
        domain.check_shipments(application_ids, self.checks, Violation)
        linked = {f: o for f, o in self.waits_on.items() if f in filing_ids}
        filings = Filing.objects.filter(pk__in={*linked, *linked.values()}).select_related("authority")
        domain.check_linked({f.pk: f for f in filings}, linked, self.checks, Violation)

    def _applications_to_check(self, touched: set, today: dt.date) -> set:
        yesterday = today - dt.timedelta(days=1)
        boundary = Application.objects.filter(
            Q(pk__in=Filing.objects.filter(pk__in=touched).values("application_id"))
            | Q(ship_from_on=today)
            | Q(ship_until_on=yesterday)
            | Q(filings__valid_from_on=today)
            | Q(filings__valid_until_on=yesterday)
        )
        return {a.pk for a in domain.within(boundary.only("pk").distinct(), self.application_ids)}

    def _exactly_once(self) -> None:
        """Every email in the locmem outbox stands for a sent row of its own, and every sent row has its email:
        checked incrementally (the emails since yesterday), with the totals compared every day."""
        outbox = getattr(mail, "outbox", [])
        new = outbox[self.first_outbox_index + self.emails_seen :]
        self.emails_seen += len(new)
        # Only this run's people: an earlier run's open cases in the same database get their emails too.
        new = [m for m in new if set(m.to) & self.recipient_emails]
        self.emails_checked += len(new)
        new_ids = [m.extra_headers.get("Message-ID") for m in new]
        self.checks[EXACTLY_ONCE] += len(new)
        repeated = [mid for mid in new_ids if mid in self.message_ids] + [
            mid for mid, n in Counter(new_ids).items() if n > 1
        ]
        self.message_ids.update(new_ids)
        sent = OutgoingEmail.objects.filter(
            pk__gt=self.first_email_id, recipient_id__in=self.recipient_ids, sent_at__isnull=False
        )
        if repeated or sent.count() != self.emails_checked:
            rows = {message_id(row): row for row in sent.select_related("filing")}
            wrong = repeated or sorted(set(rows) ^ self.message_ids)
            row = rows.get(wrong[0]) if wrong else None
            reference = row.filing.reference if row and row.filing else "(no filing)"
            raise Violation(
                EXACTLY_ONCE, reference, f"{self.emails_checked} emails for {sent.count()} sent rows; e.g. {wrong[:3]}"
            )

    def _working_days(self, filing_ids: set | None = None) -> None:
        working = procedures.states_where(terminal=False)
        filings = Filing.objects.filter(status__in=working, due_at__isnull=False)
        if filing_ids is not None:
            filings = filings.filter(pk__in=filing_ids)
        for filing in self._ours(filings):
            deadline = filing.state.deadline
            if not (deadline and deadline.counts_working_days):
                continue
            self.checks[WORKING_DAY] += 1
            authority = filing.authority
            local = filing.due_at.astimezone(deadlines.zone(authority.time_zone))
            if not deadlines.is_working_day(local.date(), authority.holiday_calendar) or local.time() != dt.time(
                23, 59, 59
            ):
                raise Violation(
                    WORKING_DAY,
                    filing.reference,
                    f"{deadline.kind} deadline {local:%a %Y-%m-%d %H:%M} {authority.time_zone}",
                )

    def _cleared_to_ship(self, today: dt.date, application_ids: set) -> None:
        filings = Prefetch(
            "filings", queryset=Filing.objects.select_related("authority").prefetch_related(BLOCKING_HITS)
        )
        applications = Application.objects.filter(pk__in=application_ids).prefetch_related(
            filings, "required_authorities"
        )
        for application in applications:
            self.checks[CLEARED] += 1
            expected = oracle_cleared(application, today)
            if cleared_to_ship(application, today).cleared != expected:
                reference = (
                    application.filings.all()[0].reference if application.filings.all() else application.reference
                )
                raise Violation(
                    CLEARED, reference, f"cleared_to_ship says {not expected}, the oracle {expected}, on {today}"
                )

    def _audit(self, since: dt.datetime) -> None:
        today = Event.objects.filter(created_at__gte=since)
        touched = {event.filing_id for event in domain.within(today.only("filing_id"), self.filing_ids, "filing_id")}
        events = Event.objects.filter(filing_id__in=touched).select_related("filing").order_by("filing_id", "sequence")
        self.checks[AUDIT_CHAIN] += 1
        broken = audit.first_broken_link(events)
        if broken:
            event, why = broken
            raise Violation(AUDIT_CHAIN, event.filing.reference, f"event #{event.sequence}: {why}")

    def final(self, today: dt.date) -> None:
        self._working_days()
        self._cleared_to_ship(today, self.application_ids)
        self._domain(self.filing_ids, self.application_ids)
        self.checks[AUDIT_CHAIN] += 1
        found = list(audit.findings())
        if found:
            raise Violation(AUDIT_CHAIN, "(trail)", found[0])
        self._analytics()

    def _analytics(self) -> None:
        days: dict[str, list[float]] = {}
        for record in self.timeline.values():
            if "filed" in record and "decided" in record:
                spent = (record["decided"] - record["filed"]).total_seconds() - record["waited"]
                days.setdefault(record["code"], []).append(spent / 86400)
        for code, values in sorted(days.items()):
            self.checks[ANALYTICS] += 1
            ordered = sorted(values)
            middle = len(ordered) // 2
            median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
            p90 = ordered[-(-9 * len(ordered) // 10) - 1]
            got = figures(Filing.objects.filter(pk__in=self.filing_ids, authority__code=code))
            expected = (len(ordered), round(median, 1), round(p90, 1))
            if (got.decided, got.median_days, got.p90_days) != expected:
                raise Violation(ANALYTICS, code, f"figures {got} where the record gives {expected}")


def oracle_cleared(application: Application, today: dt.date) -> bool:
    """Cleared to ship, computed day by day: every day of the window from today on is inside a validity of an
    approval in force from each authority the dossier needs."""
    start, end = application.ship_from_on, application.ship_until_on
    authorities = list(application.required_authorities.all())
    if not authorities or not start or not end or max(start, today) > end:
        return False
    hits = ScreeningHit.objects.filter(filing__application=application)
    if hits.exclude(disposition=ScreeningHit.Disposition.FALSE_POSITIVE).exists():
        return False  # a party screened as possibly sanctioned, not cleared as a false positive, stops shipping
    days = {max(start, today) + dt.timedelta(days=n) for n in range((end - max(start, today)).days + 1)}
    for authority in authorities:
        covered = set()
        for f in application.filings.all():
            if f.authority_id != authority.pk or f.status not in GRANTING or not (f.valid_from_on and f.valid_until_on):
                continue
            if f.valid_until_on < today:
                continue
            first, last = max(f.valid_from_on, min(days)), min(f.valid_until_on, max(days))
            covered |= {first + dt.timedelta(days=n) for n in range((last - first).days + 1)}
        if not days <= covered:
            return False
    return True
