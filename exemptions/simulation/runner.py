"""The simulated year: arrivals, people's moves and the beat's sweeps in time order, at simulated times
(time-machine), with the invariants checked after every sweep and every simulated day."""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import logging
import random
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

import time_machine
from celery import current_app
from django.core import mail
from django.db import connection
from django.db.models import Max
from django.test.utils import override_settings
from tqdm import tqdm

from .. import deadlines, procedures
from ..models import Authority, Event, Filing, Incident, Organization, OutgoingEmail
from ..notifications import sweep
from . import population
from .aftercare import Aftercare
from .agents import ASK, DAY, WITHDRAW, Cast
from .invariants import Checker
from .scenarios import SCENARIOS

START = dt.datetime(2025, 1, 6, tzinfo=dt.UTC)  # a Monday; the stored holiday calendars cover 2025–2027
# The beat sweeps every few minutes; the simulation samples that rhythm: once a day at 12:05 UTC (more often
# with --sweep-every), daytime where every authority sits and after each staff member's digest hour (07:00
# local), and in the first hour after each authority's local midnight, when expiries, day-counted reminders
# and escalations fall due. A sweep costs tens of milliseconds, a year has about 1,300 of them; a
# midnight sweep is left out when no authority of that zone has anything time-driven (`_time_driven`).
SWEEP_EVERY_HOURS = 24
RHYTHM_HOUR = 12  # UTC: the daily sweep (with --sweep-every 24) comes after every staff zone's digest hour
MIDNIGHT_HOURS = (0,)
SWEEP_MINUTE = dt.timedelta(minutes=5)
APPS_PER_ORGANIZATION = 4
PARTS = {
    "arrive": "new dossiers",
    "move": "people's moves (engine, notices)",
    "sweep": "sweeps (with their checks)",
    "aftercare": "shipments, deliveries, distributions, incidents",
}
OPEN = procedures.states_where(terminal=False)
WAIT = "wait"  # a draft that waits on another authority's approval looks again a day after that one moves


@contextmanager
def unsynchronised():
    """A simulated year commits tens of thousands of times into a database nobody needs after a crash: on
    PostgreSQL, commits do not wait for the WAL to reach the disk (synchronous_commit off, for this session
    only). Nothing else changes: the transactions, their isolation and the constraints are the same."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def sweep_times(
    day_start: dt.datetime, zones: set[str], every_hours: int = SWEEP_EVERY_HOURS
) -> list[tuple[dt.datetime, frozenset[str] | None]]:
    """(when, the zones whose midnight it follows) of a day's sweeps; None for the rhythm's own sweeps."""
    times = []
    for hour in range(24):
        at = day_start + dt.timedelta(hours=hour)
        midnight_of = frozenset(z for z in zones if at.astimezone(deadlines.zone(z)).hour in MIDNIGHT_HOURS)
        rhythm = (hour - RHYTHM_HOUR) % every_hours == 0
        if rhythm or midnight_of:
            times.append((at + SWEEP_MINUTE, None if rhythm else midnight_of))
    return times


@dataclass
class Tracked:
    cast: Cast
    version: int = -1
    token: int = 0
    facts: dict = field(default_factory=dict)


@dataclass
class Outcome:
    apps: int = 0
    filings: int = 0
    days: int = 0
    sweeps: int = 0
    sweeps_left_out: int = 0  # midnight sweeps of zones where nothing was time-driven
    moves: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    sweep_seconds: float = 0.0
    aftercare: dict = field(default_factory=dict)  # shipments, deliveries, distributions, incidents made
    spent: Counter = field(default_factory=Counter)  # wall seconds per part of the run: where the time goes
    checker: Checker | None = None
    filing_ids: set = field(default_factory=set)
    scenario: str = ""
    seed: int = 0


class Simulation:
    def __init__(
        self,
        *,
        apps: int,
        days: int,
        drain: int,
        seed: int,
        scenario: str,
        progress: bool = True,
        sweep_every: int = SWEEP_EVERY_HOURS,
    ):
        self.apps, self.days, self.drain, self.progress = apps, days, drain, progress
        self.sweep_every = sweep_every
        self.rng = random.Random(seed)
        self.scenario = SCENARIOS[scenario]
        self.queue: list = []
        self.order = itertools.count()
        self.tracked: dict[int, Tracked] = {}
        self.waiters: dict[int, set[int]] = {}  # filing id -> the drafts waiting for it to be decided
        self.checker = Checker()
        self.aftercare = Aftercare(self, self.rng)
        self.outcome = Outcome(scenario=scenario, seed=seed, checker=self.checker, aftercare=self.aftercare.counts)

    @contextmanager
    def timed(self, part: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self.outcome.spent[part] += time.perf_counter() - started

    def push(self, at: dt.datetime, what: str, *args) -> None:
        heapq.heappush(self.queue, (at, next(self.order), what, args))

    # --- the run ------------------------------------------------------------------------------------

    def run(self) -> Outcome:
        started = time.perf_counter()
        eager = current_app.conf.task_always_eager
        current_app.conf.task_always_eager = True  # a notice goes out at its event's simulated moment
        chatty = [logging.getLogger(name) for name in ("exemptions", "celery")]
        levels = [logger.level for logger in chatty]
        for logger in chatty:  # a line per sweep and per task would drown the progress bar
            logger.setLevel(logging.WARNING)
        try:
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"), unsynchronised():
                mail.outbox = []
                self.checker.first_outbox_index = 0
                self._run()
        finally:
            current_app.conf.task_always_eager = eager
            for logger, level in zip(chatty, levels, strict=True):
                logger.setLevel(level)
            self.outcome.seconds = time.perf_counter() - started
        return self.outcome

    def _run(self) -> None:
        authorities = {a.code: a for a in Authority.objects.all()}
        zones = {a.time_zone for a in authorities.values()}
        self.checker.first_email_id = OutgoingEmail.objects.aggregate(last=Max("pk"))["last"] or 0
        run = f"{self.outcome.seed}x{Organization.objects.count()}"
        with time_machine.travel(START, tick=False):
            organizations, self.people = population.cast(
                run, max(1, -(-self.apps // APPS_PER_ORGANIZATION)), authorities.values()
            )
        self.authorities = authorities
        people = self.people
        everyone = [*people.applicants.values(), *sum([*people.reviewers.values(), *people.staff.values()], [])]
        self.checker.recipient_ids = {u.pk for u in everyone}
        self.checker.recipient_emails = {u.email for u in everyone}
        for n in range(self.apps):
            self.push(
                START + dt.timedelta(days=self.rng.uniform(0, self.days)),
                "arrive",
                n,
                organizations[n % len(organizations)],
            )
        total = self.days + self.drain
        bar = tqdm(total=total, unit="day", disable=not self.progress, desc=f"simulate {self.scenario.name}")
        for day in range(total):
            day_start = START + day * DAY
            for at, midnight_of in sweep_times(day_start, zones, self.sweep_every):
                self.push(at, "sweep", midnight_of)
            self._until(day_start + DAY)
            with self.timed("daily invariant checks"):
                self.checker.daily(day_start, day_start.date())
            self.outcome.days = day + 1
            bar.update()
            bar.set_postfix(filings=len(self.tracked), emails=len(mail.outbox))
        bar.close()
        with self.timed("final invariant checks"):
            self.checker.final((START + self.outcome.days * DAY).date() - dt.timedelta(days=1))

    def _until(self, end: dt.datetime) -> None:
        while self.queue and self.queue[0][0] < end:
            at, _, what, args = heapq.heappop(self.queue)
            with time_machine.travel(at, tick=False), self.timed(PARTS[what]):
                getattr(self, f"_{what}")(at, *args)

    # --- what happens -------------------------------------------------------------------------------

    def _arrive(self, at, n, organization) -> None:
        applicant = self.people.applicants[organization.pk]
        application, filings = population.dossier(organization, applicant, n, at, self.rng)
        self.outcome.apps += 1
        self.checker.application_ids.add(application.pk)
        by_code = {f.authority.code: f for f in filings}
        for filing in filings:
            cast = Cast(
                self.scenario,
                self.rng,
                applicant,
                self.people.reviewers[filing.authority_id],
                self.people.staff[filing.authority_id],
            )
            tracked = Tracked(cast)
            after = by_code.get(self.scenario.after.get(filing.authority.code, ""))
            if after is not None:
                tracked.facts["after"] = after.pk
                self.checker.waits_on[filing.pk] = after.pk
            self.tracked[filing.pk] = tracked
            self.checker.filing_ids.add(filing.pk)
            self.checker.touched.add(filing.pk)
            self.outcome.filing_ids.add(filing.pk)
            self.outcome.filings += 1
            self._schedule(filing, at)

    def _schedule(self, filing: Filing, at: dt.datetime) -> None:
        tracked = self.tracked[filing.pk]
        tracked.version, tracked.token = filing.version, tracked.token + 1
        waiting_on = tracked.facts.get("after")
        if filing.state.initial and waiting_on:
            other = Filing.objects.select_related("authority").get(pk=waiting_on)
            if other.state.terminal and not other.state.grants_validity:
                self.push(at + DAY, "move", filing.pk, tracked.token, WITHDRAW)
                return
            if not (other.state.grants_validity or other.state.lapsed):
                # Nothing to do until the other filing moves (a person or the clock): `_woken` looks again
                # a day after it does, instead of every day until then.
                self.waiters.setdefault(waiting_on, set()).add(filing.pk)
                return
        planned = tracked.cast.next_move(filing, at, tracked.facts)
        if planned:
            when, kind = planned
            self.push(max(when, at + dt.timedelta(minutes=1)), "move", filing.pk, tracked.token, kind)

    def _load(self, filing_id: int) -> Filing:
        return Filing.objects.select_related("authority", "application__organization").get(pk=filing_id)

    def _move(self, at, filing_id, token, kind) -> None:
        tracked = self.tracked[filing_id]
        if token != tracked.token:
            return  # the case moved on since this move was planned
        filing = self._load(filing_id)
        if kind == WAIT:
            self._schedule(filing, at)
            return
        done = tracked.cast.act(filing, kind, at)
        if done is None:
            self._schedule(filing, at)
            return
        event, made = done
        self.checker.recorded(filing, event)
        self.checker.touched.add(filing.pk)
        self.outcome.moves[made] += 1
        if made == ASK:
            tracked.facts["asked"] = tracked.facts.get("asked", 0) + 1
        self.checker.moved(filing, at)
        self._approved(filing, at)
        self._schedule(filing, at)
        self._woken(filing_id, at)

    def _woken(self, filing_id: int, at: dt.datetime) -> None:
        """The drafts waiting for this filing look at it again a day after it moved."""
        for waiting in sorted(self.waiters.pop(filing_id, ())):
            self.push(at + DAY, "move", waiting, self.tracked[waiting].token, WAIT)

    def _approved(self, filing: Filing, at: dt.datetime) -> None:
        if filing.state.grants_validity:
            self.aftercare.approved(filing.application, at)

    def _aftercare(self, at, step, *args) -> None:
        self.aftercare.run(at, step, *args)

    def _time_driven(self, zones: frozenset[str]) -> bool:
        """Whether anything of an authority in these zones can fall due at their midnight: an open filing with
        a deadline (reminders count to it, the clock acts on it, an approval's runs to its validity's end) or
        an incident not yet reported. Every case in the database, as the sweep sees them."""
        ids = [a.pk for a in self.authorities.values() if a.time_zone in zones]
        open_deadlines = Filing.objects.filter(authority_id__in=ids, status__in=OPEN, due_at__isnull=False)
        unreported = Incident.objects.filter(authority_id__in=ids, reported_on__isnull=True)
        return open_deadlines.exists() or unreported.exists()

    def _sweep(self, at, midnight_of: frozenset[str] | None = None) -> None:
        if midnight_of is not None and not self._time_driven(midnight_of):
            # Nothing of theirs falls due; the digests, retries and notices the sweep also sends wait for the
            # daily sweep, which comes after every staff zone's digest hour.
            self.outcome.sweeps_left_out += 1
            return
        # Only `engine.apply` changes a filing's status, and it records an event each time: the events after
        # this mark are the clock's moves (expiry, end of a period), read instead of every filing's version.
        mark = Event.objects.aggregate(last=Max("pk"))["last"] or 0
        started = time.perf_counter()
        sweep(at)
        self.outcome.sweep_seconds += time.perf_counter() - started
        self.outcome.sweeps += 1
        with self.timed("invariant checks after each sweep"):
            self.checker.after_sweep(at)
        moved = Event.objects.filter(pk__gt=mark).order_by("filing_id").values_list("filing_id", flat=True)
        for filing_id in dict.fromkeys(moved):
            tracked = self.tracked.get(filing_id)
            if tracked is None:
                continue  # an earlier run's case in the same database
            filing = self._load(filing_id)
            if filing.version != tracked.version:
                self.checker.touched.add(filing_id)
                self.checker.moved(filing, at)
                self._approved(filing, at)
                self._schedule(filing, at)
                self._woken(filing_id, at)
