"""`manage.py simulate_year` (issue 21): a smoke run of the simulated year passes its invariants, and a
deliberately broken deadline computation stops the run naming the invariant and the filing."""

import datetime as dt
import re
from collections import Counter
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from exemptions import deadlines, engine, notifications, procedures, shipping
from exemptions.models import Authority, Event, Filing, OutgoingEmail, ShipmentLine
from exemptions.services import create_filing
from exemptions.simulation import domain, invariants
from exemptions.simulation.invariants import oracle_cleared
from exemptions.simulation.runner import Simulation, sweep_times
from exemptions.simulation.scenarios import SCENARIOS

from . import factories

# Notices go out on commit, as in production.
simulated = pytest.mark.django_db(transaction=True)


def simulate(tmp_path, **options):
    out = StringIO()
    call_command("simulate_year", no_progress=True, report=str(tmp_path / "SIMULATION.md"), stdout=out, **options)
    return out.getvalue()


@simulated
def test_a_thirty_application_season_keeps_every_invariant(tmp_path):
    # Daytime sweeps once a day (each authority's midnight its own while it has work): the sweep is most of the cost.
    said = simulate(tmp_path, apps=30, days=120, seed=7, sweep_every=24)

    assert re.search(r"30 applications, \d+ filings, 120 days, \d+ sweeps, \d+ invariant checks passed", said)
    filings = Filing.objects.filter(reference__isnull=False)
    assert filings.exclude(submitted_at=None).count() >= 30  # cases were filed …
    assert filings.exclude(decided_at=None).count() >= 10  # … and decided, through the engine's events
    assert Event.objects.filter(actor=None).exists()  # the clock moved some (end of a no-objection period)
    assert OutgoingEmail.objects.filter(family=OutgoingEmail.Family.REMINDER, sent_at__isnull=False).exists()
    report = (tmp_path / "SIMULATION.md").read_text()
    for name in invariants.INVARIANTS:
        assert name in report
    checked = dict(re.findall(r"^\| (.+?) \| (\d+) \| 0 \|$", report, re.M))
    assert int(checked[invariants.EXACTLY_ONCE]) > 0 and int(checked[invariants.WORKING_DAY]) > 0
    assert int(checked[invariants.CLEARED]) > 0
    assert "UN1718" in report and (tmp_path / "SIMULATION-decisions.svg").read_text().startswith("<svg")


@simulated
def test_a_deadline_on_a_weekend_stops_the_run_naming_the_invariant_and_the_filing(tmp_path, monkeypatch):
    def lands_on_saturday(start, days, calendar, tz_name):
        day = start.astimezone(deadlines.zone(tz_name)).date() + dt.timedelta(days=days)
        return deadlines.end_of_day(day + dt.timedelta(days=(5 - day.weekday()) % 7), tz_name)

    monkeypatch.setattr(deadlines, "working_deadline", lands_on_saturday)

    with pytest.raises(CommandError) as broken:
        simulate(tmp_path, apps=4, days=10, seed=3)

    message = str(broken.value)
    assert invariants.WORKING_DAY in message
    reference = re.search(r"filing (\S+):", message).group(1)
    assert Filing.objects.filter(reference=reference).exists()
    assert "Sat" in message and re.search(r"simulated day \d+", message)
    assert broken.value.returncode != 0


def test_the_cleared_to_ship_oracle_counts_every_day_of_the_window(dossier):
    authority = Authority.objects.get(code="UN1718")
    filing = create_filing(dossier, authority, dossier.created_by)
    today = dossier.ship_from_on
    assert oracle_cleared(dossier, today) is False  # filed nowhere yet
    granted = procedures.states_where(grants_validity=True)[0]
    Filing.objects.filter(pk=filing.pk).update(
        status=granted, valid_from_on=today, valid_until_on=dossier.ship_until_on - dt.timedelta(days=1)
    )
    assert oracle_cleared(dossier, today) is False  # one day short
    Filing.objects.filter(pk=filing.pk).update(valid_until_on=dossier.ship_until_on)
    assert oracle_cleared(dossier, today) is True
    assert oracle_cleared(dossier, dossier.ship_until_on + dt.timedelta(days=1)) is False  # the window is over


def test_the_domain_rules_name_a_validity_past_the_cap_and_a_shipment_past_its_approval(dossier, applicant):
    today = dossier.ship_from_on
    approval = factories.approved_filing(dossier, "UN1718", applicant, today, today + dt.timedelta(days=150))
    item = dossier.items.get()
    shipment = shipping.plan_shipment(
        dossier,
        applicant,
        lines=[{"item": item.pk, "quantity": item.quantity}],
        mode="sea",
        planned_departure_on=today + dt.timedelta(days=5),
        planned_arrival_on=today + dt.timedelta(days=9),
    )
    checks = Counter()
    domain.check_validity_caps([Filing.objects.get(pk=approval.pk)], checks, invariants.Violation)
    domain.check_shipments({dossier.pk}, checks, invariants.Violation)
    assert checks[domain.VALIDITY_CAP] == 1 and checks[domain.WITHIN_APPROVAL] == 1

    # Ten months with no justification, and a line beyond the approved quantity: each is named.
    Filing.objects.filter(pk=approval.pk).update(valid_until_on=today + dt.timedelta(days=305))
    with pytest.raises(invariants.Violation) as capped:
        domain.check_validity_caps([Filing.objects.get(pk=approval.pk)], checks, invariants.Violation)
    assert capped.value.invariant == domain.VALIDITY_CAP and capped.value.reference == approval.reference
    ShipmentLine.objects.filter(shipment=shipment).update(quantity=item.quantity + 1)
    with pytest.raises(invariants.Violation) as beyond:
        domain.check_shipments({dossier.pk}, checks, invariants.Violation)
    assert beyond.value.invariant == domain.WITHIN_APPROVAL and "shipped of" in beyond.value.detail


def test_every_scenario_caps_bis_at_ninety_days_and_slows_replies_in_covid():
    for scenario in SCENARIOS.values():
        assert scenario.decision_max_days["BIS"] == 90
    assert SCENARIOS["covid"].late_reply_rate > SCENARIOS["2019"].late_reply_rate
    assert SCENARIOS["2018"].decision_days["UN1718"] == 99 and SCENARIOS["2018"].decision_max_days["UN1718"] == 165


def test_a_day_sweeps_at_noon_utc_after_every_digest_hour_and_after_each_zones_midnight():
    zones = {"America/New_York", "Europe/Brussels", "Europe/London"}
    winter = [(at.hour, zs) for at, zs in sweep_times(dt.datetime(2025, 1, 7, tzinfo=dt.UTC), zones)]
    summer = [(at.hour, zs) for at, zs in sweep_times(dt.datetime(2025, 7, 7, tzinfo=dt.UTC), zones)]
    # The noon sweep always runs (None): 07:05 in New York in winter, after the 07:00 digests everywhere.
    assert winter == [(0, {"Europe/London"}), (5, {"America/New_York"}), (12, None), (23, {"Europe/Brussels"})]
    assert summer == [(4, {"America/New_York"}), (12, None), (22, {"Europe/Brussels"}), (23, {"Europe/London"})]


@pytest.mark.django_db
def test_a_midnight_sweep_is_left_out_only_while_nothing_of_its_zone_is_due(dossier):
    simulation = Simulation(apps=1, days=1, drain=0, seed=1, scenario="2019", progress=False)
    simulation.authorities = {a.code: a for a in Authority.objects.all()}
    eu = simulation.authorities["EU"]
    brussels = frozenset({eu.time_zone})
    filing = create_filing(dossier, eu, dossier.created_by)
    assert not simulation._time_driven(brussels)  # a draft has no deadline

    with_deadline = next(s.name for s in eu.procedure.states if s.deadline and not s.terminal)
    Filing.objects.filter(pk=filing.pk).update(status=with_deadline, due_at=dt.datetime(2025, 3, 3, tzinfo=dt.UTC))
    assert simulation._time_driven(brussels)
    assert not simulation._time_driven(frozenset({"Europe/London"}))  # another zone's authority


def test_the_notification_rule_names_a_late_notice_and_a_window_closed_after_a_missed_sweep(dossier, applicant):
    filing = create_filing(dossier, Authority.objects.get(code="OFAC"), applicant, route=procedures.OFAC_GL.key)
    sent = dt.datetime(2027, 1, 4, 15, tzinfo=dt.UTC)  # 56 days before the shipment starts on 1 March
    with time_machine.travel(sent, tick=False):
        engine.apply(filing, "submit", applicant, "", None, un_basis="un_approval", un_basis_detail="Letter of 2 Jan.")
    filing.refresh_from_db()
    checks = Counter()
    domain.check_notice_lead(filing, sent, checks, invariants.Violation)
    with pytest.raises(invariants.Violation) as late:
        domain.check_notice_lead(filing, dt.datetime(2027, 2, 20, 15, tzinfo=dt.UTC), checks, invariants.Violation)
    assert late.value.invariant == domain.NOTIFICATION_WINDOW and late.value.reference == filing.reference

    window_ends = filing.due_at
    with time_machine.travel(window_ends + dt.timedelta(hours=1), tick=False):
        notifications.sweep()
    cleared = filing.events.order_by("-sequence").first()
    assert cleared.to_status == "notification_cleared"
    domain.check_silence(cleared, window_ends - dt.timedelta(hours=3), checks, invariants.Violation)
    assert checks[domain.NOTIFICATION_WINDOW] == 3  # two notices (one late), one window
    # Had a sweep already run after the window ended, this one closed it late: named.
    with pytest.raises(invariants.Violation) as missed:
        domain.check_silence(cleared, window_ends + dt.timedelta(minutes=5), checks, invariants.Violation)
    assert missed.value.invariant == domain.NOTIFICATION_WINDOW
