"""The working-day counts jump whole weeks and subtract the holidays in between (issue 22): they must agree,
day for day, with counting one day at a time, on country calendars, a calendar kept as data and across years."""

import datetime as dt
import random

import pytest

from exemptions import deadlines

UN_LIKE = deadlines.Calendar(
    "UN-LIKE",
    days_off=frozenset(
        {dt.date(2026, 12, 25), dt.date(2027, 1, 1), dt.date(2027, 3, 10), dt.date(2026, 11, 26), dt.date(2026, 11, 27)}
    ),
    years=frozenset({2026, 2027}),
)
WITH_CLOSURES = deadlines.Calendar("US-CLOSURES", base="US", days_off=frozenset({dt.date(2025, 1, 9)}))


def _works(day, calendar):
    return day.weekday() < 5 and not deadlines.calendar_named(calendar).is_day_off(day)


def one_day_at_a_time_add(day, days, calendar):
    if days <= 0:
        while not _works(day, calendar):
            day += dt.timedelta(days=1)
        return day
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        counted += _works(day, calendar)
    return day


def one_day_at_a_time_before(day, days, calendar):
    counted = 0
    while counted < days:
        day -= dt.timedelta(days=1)
        counted += _works(day, calendar)
    return day


def one_day_at_a_time_between(start, end, calendar):
    sign, day, stop = (1, start, end) if start <= end else (-1, end, start)
    count = 0
    while day < stop:
        day += dt.timedelta(days=1)
        count += _works(day, calendar)
    return sign * count


@pytest.mark.parametrize("calendar", ["US", "US-NY", "GB-ENG", "BE", UN_LIKE, WITH_CLOSURES])
def test_jumping_weeks_agrees_with_counting_day_by_day(calendar):
    chance = random.Random(22)
    first = dt.date(2024, 10, 1)
    for _ in range(400):
        day = first + dt.timedelta(days=chance.randrange(3 * 365))
        days = chance.choice([0, 1, 2, 5, 10, 20, 30, 60, 90, 250, chance.randrange(400)])
        other = day + dt.timedelta(days=chance.randrange(-200, 200))
        assert deadlines.add_working_days(day, days, calendar) == one_day_at_a_time_add(day, days, calendar), (
            day,
            days,
        )
        assert deadlines.working_days_before(day, days, calendar) == one_day_at_a_time_before(day, days, calendar), (
            day,
            days,
        )
        assert deadlines.working_days_between(day, other, calendar) == one_day_at_a_time_between(day, other, calendar)


def test_a_run_of_holidays_and_a_weekend_is_jumped_in_one_count():
    # Thanksgiving Thursday and Friday, then the weekend: one working day after Wednesday is the Monday.
    assert deadlines.add_working_days(dt.date(2026, 11, 25), 1, UN_LIKE) == dt.date(2026, 11, 30)
    assert deadlines.working_days_before(dt.date(2026, 11, 30), 1, UN_LIKE) == dt.date(2026, 11, 25)
    assert deadlines.working_days_between(dt.date(2026, 11, 25), dt.date(2026, 11, 30), UN_LIKE) == 1
    assert deadlines.working_days_between(dt.date(2026, 11, 30), dt.date(2026, 11, 25), UN_LIKE) == -1
