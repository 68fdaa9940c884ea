"""Deadline rules as data (procedures.Deadline, evaluated by exemptions.clocks) and stopped clocks that resume
with their remaining working days.

States and actions are found from the declarations (the state whose window closes by silence, the transitions
that stop and resume a working-day clock), so these tests follow a procedure whose names change."""

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exemptions import clocks, deadlines, demo, engine
from exemptions import procedures as p
from exemptions.models import Authority, Role
from tests import factories

NEW_YORK = ZoneInfo("America/New_York")
UTC = dt.UTC


def ny(*args):
    return dt.datetime(*args, tzinfo=NEW_YORK)


def people(code, applicant):
    return dict(
        applicant=applicant,
        reviewer=factories.member_of(code, Role.REVIEWER),
        staff=factories.member_of(code, Role.STAFF),
    )


def run(filing, transition, at, crew):
    """Run one declared transition at `at`, as the demo would (its actor, payload and example note)."""
    actor = demo.actor_for(transition, **crew)
    payload = demo.payload_for(transition, filing, at, reviewer=crew["reviewer"])
    note = transition.example_note or (f"{transition.label}." if transition.note_required else "")
    engine.apply(filing, transition.name, actor, note, at, **payload)


def reach(filing, state, at, crew):
    """Move `filing` into `state` along its procedure's shortest path, every step at `at`."""
    for transition in filing.procedure.path_to(state, start=filing.status):
        run(filing, transition, at, crew)


def clock_stops(procedure):
    """(state, stop, resume): a state with a working-day deadline, a transition from it into a state that stops
    the clock, and one back into a state with the same deadline."""
    found = []
    for stop in procedure.transitions:
        if stop.is_system or not stop.target or not procedure.state(stop.target).stops_clock:
            continue
        for source in stop.sources:
            running = procedure.state(source).deadline
            if not running or not running.counts_working_days or procedure.state(source).stops_clock:
                continue
            for resume in procedure.transitions:
                back = procedure.state(resume.target) if resume.target else None
                if stop.target in resume.sources and back and back.deadline and back.deadline.kind == running.kind:
                    found.append((source, stop, resume))
    return found


def window_state(procedure):
    return next(s for s in procedure.states if s.deadline and s.deadline.closes_by_silence)


# --- the rule kinds ------------------------------------------------------------------------------


def stub(code, **facts):
    """A filing as the rules see it: its authority, its dossier and whatever dates or flags it holds."""
    application = SimpleNamespace(ship_from_on=facts.pop("ship_from_on", None))
    return SimpleNamespace(authority=Authority.objects.get(code=code), application=application, **facts)


def test_working_days_from_entry_count_the_authoritys_setting_on_its_calendar(db):
    review = p.Deadline("review", working_days_setting="review_sla_working_days")
    assert review.rule == p.WORKING_DAYS_FROM_ENTRY
    # UN1718: 10 working days from Thursday 31 Dec 2026, skipping New Year's Day: Friday 15 Jan 2027.
    assert clocks.deadline_at(review, stub("UN1718"), ny(2026, 12, 31, 16, 0)) == ny(2027, 1, 15, 23, 59, 59)


def test_the_number_of_working_days_may_be_chosen_per_filing_through_a_setting_name(db):
    # An expedited request takes the authority's expedited period: the flag is a fact of the filing.
    period = p.Deadline(
        "no_objection",
        working_days_setting="no_objection_working_days",
        working_days_setting_when=(("expedited", "expedited_no_objection_working_days"),),
    )
    monday = ny(2026, 12, 7, 10, 0)
    assert clocks.days_for(period, stub("UN1718", expedited=False)) == 5
    assert clocks.days_for(period, stub("UN1718", expedited=True)) == 2
    assert clocks.deadline_at(period, stub("UN1718", expedited=False), monday) == ny(2026, 12, 14, 23, 59, 59)
    assert clocks.deadline_at(period, stub("UN1718", expedited=True), monday) == ny(2026, 12, 9, 23, 59, 59)
    # A value the entering transition writes counts before the one the filing held.
    entering = clocks.deadline_at(period, stub("UN1718", expedited=False), monday, {"expedited": True})
    assert entering == ny(2026, 12, 9, 23, 59, 59)
    authority = Authority.objects.get(code="UN1718")
    authority.expedited_no_objection_working_days = 3
    assert clocks.days_for(period, SimpleNamespace(authority=authority, expedited=True)) == 3


def test_calendar_days_from_an_event_count_from_entry_or_a_date_of_the_filing(db):
    answer = p.Deadline("answer", calendar_days_setting="report_due_days", after=p.ENTRY)
    assert answer.rule == p.CALENDAR_DAYS_AFTER
    # 30 calendar days from Saturday 2 Jan 2027, weekends and holidays included: Monday 1 Feb.
    assert clocks.deadline_at(answer, stub("OFAC"), ny(2027, 1, 2, 9, 0)) == ny(2027, 2, 1, 23, 59, 59)
    report = p.REPORT
    assert report.rule == p.CALENDAR_DAYS_AFTER and not report.at_validity_end
    # The report counts from the last delivery, else the last valid day (Filing.report_counts_from, issue 19).
    nothing_delivered = stub("OFAC", valid_until_on=dt.date(2027, 6, 30), report_counts_from=dt.date(2027, 6, 30))
    assert clocks.deadline_at(report, nothing_delivered, ny(2027, 7, 1)) == ny(2027, 7, 30, 23, 59, 59)
    # The transition's own validity counts before the filing's, and no validity means no deadline.
    expiry = p.EXPIRY
    assert expiry.at_validity_end
    changes = {"valid_until_on": dt.date(2027, 9, 30)}
    assert clocks.deadline_at(expiry, stub("OFAC", valid_until_on=None), ny(2027, 1, 5), changes) == ny(
        2027, 9, 30, 23, 59, 59
    )
    assert clocks.deadline_at(expiry, stub("OFAC", valid_until_on=None), ny(2027, 1, 5)) is None


def test_calendar_days_before_a_date_of_the_dossier(dossier, applicant):
    # OFAC FAQ 1162: an NGO relying on the general licence notifies State at least 30 days before it starts.
    notice = p.Deadline("notification", calendar_days_setting="report_due_days", before="ship_from_on")
    assert notice.rule == p.CALENDAR_DAYS_BEFORE
    filing = factories.filing(dossier, "OFAC", applicant)  # the dossier ships from 1 March 2027
    assert clocks.deadline_at(notice, filing, ny(2026, 12, 1)) == ny(2027, 1, 30, 23, 59, 59)
    assert clocks.deadline_at(notice, stub("OFAC", ship_from_on=None), ny(2026, 12, 1)) is None


def test_a_deadline_declares_exactly_one_rule():
    with pytest.raises(ValueError, match="exactly one"):
        p.Deadline("review")
    with pytest.raises(ValueError, match="exactly one"):
        p.Deadline("review", working_days_setting="review_sla_working_days", after=p.ENTRY)
    with pytest.raises(ValueError, match="needs working_days_setting"):
        p.Deadline(
            "x", after=p.ENTRY, working_days_setting_when=(("expedited", "expedited_no_objection_working_days"),)
        )
    with pytest.raises(ValueError, match="calendar_days_setting"):
        p.Deadline("x", working_days_setting="review_sla_working_days", calendar_days_setting="report_due_days")


def _procedure_with(window_closes_by_silence: bool, system_transition: bool) -> p.Procedure:
    window = p.Deadline("no_objection", working_days_setting="no_objection_working_days",
                        closes_by_silence=window_closes_by_silence)  # fmt: skip
    states = (
        p.State(p.INITIAL, "Draft", "Draft", initial=True),
        p.State("window", "Window", "Window", deadline=window),
        p.State("done", "Done", "Done", terminal=True),
    )
    transitions = [p.Transition("open", "Open", (p.INITIAL,), "window", frozenset({p.STAFF}))]
    if system_transition:
        transitions.append(
            p.Transition("lapse", "Lapse", ("window",), "done", frozenset({p.SYSTEM}), trigger=p.DEADLINE_PASSED)
        )
    return p.Procedure("test", "Test", states, tuple(transitions), required_elements=())


def test_a_window_that_closes_by_silence_declares_the_system_transition_that_closes_it():
    procedure = _procedure_with(window_closes_by_silence=True, system_transition=True)
    assert [t.name for t in procedure.closed_by_silence("window")] == ["lapse"]
    with pytest.raises(ValueError, match="closes by silence"):
        _procedure_with(window_closes_by_silence=True, system_transition=False)
    with pytest.raises(ValueError, match="closes by silence"):
        _procedure_with(window_closes_by_silence=False, system_transition=True)


def test_the_window_closes_by_silence_when_its_deadline_passes(dossier, applicant):
    window = window_state(p.UN1718)
    (closer,) = p.UN1718.closed_by_silence(window.name)
    filing = factories.filing(dossier, "UN1718", applicant)
    reach(filing, window.name, ny(2026, 12, 1, 10, 0), people("UN1718", applicant))
    assert filing.due_at == ny(2026, 12, 8, 23, 59, 59)  # 5 working days
    assert engine.run_clock_transitions(filing.due_at - dt.timedelta(seconds=1)) == {}
    filing.refresh_from_db()
    assert filing.status == window.name
    assert engine.run_clock_transitions(filing.due_at + dt.timedelta(minutes=1))[closer.name] == 1
    filing.refresh_from_db()
    assert filing.status == closer.target
    assert filing.events.order_by("-sequence").first().actor_label == engine.SYSTEM


# --- stopped clocks resume with their remaining working days -------------------------------------


def _held(dossier, applicant, entered_at, stopped_at):
    """A UN1718 filing whose no-objection window opened at `entered_at` and was stopped at `stopped_at`."""
    crew = people("UN1718", applicant)
    filing = factories.filing(dossier, "UN1718", applicant)
    state, stop, resume = next(found for found in clock_stops(p.UN1718) if found[0] == window_state(p.UN1718).name)
    reach(filing, state, entered_at, crew)
    run(filing, stop, stopped_at, crew)
    return filing, resume, crew


def test_a_clock_stopped_on_its_last_day_resumes_to_the_end_of_the_first_working_day(dossier, applicant):
    # Window due Tuesday 8 Dec 2026, stopped that morning: the rest of a day was left. Released on Saturday
    # 12 Dec, it falls due at the end of Monday 14 Dec, not on the weekend.
    filing, resume, crew = _held(dossier, applicant, ny(2026, 12, 1, 10, 0), ny(2026, 12, 8, 9, 0))
    run(filing, resume, ny(2026, 12, 12, 11, 0), crew)
    assert filing.due_at == ny(2026, 12, 14, 23, 59, 59)


def test_a_clock_stopped_when_already_overdue_resumes_as_overdue_by_the_same_working_days(dossier, applicant):
    # Due Tuesday 8 Dec, stopped Thursday 10 Dec: overdue by two working days (9 and 10 Dec). Released on
    # Monday 14 Dec, it is again two working days overdue: due Thursday 10 Dec, and the sweep closes it next.
    filing, resume, crew = _held(dossier, applicant, ny(2026, 12, 1, 10, 0), ny(2026, 12, 10, 9, 0))
    run(filing, resume, ny(2026, 12, 14, 11, 0), crew)
    assert filing.due_at == ny(2026, 12, 10, 23, 59, 59)


def test_a_resumed_clock_skips_the_un_headquarters_holidays(dossier, applicant):
    # Window opened Monday 16 Mar 2026: due Tuesday 24 Mar, as Eid al-Fitr (Friday 20 Mar) is a UN HQ holiday.
    # Stopped Tuesday 17 Mar with 4 working days left (18, 19, 23 and 24 Mar), released Tuesday 31 Mar:
    # Wednesday 1, Thursday 2, Monday 6 (Good Friday, 3 Apr, is a holiday) and Tuesday 7 Apr.
    filing, resume, crew = _held(dossier, applicant, ny(2026, 3, 16, 10, 0), ny(2026, 3, 17, 10, 0))
    assert filing.paused_due_at == ny(2026, 3, 24, 23, 59, 59)
    run(filing, resume, ny(2026, 3, 31, 10, 0), crew)
    assert filing.due_at == ny(2026, 4, 7, 23, 59, 59)


# --- the property: every working-day deadline lands on a working day of the authority's calendar ----

# BIS's review counts calendar days from registration (tests/test_bis.py): it has no working-day clock to stop.
AUTHORITY_CODES = ["UN1718", "OFAC", "EU", "UK-OFSI", "UK-ECJU"]
START = dt.datetime(2025, 1, 1, tzinfo=UTC)
MINUTES_TO_MID_2027 = int((dt.datetime(2027, 6, 30, tzinfo=UTC) - START).total_seconds() // 60)

pauses = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=10 * 24 * 60),  # minutes until the clock stops
        st.integers(min_value=1, max_value=45 * 24 * 60),  # minutes it stays stopped
        st.integers(min_value=0, max_value=5),  # which of the procedure's clock stops
    ),
    min_size=1,
    max_size=3,
)


def _check_working_day_deadline(filing):
    deadline = filing.state.deadline
    if not (deadline and deadline.counts_working_days and filing.due_at):
        return
    tz_name = filing.authority.time_zone
    local = filing.due_at.astimezone(deadlines.zone(tz_name))
    assert local.time() == dt.time(23, 59, 59), filing.due_at
    assert deadlines.is_working_day(local.date(), filing.authority.holiday_calendar), (
        f"{filing.reference} {filing.status} due {local:%a %d %b %Y} on {filing.authority.holiday_calendar}"
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    code=st.sampled_from(AUTHORITY_CODES),
    start_minute=st.integers(min_value=0, max_value=MINUTES_TO_MID_2027),
    pauses=pauses,
)
def test_every_working_day_deadline_lands_on_a_working_day_over_random_pauses(
    org, applicant, code, start_minute, pauses
):
    crew = people(code, applicant)
    procedure = Authority.objects.get(code=code).procedure
    stops = clock_stops(procedure)
    dossier = factories.complete_dossier(org, applicant)
    factories.prerequisites_approved(dossier, code, applicant)
    filing = factories.filing(dossier, code, applicant)
    at = START + dt.timedelta(minutes=start_minute)
    for gap, stopped_for, which in pauses:
        state, stop, resume = stops[which % len(stops)]
        try:
            path = procedure.path_to(state, start=filing.status)
        except ValueError:
            continue  # that clock lies behind the case now (e.g. the review, once the Committee has it)
        for transition in path:
            run(filing, transition, at, crew)
            _check_working_day_deadline(filing)
        at += dt.timedelta(minutes=gap)
        run(filing, stop, at, crew)
        zone = deadlines.zone(filing.authority.time_zone)
        left = deadlines.working_days_between(
            at.astimezone(zone).date(), filing.paused_due_at.astimezone(zone).date(), filing.authority.holiday_calendar
        )
        at += dt.timedelta(minutes=stopped_for)
        run(filing, resume, at, crew)
        _check_working_day_deadline(filing)
        if left > 0:  # exactly the working days it had left, counted from the day it resumed
            resumed_left = deadlines.working_days_between(
                at.astimezone(zone).date(), filing.due_at.astimezone(zone).date(), filing.authority.holiday_calendar
            )
            assert resumed_left == left


days_2025_to_2027 = st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2027, 12, 31))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    calendar=st.sampled_from(["UN-HQ", "US", "BE", "GB-ENG"]),
    stopped_on=days_2025_to_2027,
    due_in=st.integers(min_value=-15, max_value=90),
    resumed_after=st.integers(min_value=0, max_value=120),
)
def test_remaining_working_days_carried_over_a_pause_always_end_on_a_working_day(
    db, calendar, stopped_on, due_in, resumed_after
):
    due_on = stopped_on + dt.timedelta(days=due_in)
    resumed_on = stopped_on + dt.timedelta(days=resumed_after)
    left = deadlines.working_days_between(stopped_on, due_on, calendar)
    new_due = deadlines.shift_working_days(resumed_on, left, calendar)
    assert deadlines.is_working_day(new_due, calendar)
    if left > 0:
        assert deadlines.working_days_between(resumed_on, new_due, calendar) == left
    elif left == 0:
        assert new_due >= resumed_on and deadlines.working_days_between(resumed_on, new_due, calendar) <= 1
    else:
        assert new_due < resumed_on


def test_zero_working_days_is_the_first_working_day_from_the_start_on(db):
    assert deadlines.add_working_days(dt.date(2026, 4, 3), 0, "UN-HQ") == dt.date(2026, 4, 6)  # Good Friday → Monday
    assert deadlines.add_working_days(dt.date(2026, 4, 2), 0, "UN-HQ") == dt.date(2026, 4, 2)
