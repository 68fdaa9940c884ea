"""The people of a simulated year: when each side moves on a case and which move it makes, chosen from the
procedure's declarations (roles, targets, tones, payload fields), never from action names, so the
simulation follows any procedure the declarations describe. Moves go through `engine.available_actions`
and `engine.apply` only."""

from __future__ import annotations

import datetime as dt
import random

from .. import deadlines, engine, procedures
from ..demo import payload_for
from .scenarios import DEFAULT_DECISION_DAYS, Scenario

# What a move does to a case, read from its declaration.
ADVANCE, ASK, REFUSE, REPLY, WITHDRAW, EXTEND, REPORT = (
    "advance",
    "ask",
    "refuse",
    "reply",
    "give up",
    "extend",
    "report",
)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def kind_of(procedure: procedures.Procedure, transition: procedures.Transition, status: str) -> str | None:
    """The kind of a human move from `status`, or None for a move that changes nothing (a reassignment)."""
    if transition.is_system or transition.target is None:
        return None
    source, target = procedure.state(status), procedure.state(transition.target)
    if procedures.APPLICANT in transition.roles:
        if transition.tone == procedures.DANGER:
            return WITHDRAW
        if source.stops_clock:
            return REPLY
        if source.grants_validity and target.grants_validity:
            return EXTEND
        if target.terminal:
            return REPORT
        return ADVANCE
    if transition.tone == procedures.DANGER:
        return REFUSE
    if target.stops_clock and target.waits_on_applicant:
        return ASK
    return ADVANCE


def authority_steps(procedure: procedures.Procedure) -> int:
    """How many authority moves lie between filing and an approval: the decision time is spread over them."""
    granted = procedure.states_where(grants_validity=True)[0]
    path = procedure.path_to(granted)
    return max(1, sum(1 for t in path if not t.is_system and procedures.APPLICANT not in t.roles))


def working_hour(at: dt.datetime, time_zone: str, rng: random.Random) -> dt.datetime:
    """`at` moved to office hours (09–17) of a weekday in `time_zone`: people act at work."""
    local = at.astimezone(deadlines.zone(time_zone))
    if local.hour < 9 or local.hour >= 17:
        day = local.date() + (DAY if local.hour >= 17 else dt.timedelta(0))
        local = dt.datetime.combine(day, dt.time(9), tzinfo=local.tzinfo) + dt.timedelta(minutes=rng.randint(0, 420))
    while local.weekday() >= 5:
        local += DAY
    return local.astimezone(dt.UTC)


class Cast:
    """The people who act on one filing, and what they decide."""

    def __init__(self, scenario: Scenario, rng: random.Random, applicant, reviewers: list, staff: list):
        self.scenario, self.rng = scenario, rng
        self.applicant, self.reviewer, self.staff = applicant, rng.choice(reviewers), rng.choice(staff)

    def personas(self):
        return (self.applicant, self.reviewer, self.staff)

    def moves(self, filing) -> list[tuple[object, procedures.Transition, str]]:
        """(who, transition, kind) of every state-changing move the engine allows anyone on this case now."""
        found, seen = [], set()
        for person in self.personas():
            for t in engine.available_actions(filing, person):
                kind = kind_of(filing.procedure, t, filing.status)
                if kind and t.name not in seen:
                    seen.add(t.name)
                    found.append((person, t, kind))
        return found

    # --- when ---------------------------------------------------------------------------------

    def authority_delay(self, filing) -> dt.timedelta:
        code, steps = filing.authority.code, authority_steps(filing.procedure)
        per_move = self.scenario.decision_days.get(code, DEFAULT_DECISION_DAYS) / steps
        days = self.rng.expovariate(1 / per_move) if per_move > 0 else 0
        longest = self.scenario.decision_max_days.get(code)
        return dt.timedelta(days=min(days, longest / steps) if longest else days)

    def next_move(self, filing, now: dt.datetime, facts: dict) -> tuple[dt.datetime, str] | None:
        """When someone next acts on `filing` and with which kind of move, or None (the clock decides, or
        the case is over). `facts` is what the simulation remembers of the case (requests asked so far)."""
        state, s, rng = filing.state, self.scenario, self.rng
        if state.terminal:
            return None
        kinds = {kind for _, _, kind in self.moves(filing)}
        zone = filing.authority.time_zone
        if state.initial:
            return working_hour(now + dt.timedelta(hours=rng.uniform(2, 72)), zone, rng), ADVANCE
        if state.stops_clock and state.waits_on_applicant:
            if rng.random() < s.no_reply_rate:
                return now + dt.timedelta(days=rng.uniform(40, 80)), WITHDRAW
            if filing.due_at and rng.random() < s.late_reply_rate:  # after the overdue reminder
                return working_hour(filing.due_at + dt.timedelta(days=rng.uniform(1, 10)), zone, rng), REPLY
            return working_hour(now + dt.timedelta(days=rng.expovariate(1 / s.reply_days)), zone, rng), REPLY
        if state.stops_clock:  # a hold: the authority lifts it
            return working_hour(now + dt.timedelta(days=rng.expovariate(1 / s.hold_days)), zone, rng), ADVANCE
        if state.deadline and state.deadline.closes_by_silence:
            if REFUSE in kinds and rng.random() < s.hold_rate:
                return working_hour(now + dt.timedelta(hours=rng.uniform(1, 60)), zone, rng), REFUSE
            return None  # silence: the clock moves it on
        if state.lapsed:
            return now + dt.timedelta(days=rng.expovariate(1 / s.report_days)), REPORT
        if state.grants_validity and state.waits_on is None:
            return self._holder(filing, now, kinds)
        if state.waits_on is None and ADVANCE in kinds:
            # With a forwarding body (a Member State, the Resident Coordinator): it transmits the request after
            # days of its own, and the applicant records the transmission.
            return working_hour(now + dt.timedelta(days=rng.expovariate(1 / s.forwarding_days)), zone, rng), ADVANCE
        if state.waits_on_authority:
            if WITHDRAW in kinds and rng.random() < s.withdraw_rate:
                return now + dt.timedelta(days=rng.uniform(1, 30)), WITHDRAW
            return working_hour(now + self.authority_delay(filing), zone, rng), self._ruling(filing, kinds, facts)
        return None

    def _holder(self, filing, now, kinds):
        s, rng, zone = self.scenario, self.rng, filing.authority.time_zone
        ends = deadlines.start_of_day(filing.valid_until_on, zone)
        ships_until = deadlines.end_of_day(filing.application.ship_until_on, zone)
        if EXTEND in kinds and rng.random() < s.extension_rate and ends - 30 * DAY > now:
            return ends - 30 * DAY + dt.timedelta(hours=rng.uniform(1, 72)), EXTEND  # at the 30-day reminder
        if REPORT in kinds and ships_until < ends and rng.random() < s.report_early_rate:
            return max(now, ships_until) + dt.timedelta(days=rng.uniform(1, 10)), REPORT
        return None  # the approval runs out: the clock expires it

    def _ruling(self, filing, kinds, facts) -> str:
        s, rng = self.scenario, self.rng
        roll = rng.random()
        if ASK in kinds and facts.get("asked", 0) < 2 and roll < s.ask_rate:
            return ASK
        if REFUSE in kinds and roll > 1 - s.refuse_rate:
            return REFUSE
        return ADVANCE

    # --- what -----------------------------------------------------------------------------------

    def act(self, filing, kind: str, at: dt.datetime):
        """Make a move of `kind` through the engine; None when no such move is open any more."""
        moves = self.moves(filing)
        chosen = [m for m in moves if m[2] == kind] or [m for m in moves if m[2] == ADVANCE]
        if not chosen:
            return None
        person, transition, kind = chosen[0]
        payload = payload_for(transition, filing, at, reviewer=self.reviewer)
        note = transition.example_note or (f"{transition.label}." if transition.note_required else "")
        return engine.apply(filing, transition.name, person, note, at, **payload), kind
