"""Working-day arithmetic on an authority's holiday calendar. Pure functions: no database, no clock.

A deadline of N working days falls at the end of the Nth working day after the day the clock starts,
in the authority's own time zone (a UN deadline falls at midnight in New York, whatever zone the
applicant sits in). Weekends are Saturday and Sunday; holidays come from the `holidays` package or, for a
calendar kept as data (UN Headquarters), from the holidays entered in the admin.
"""

import logging
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
# Every function takes a calendar name or a Calendar. The counts are cached on the Calendar's content (every
# transition into a state with a deadline asks, and a 60-working-day count walks ~84 days of the holiday table),
# so a holiday edited in the admin changes the answer as soon as the calendar is loaded anew.


def is_working_day(day: date, calendar: str | Calendar) -> bool:
    return day.weekday() < 5 and not calendar_named(calendar).is_day_off(day)


def add_working_days(start_day: date, days: int, calendar: str | Calendar) -> date:
    """The date that is `days` working days after `start_day` (which itself never counts); with 0 days, the
    first working day from `start_day` on, so that a working-day deadline always ends on a working day."""
    return _add_working_days(start_day, days, calendar_named(calendar))


@lru_cache(maxsize=4096)
def _add_working_days(day: date, days: int, calendar: Calendar) -> date:
    if days <= 0:
        while not is_working_day(day, calendar):
            day += timedelta(days=1)
        return day
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day, calendar):
            counted += 1
    return day


def working_days_before(day: date, days: int, calendar: str | Calendar) -> date:
    """The working day that lies `days` working days before `day` (a reminder "T-2 working days" falls then)."""
    calendar = calendar_named(calendar)
    counted = 0
    while counted < days:
        day -= timedelta(days=1)
        if is_working_day(day, calendar):
            counted += 1
    return day


def working_days_between(start_day: date, end_day: date, calendar: str | Calendar) -> int:
    """Working days after `start_day` up to and including `end_day`; negative, counted the same way backwards,
    when `end_day` lies before `start_day` (a deadline already passed by that many working days)."""
    calendar = calendar_named(calendar)
    sign, day, stop = (1, start_day, end_day) if start_day <= end_day else (-1, end_day, start_day)
    count = 0
    while day < stop:
        day += timedelta(days=1)
        if is_working_day(day, calendar):
            count += 1
    return sign * count


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
