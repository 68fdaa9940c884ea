"""Diversion and loss incidents (issue 19): an incident not reported by its deadline gets exactly one reminder
and one escalation through the sweep and the outbox; a reported one gets nothing more."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from exemptions import monitoring, notifications
from exemptions.models import Authority, OutgoingEmail

from . import factories

NY = ZoneInfo("America/New_York")
INCIDENT = OutgoingEmail.Family.INCIDENT


def ny(*args):
    return dt.datetime(*args, tzinfo=NY)


@pytest.fixture
def clock():
    with time_machine.travel(ny(2026, 3, 2, 10), tick=False) as traveller:
        yield traveller


@pytest.fixture
def incident(clock, dossier, applicant, org):
    colleague = factories.applicant_of(org)
    un = Authority.objects.get(code="UN1718")  # time zone America/New_York, 7 days to report by default
    assert un.incident_report_days == 7
    found = monitoring.record_incident(
        dossier,
        applicant,
        kind="loss",
        description="Four cartons missing on arrival at Nampo.",
        location="Nampo port warehouse",
        item=dossier.items.get().pk,
        quantity=4,
        discovered_on=dt.date(2026, 3, 2),
        authority=un,
    )
    assert found.report_due_on == dt.date(2026, 3, 9)
    return found, applicant, colleague


def sweep_at(clock, moment):
    """The incident emails a sweep at `moment` sent, as (offset, username)."""
    clock.move_to(moment)
    mail.outbox.clear()
    before = set(OutgoingEmail.objects.values_list("pk", flat=True))
    notifications.sweep()
    sent = OutgoingEmail.objects.filter(family=INCIDENT, sent_at__isnull=False).exclude(pk__in=before)
    return sorted((r.offset, r.recipient.get_username()) for r in sent)


def test_an_unreported_incident_gets_exactly_one_reminder_and_one_escalation(clock, incident):
    found, recorder, colleague = incident
    assert sweep_at(clock, ny(2026, 3, 6, 23, 59)) == []  # before the reminder window (2 days before)
    assert sweep_at(clock, ny(2026, 3, 7, 0, 0)) == [("reminder", recorder.username)]
    [email] = mail.outbox
    assert "Report the loss in transit to UN1718 by 9 Mar 2026" in email.subject
    assert sweep_at(clock, ny(2026, 3, 9, 23, 59)) == []  # the last day to report is still open
    escalated = sweep_at(clock, ny(2026, 3, 10, 0, 1))
    assert escalated == sorted([("escalation", recorder.username), ("escalation", colleague.username)])
    assert all(m.subject.startswith("Overdue: report the loss") for m in mail.outbox)
    for later in (ny(2026, 3, 10, 1), ny(2026, 3, 20), ny(2026, 6, 1)):
        assert sweep_at(clock, later) == []
    assert OutgoingEmail.objects.filter(family=INCIDENT, incident=found).count() == 3


def test_a_reported_incident_is_not_chased(clock, incident):
    found, _, _ = incident
    monitoring.mark_incident_reported(found, dt.date(2026, 3, 3))
    for moment in (ny(2026, 3, 7, 9), ny(2026, 3, 12)):
        assert sweep_at(clock, moment) == []


def test_reporting_after_the_reminder_drops_the_escalation_and_unsent_reminders(clock, incident):
    found, recorder, _ = incident
    assert sweep_at(clock, ny(2026, 3, 8)) == [("reminder", recorder.username)]
    monitoring.mark_incident_reported(found, dt.date(2026, 3, 8))
    assert sweep_at(clock, ny(2026, 3, 11)) == []


def test_the_deadline_follows_the_authoritys_setting(clock, dossier, applicant):
    ofac = Authority.objects.get(code="OFAC")
    ofac.incident_report_days = 2
    ofac.save()
    found = monitoring.record_incident(
        dossier,
        applicant,
        kind="diversion",
        description="Rice sold at a market.",
        location="Sariwon",
        discovered_on=dt.date(2026, 3, 2),
        authority=ofac,
    )
    assert found.report_due_on == dt.date(2026, 3, 4)
