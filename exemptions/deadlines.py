"""Working-day arithmetic on an authority's holiday calendar. Pure functions: no database, no clock.

A deadline of N working days falls at the end of the Nth working day after the day the clock starts,
in the authority's own time zone (a UN deadline falls at midnight in New York, whatever zone the
applicant sits in). Weekends are Saturday and Sunday; holidays come from the `holidays` package.
"""

from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays


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


@lru_cache(maxsize=256)
def holiday_calendar(calendar: str, year: int) -> holidays.HolidayBase:
    """Holidays of one year for a calendar name such as 'US-NY', 'US-DC', 'GB-ENG' or 'BE'."""
    country, _, subdivision = calendar.partition("-")
    try:
        return holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    except NotImplementedError as exc:
        raise ValueError(
            f"Unknown holiday calendar '{calendar}'; use a country code with an optional subdivision, e.g. US-NY."
        ) from exc


def is_working_day(day: date, calendar: str) -> bool:
    return day.weekday() < 5 and day not in holiday_calendar(calendar, day.year)


# Cached: every transition into a state with a deadline asks this, and a 60-working-day count walks ~84
# calendar days through the holiday table (about 0.3 ms); the answer only depends on the arguments.
@lru_cache(maxsize=4096)
def add_working_days(start_day: date, days: int, calendar: str) -> date:
    """The date that is `days` working days after `start_day` (which itself never counts)."""
    day = start_day
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day, calendar):
            counted += 1
    return day


def working_days_before(day: date, days: int, calendar: str) -> date:
    """The working day that lies `days` working days before `day` (a reminder "T-2 working days" falls then)."""
    counted = 0
    while counted < days:
        day -= timedelta(days=1)
        if is_working_day(day, calendar):
            counted += 1
    return day


def start_of_day(day: date, tz_name: str) -> datetime:
    """Midnight at the start of `day` in the given zone, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=zone(tz_name))


def working_days_between(start_day: date, end_day: date, calendar: str) -> int:
    """Working days after `start_day` up to and including `end_day` (0 when end is not later)."""
    count = 0
    day = start_day
    while day < end_day:
        day += timedelta(days=1)
        if is_working_day(day, calendar):
            count += 1
    return count


def end_of_day(day: date, tz_name: str) -> datetime:
    """23:59:59 of `day` in the given zone, as an aware datetime (shown to people as "by end of day")."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=zone(tz_name))


def working_deadline(start: datetime, days: int, calendar: str, tz_name: str) -> datetime:
    """Deadline `days` working days after the aware instant `start`, at the end of that day locally."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    local_day = start.astimezone(zone(tz_name)).date()
    return end_of_day(add_working_days(local_day, days, calendar), tz_name)


def calendar_deadline(day: date, days: int, tz_name: str) -> datetime:
    """End of the day that is `days` calendar days after `day`, in the given zone."""
    return end_of_day(day + timedelta(days=days), tz_name)
