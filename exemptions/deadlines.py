"""Working-day arithmetic on an authority's holiday calendar. Pure functions: no database, no clock.

A deadline of N working days falls at the end of the Nth working day after the day the clock starts,
in the authority's own time zone (a UN deadline falls at midnight in New York, whatever zone the
applicant sits in). Weekends are Saturday and Sunday; holidays come from the `holidays` package or, for a
calendar kept as data (UN Headquarters), from the holidays entered in the admin.
"""

import logging
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

log = logging.getLogger(__name__)


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """The ZoneInfo for an IANA name; ValueError with a readable message when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"Unknown time zone '{name}'; use an IANA name such as America/New_York.") from exc


def zone_or_utc(name: str | None) -> ZoneInfo:
    """A user's zone for showing times: UTC when they set none, or when the name is unknown (a zone mistyped in
    the admin must not break every page or email they get)."""
    try:
        return zone(name or "UTC")
    except ValueError:
        return zone("UTC")


def in_zone(moment: datetime, tz: tzinfo) -> datetime | None:
    """The aware `moment` in zone `tz`, or None when that instant has no date there: 9999-12-31 23:59:59 UTC is
    already the year 10000 east of UTC, and 0001-01-01 00:00 UTC the year 0 west of it. Pages, emails and the API
    show such a deadline (which only a row forced past the engine's checks can hold) without failing."""
    try:
        return moment.astimezone(tz)
    except (OverflowError, ValueError):
        return None


# --- holiday calendars ---------------------------------------------------------------------------
#
# An authority names its calendar. A name the `holidays` package knows ('US', 'US-NY', 'GB-ENG', 'BE') is that
# country's public holidays; any other name is a calendar kept as data (the UN Headquarters' official holidays,
# published yearly by the Secretariat), which the models layer loads and hands in through `use_stored_calendars`:
# this module stays free of the database.


@dataclass(frozen=True)
class Calendar:
    """The days off of one calendar: a `holidays` package calendar (`base`), days kept as data, or both."""

    name: str
    base: str = ""  # a `holidays` package calendar whose holidays count too; "" for none
    days_off: frozenset[date] = frozenset()
    years: frozenset[int] = frozenset()  # the years for which days were entered

    def is_day_off(self, day: date) -> bool:
        if day in self.days_off:
            return True
        if self.base:
            return day in holiday_calendar(self.base, day.year)
        if day.year not in self.years:
            _warn_no_holidays(self.name, day.year)
        return False


def _no_stored_calendar(name: str) -> Calendar | None:
    return None


_stored_calendar: Callable[[str], Calendar | None] = _no_stored_calendar


def use_stored_calendars(loader: Callable[[str], Calendar | None]) -> None:
    """Let calendar names the `holidays` package does not know resolve through `loader` (the models layer's)."""
    global _stored_calendar
    _stored_calendar = loader


@lru_cache(maxsize=256)
def holiday_calendar(calendar: str, year: int) -> holidays.HolidayBase:
    """Holidays of one year of a `holidays` package calendar such as 'US', 'US-NY', 'GB-ENG' or 'BE'."""
    country, _, subdivision = calendar.partition("-")
    try:
        return holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    except NotImplementedError as exc:
        raise ValueError(
            f"Unknown holiday calendar '{calendar}'; use a calendar kept in the admin (e.g. UN-HQ) or a country "
            "code with an optional subdivision, e.g. US or US-NY."
        ) from exc


@lru_cache(maxsize=64)
def is_package_calendar(name: str) -> bool:
    try:
        holiday_calendar(name, 2026)
    except ValueError:
        return False
    return True


def calendar_named(calendar: str | Calendar) -> Calendar:
    """The Calendar an authority's calendar name stands for; ValueError when no calendar has that name."""
    if isinstance(calendar, Calendar):
        return calendar
    if is_package_calendar(calendar):
        return _package_calendar(calendar)
    stored = _stored_calendar(calendar)
    if stored is None:
        holiday_calendar(calendar, 2026)  # raises the readable error
    return stored


@lru_cache(maxsize=64)
def _package_calendar(name: str) -> Calendar:
    return Calendar(name, base=name)


@lru_cache(maxsize=256)
def _warn_no_holidays(calendar: str, year: int) -> None:
    log.warning("Holiday calendar %s has no holidays entered for %s: only weekends are days off", calendar, year)


# --- working days ----------------------------------------------------------------------------------
#
# Every function takes a calendar name or a Calendar. Counts jump whole weeks by arithmetic on day ordinals (5
# weekdays in every 7 days) and subtract the holidays that fall on weekdays in between, read from a sorted list
# kept per calendar and year; day by day, a 60-working-day count walked ~84 days of the holiday table, and every
# transition into a state with a deadline (or a resumed clock) asks (issue 22). The lists are cached on the
# Calendar's content, so a holiday edited in the admin changes the answer as soon as the calendar is loaded anew.


def is_working_day(day: date, calendar: str | Calendar) -> bool:
    return day.weekday() < 5 and not calendar_named(calendar).is_day_off(day)


def _weekdays_through(ordinal: int) -> int:
    """Weekdays from 1 January of the year 1 (a Monday, ordinal 1) up to and including `ordinal`."""
    return 5 * (ordinal // 7) + min(ordinal % 7, 5)


def _nth_weekday(count: int) -> int:
    """The ordinal of the weekday that makes `_weekdays_through` reach `count` (≥ 1): its inverse on weekdays."""
    weeks, rest = divmod(count - 1, 5)
    return 7 * weeks + rest + 1


@lru_cache(maxsize=1024)
def _weekday_days_off(calendar: Calendar, year: int) -> tuple[int, ...]:
    """The ordinals of `calendar`'s days off that fall on a weekday in `year`, sorted."""
    days = {d for d in calendar.days_off if d.year == year}
    if calendar.base:
        days.update(holiday_calendar(calendar.base, year).keys())
    elif year not in calendar.years:
        _warn_no_holidays(calendar.name, year)
    return tuple(sorted(d.toordinal() for d in days if d.year == year and d.weekday() < 5))


def _days_off_between(first: int, last: int, calendar: Calendar) -> int:
    """Weekday days off with ordinals in [first, last]."""
    count = 0
    for year in range(date.fromordinal(first).year, date.fromordinal(last).year + 1):
        days = _weekday_days_off(calendar, year)
        count += bisect_right(days, last) - bisect_left(days, first)
    return count


def _working_days_in(first: int, last: int, calendar: Calendar) -> int:
    """Working days with ordinals in [first, last] (0 when the range is empty)."""
    if last < first:
        return 0
    return _weekdays_through(last) - _weekdays_through(first - 1) - _days_off_between(first, last, calendar)


def add_working_days(start_day: date, days: int, calendar: str | Calendar) -> date:
    """The date that is `days` working days after `start_day` (which itself never counts); with 0 days, the
    first working day from `start_day` on, so that a working-day deadline always ends on a working day."""
    calendar = calendar_named(calendar)
    day = start_day
    if days <= 0:
        while not is_working_day(day, calendar):
            day += timedelta(days=1)
        return day
    # The weekday `days` weekdays on; each day off passed on the way pushes it on by one working day more.
    counted, wanted = day.toordinal(), days
    while wanted:
        reached = _nth_weekday(_weekdays_through(counted) + wanted)
        wanted = _days_off_between(counted + 1, reached, calendar)
        counted = reached
    return date.fromordinal(counted)


def working_days_before(day: date, days: int, calendar: str | Calendar) -> date:
    """The working day that lies `days` working days before `day` (a reminder "T-2 working days" falls then)."""
    calendar = calendar_named(calendar)
    if days <= 0:
        return day
    # The weekday `days` weekdays back; each day off passed on the way pushes it back by one working day more.
    before, wanted = day.toordinal(), days
    while wanted:
        reached = _nth_weekday(_weekdays_through(before - 1) - wanted + 1)
        wanted = _days_off_between(reached, before - 1, calendar)
        before = reached
    return date.fromordinal(before)


def working_days_between(start_day: date, end_day: date, calendar: str | Calendar) -> int:
    """Working days after `start_day` up to and including `end_day`; negative, counted the same way backwards,
    when `end_day` lies before `start_day` (a deadline already passed by that many working days)."""
    calendar = calendar_named(calendar)
    if start_day <= end_day:
        return _working_days_in(start_day.toordinal() + 1, end_day.toordinal(), calendar)
    return -_working_days_in(end_day.toordinal() + 1, start_day.toordinal(), calendar)


def shift_working_days(day: date, days: int, calendar: str | Calendar) -> date:
    """`days` working days after `day`, or `-days` working days before it; 0: the first working day from `day`
    on. Always a working day: how a resumed clock places the working days it had left (or was overdue by)."""
    if days < 0:
        return working_days_before(day, -days, calendar)
    return add_working_days(day, days, calendar)


def start_of_day(day: date, tz_name: str) -> datetime:
    """Midnight at the start of `day` in the given zone, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=zone(tz_name))


def end_of_day(day: date, tz_name: str) -> datetime:
    """23:59:59 of `day` in the given zone, as an aware datetime (shown to people as "by end of day")."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=zone(tz_name))


def working_deadline(start: datetime, days: int, calendar: str | Calendar, tz_name: str) -> datetime:
    """Deadline `days` working days after the aware instant `start`, at the end of that day locally."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    local_day = start.astimezone(zone(tz_name)).date()
    return end_of_day(add_working_days(local_day, days, calendar), tz_name)


def calendar_deadline(day: date, days: int, tz_name: str) -> datetime:
    """End of the day that is `days` calendar days after `day`, in the given zone."""
    return end_of_day(day + timedelta(days=days), tz_name)
