"""Working-day deadlines on each authority's calendar, in its time zone, with a frozen clock."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from exemptions import deadlines, engine
from tests import factories

NEW_YORK = ZoneInfo("America/New_York")
UTC = dt.UTC


def ny(*args):
    return dt.datetime(*args, tzinfo=NEW_YORK)


def test_friday_plus_one_working_day_skips_the_weekend():
    assert deadlines.add_working_days(dt.date(2026, 11, 6), 1, "US-DC") == dt.date(2026, 11, 9)


def test_a_us_federal_holiday_is_not_a_working_day():
    # Veterans Day, Wednesday 11 November 2026
    assert not deadlines.is_working_day(dt.date(2026, 11, 11), "US-DC")
    assert deadlines.add_working_days(dt.date(2026, 11, 10), 1, "US-DC") == dt.date(2026, 11, 12)


def test_calendars_differ_by_subdivision():
    # New York keeps Election Day (3 Nov 2026); Washington DC works that day.
    assert not deadlines.is_working_day(dt.date(2026, 11, 3), "US-NY")
    assert deadlines.is_working_day(dt.date(2026, 11, 3), "US-DC")


def test_deadline_across_the_dst_change_falls_at_local_end_of_day():
    # Daylight saving ends in New York on Sunday 1 November 2026: EDT (UTC-4) becomes EST (UTC-5).
    due = deadlines.working_deadline(ny(2026, 10, 30, 14, 0), 1, "US-DC", "America/New_York")
    assert due.astimezone(NEW_YORK).replace(tzinfo=None) == dt.datetime(2026, 11, 2, 23, 59, 59)
    assert due.astimezone(UTC) == dt.datetime(2026, 11, 3, 4, 59, 59, tzinfo=UTC)


def test_a_start_late_in_the_evening_utc_counts_from_the_local_day():
    # 02:00 UTC on Saturday is still Friday evening in New York: Monday is the first working day.
    start = dt.datetime(2026, 11, 7, 2, 0, tzinfo=UTC)
    due = deadlines.working_deadline(start, 1, "US-DC", "America/New_York")
    assert due.astimezone(NEW_YORK).date() == dt.date(2026, 11, 9)


def test_working_days_between_skips_weekends_and_holidays():
    assert deadlines.working_days_between(dt.date(2026, 11, 20), dt.date(2026, 11, 30), "US-DC") == 5


def test_unknown_calendar_and_zone_are_readable_errors(db):
    with pytest.raises(ValueError, match="holiday calendar"):
        deadlines.calendar_named("XX-YY")  # neither a country calendar nor one kept in the admin
    with pytest.raises(ValueError, match="time zone"):
        deadlines.zone("Mars/Olympus")


def test_a_users_zone_falls_back_to_utc_when_unset_or_unknown():
    assert deadlines.zone_or_utc("Asia/Seoul") == ZoneInfo("Asia/Seoul")
    assert deadlines.zone_or_utc("") == deadlines.zone_or_utc(None) == ZoneInfo("UTC")
    assert deadlines.zone_or_utc("Mars/Olympus") == ZoneInfo("UTC")


def test_naive_start_is_refused():
    with pytest.raises(ValueError):
        deadlines.working_deadline(dt.datetime(2026, 11, 6, 12), 1, "US-DC", "UTC")  # noqa: DTZ001


def test_submission_sets_the_reviewer_sla_deadline_in_working_days(dossier, applicant):
    # UN1718: 10 working days on the UN Headquarters calendar. Submitted Friday 30 Oct 2026 (EDT); the
    # Secretariat works on New York's Election Day (3 Nov) and Veterans Day (11 Nov): due end of Friday 13 Nov (EST).
    filing = factories.filing(dossier, "UN1718", applicant)
    with time_machine.travel(ny(2026, 10, 30, 11, 0), tick=False):
        engine.apply(filing, "submit", applicant)
    assert filing.due_at.astimezone(NEW_YORK).replace(tzinfo=None) == dt.datetime(2026, 11, 13, 23, 59, 59)
    filing.refresh_from_db()
    assert filing.due_at == ny(2026, 11, 13, 23, 59, 59)


def test_taking_a_case_keeps_the_running_sla_deadline(dossier, applicant, reviewer_un):
    filing = factories.filing(dossier, "UN1718", applicant)
    with time_machine.travel(ny(2026, 10, 30, 11, 0), tick=False):
        engine.apply(filing, "submit", applicant)
    due = filing.due_at
    with time_machine.travel(ny(2026, 11, 5, 9, 0), tick=False):
        engine.apply(filing, "take", reviewer_un)
    assert filing.due_at == due


def test_the_reviewer_clock_stops_while_waiting_on_the_applicant(dossier, applicant, reviewer_ofac):
    filing = factories.filing(dossier, "OFAC", applicant)
    with time_machine.travel(ny(2026, 11, 2, 10, 0), tick=False):
        engine.apply(filing, "submit", applicant)
        engine.apply(filing, "take", reviewer_ofac)
    sla_due = filing.due_at
    with time_machine.travel(ny(2026, 11, 4, 10, 0), tick=False):
        engine.apply(filing, "request_information", reviewer_ofac, "Which facilities?")
    # While the applicant has the file, due_at is the applicant's reply deadline (10 working days).
    assert filing.due_at.astimezone(NEW_YORK).date() == dt.date(2026, 11, 19)
    with time_machine.travel(ny(2026, 11, 16, 15, 30), tick=False):
        engine.apply(filing, "respond", applicant, "Sariwon and Haeju hospitals.")
    # Submitted Monday 2 Nov, the 60-working-day review was due Monday 1 Feb 2027 (US federal calendar), with 58
    # working days left after 4 Nov. Counted again from 16 Nov, skipping Thanksgiving, Christmas, New Year's Day,
    # Martin Luther King Jr. Day and weekends: Wednesday 10 Feb 2027. Adding back the 12.2 days waited would
    # have put it on Saturday 13 Feb.
    assert sla_due == ny(2027, 2, 1, 23, 59, 59)
    assert filing.due_at == ny(2027, 2, 10, 23, 59, 59)
    waited = ny(2026, 11, 16, 15, 30) - ny(2026, 11, 4, 10, 0)
    assert filing.applicant_wait_seconds == int(waited.total_seconds())
    assert filing.clock_stopped_at is None and filing.paused_due_at is None


def test_a_committee_hold_stops_the_no_objection_clock(dossier, applicant, reviewer_un):
    filing = factories.submitted_filing(dossier, "UN1718", applicant)
    engine.apply(filing, "take", reviewer_un)
    with time_machine.travel(ny(2026, 12, 1, 10, 0), tick=False):
        engine.apply(filing, "circulate", reviewer_un)
    # 5 working days from Tuesday 1 December: Tuesday 8 December, end of day in New York.
    assert filing.due_at == ny(2026, 12, 8, 23, 59, 59)
    with time_machine.travel(ny(2026, 12, 3, 10, 0), tick=False):
        engine.apply(filing, "place_hold", reviewer_un, "A member asked about the consignee.")
    # Meanwhile due_at only says when staff are reminded of the hold: 10 working days on.
    assert filing.due_at == ny(2026, 12, 17, 23, 59, 59) and filing.paused_due_at == ny(2026, 12, 8, 23, 59, 59)
    with time_machine.travel(ny(2026, 12, 10, 10, 0), tick=False):
        engine.apply(filing, "release_hold", reviewer_un)
    assert filing.due_at == ny(2026, 12, 15, 23, 59, 59)
    assert filing.applicant_wait_seconds == 0  # a hold is not the applicant's time


def test_approval_runs_against_its_expiry_then_the_report(dossier, applicant, reviewer_ofac):
    filing = factories.submitted_filing(dossier, "OFAC", applicant)
    engine.apply(filing, "take", reviewer_ofac)
    engine.apply(
        filing, "approve", reviewer_ofac, "", None,
        valid_from_on="2027-01-01", valid_until_on="2027-06-30", authority_reference="DPRK-EE-1",
    )  # fmt: skip
    assert filing.due_at == ny(2027, 6, 30, 23, 59, 59)
    with time_machine.travel(ny(2027, 7, 1, 0, 5), tick=False):
        engine.apply(filing, "expire", engine.SYSTEM)
    assert filing.due_at == ny(2027, 7, 30, 23, 59, 59)  # report due 30 days after expiry
