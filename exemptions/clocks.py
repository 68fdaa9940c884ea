"""When a filing's deadline falls: the rules of `procedures.Deadline` evaluated on a filing, and the clock a
state stops (an information request, a member's hold) and the state after it resumes.

A resumed working-day clock gets back the working days it had left when it stopped, counted on the
authority's calendar from the day it resumes: like every working-day deadline, it ends on a working day.
Nothing here writes; the engine stores what `next_due_at()` returns.
"""

from __future__ import annotations

import datetime as dt

from . import deadlines
from . import procedures as p


def _fact(name: str, filing, changes: dict):
    """A value of the filing as the transition leaves it: what the transition writes, else what it holds."""
    return changes[name] if name in changes else getattr(filing, name)


def _local_date(value, tz_name: str) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.astimezone(deadlines.zone(tz_name)).date()
    return value


def days_for(deadline: p.Deadline, filing, changes: dict | None = None) -> int:
    """N of the deadline for this filing: the Authority setting its rule names (per-filing flags may choose
    another, e.g. an expedited period), or 0 for a calendar-day rule without a setting."""
    changes = changes or {}
    setting = deadline.days_setting(lambda flag: bool(_fact(flag, filing, changes)))
    return getattr(filing.authority, setting) if setting else 0


def deadline_at(deadline: p.Deadline, filing, at: dt.datetime, changes: dict | None = None) -> dt.datetime | None:
    """When `deadline` falls due for `filing` entering its state at `at`, with the field values `changes`
    the transition writes; None when the date it counts from is not known (no validity, no shipment date)."""
    changes = changes or {}
    authority = filing.authority
    tz_name = authority.time_zone
    days = days_for(deadline, filing, changes)
    if deadline.rule == p.WORKING_DAYS_FROM_ENTRY:
        return deadlines.working_deadline(at, days, authority.holiday_calendar, tz_name)
    if deadline.rule == p.CALENDAR_DAYS_AFTER:
        event = at if deadline.after == p.ENTRY else _fact(deadline.after, filing, changes)
        day = _local_date(event, tz_name)
        return None if day is None else deadlines.calendar_deadline(day, days, tz_name)
    # The dossier's date as it stands when the filing enters the state.
    day = _local_date(getattr(filing.application, deadline.before), tz_name)
    return None if day is None else deadlines.calendar_deadline(day, -days, tz_name)


def resumed_due_at(deadline: p.Deadline, filing, at: dt.datetime) -> dt.datetime:
    """The deadline a clock stopped at `filing.clock_stopped_at` falls due at when it resumes at `at`.

    A working-day deadline gets back the working days it had left after the day it stopped (0: the rest of
    its due day, so the first working day from the resumption on; negative: it was overdue by that many),
    counted from the day it resumes; a calendar-day deadline gets back the time it was stopped."""
    stopped_at, due_at = filing.clock_stopped_at or at, filing.paused_due_at
    if not deadline.counts_working_days:
        return due_at + (at - stopped_at)
    authority = filing.authority
    tz_name = authority.time_zone
    calendar = deadlines.calendar_named(authority.holiday_calendar)
    left = deadlines.working_days_between(_local_date(stopped_at, tz_name), _local_date(due_at, tz_name), calendar)
    resumed_on = deadlines.shift_working_days(_local_date(at, tz_name), left, calendar)
    return deadlines.end_of_day(resumed_on, tz_name)


def next_due_at(
    filing, source: p.State, target: p.State, at: dt.datetime, changes: dict
) -> tuple[dt.datetime | None, dict]:
    """The deadline of `target` for a filing moving there from `source` at `at`, and the stopped-clock fields
    to write with it."""
    clock = {}
    if target.stops_clock and not source.stops_clock:
        clock.update(
            clock_stopped_at=at,
            paused_due_at=filing.due_at,
            paused_deadline_kind=source.deadline.kind if source.deadline else "",
        )
    if source.stops_clock and source.waits_on_applicant and target is not source:
        # Only the spell in the state that waits on the applicant is theirs: a hold's questions come after the
        # member's own stop, which is not the applicant's time, and the answer may go back to the hold.
        asked_at = filing.status_changed_at or filing.clock_stopped_at or at
        waited = max(at - asked_at, dt.timedelta(0))
        clock["applicant_wait_seconds"] = filing.applicant_wait_seconds + int(waited.total_seconds())
    if source.stops_clock and not target.stops_clock:
        clock.update(clock_stopped_at=None, paused_due_at=None, paused_deadline_kind="")
        if target.deadline and target.deadline.kind == filing.paused_deadline_kind and filing.paused_due_at:
            return resumed_due_at(target.deadline, filing, at), clock  # the stopped clock resumes
    if target.deadline is None:
        return None, clock
    if source.deadline and source.deadline.kind == target.deadline.kind and filing.due_at:
        return filing.due_at, clock  # the same clock keeps running (submitted → in_review, reassignment)
    return deadline_at(target.deadline, filing, at, changes), clock
