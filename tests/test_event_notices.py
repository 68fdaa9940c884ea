"""Event notices (who hears about a transition), the daily digest, opting out, and a Redis outage during a
transition: the transition commits, nothing is lost, the notice goes out with the next sweep."""

import datetime as dt
import re
import subprocess
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from exemptions import engine, notifications
from exemptions.models import Event, OutgoingEmail, Profile, Role
from tests import factories, live

NY = ZoneInfo("America/New_York")


@pytest.fixture
def transitions(django_capture_on_commit_callbacks, eager_celery):
    """Run a transition as a request would: commit, then the on-commit hook queues (here: runs) the notices."""

    def run(filing, action, by, note="", **payload):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            engine.apply(filing, action, by, note, None, **payload)
        return {m.to[0]: m for m in mail.outbox}

    return run


def test_submission_tells_the_authoritys_reviewers_only(transitions, dossier, applicant, reviewer_ofac, staff_ofac):
    reviewer_un = factories.authority_member("UN1718", Role.REVIEWER)
    filing = factories.filing(dossier, "OFAC", applicant)
    emails = transitions(filing, "submit", applicant)
    assert list(emails) == [reviewer_ofac.email]
    assert reviewer_un.email not in emails and staff_ofac.email not in emails
    email = emails[reviewer_ofac.email]
    assert filing.reference in email.subject and f"/filings/{filing.reference}/" in email.body


def test_information_request_tells_every_member_of_the_applicant_organization_with_the_question(
    transitions, dossier, applicant, org, reviewer_ofac
):
    colleague = factories.applicant_of(org, "applicant2")
    Profile.objects.create(user=colleague, time_zone="Asia/Seoul")
    filing = factories.submitted_filing(dossier, "OFAC", applicant)
    engine.apply(filing, "take", reviewer_ofac)
    emails = transitions(filing, "request_information", reviewer_ofac, "Which hospitals receive the syringes?")
    assert sorted(emails) == sorted([applicant.email, colleague.email])
    body = emails[colleague.email].body
    assert "Which hospitals receive the syringes?" in body
    local_due = filing.due_at.astimezone(ZoneInfo("Asia/Seoul"))
    assert f"Reply due: {local_due:%A} {local_due.day} {local_due:%B %Y, %H:%M} KST" in body
    assert (
        emails[colleague.email].subject
        == f"Reply needed by {local_due.day} {local_due:%b, %H:%M} KST ({filing.reference}): Information requested — your reply is needed"
    )


def test_response_tells_the_assigned_reviewer_not_the_others(transitions, dossier, applicant, reviewer_ofac):
    other_reviewer = factories.authority_member("OFAC", Role.REVIEWER)
    filing = factories.submitted_filing(dossier, "OFAC", applicant)
    engine.apply(filing, "take", reviewer_ofac)
    engine.apply(filing, "request_information", reviewer_ofac, "Which hospitals?")
    emails = transitions(filing, "respond", applicant, "Sariwon and Haeju.")
    assert list(emails) == [reviewer_ofac.email]
    assert other_reviewer.email not in emails


def test_approval_tells_the_applicant_the_decision_and_validity(transitions, dossier, applicant, reviewer_ofac):
    filing = factories.submitted_filing(dossier, "OFAC", applicant)
    engine.apply(filing, "take", reviewer_ofac)
    emails = transitions(
        filing,
        "approve",
        reviewer_ofac,
        valid_from_on="2026-12-01",
        valid_until_on="2027-11-30",
        authority_reference="DPRK-EIN-2026-123",
        conditions="Report each shipment.",
    )
    email = emails[applicant.email]
    assert "Approved" in email.subject
    assert "Valid from 1 December 2026 until 30 November 2027" in email.body
    assert "DPRK-EIN-2026-123" in email.body and "Report each shipment." in email.body
    assert "Valid from 1 December 2026 until 30 November 2027" in email.alternatives[0][0]


def test_denial_tells_the_applicant_the_reasons(transitions, dossier, applicant, reviewer_ofac):
    filing = factories.submitted_filing(dossier, "OFAC", applicant)
    engine.apply(filing, "take", reviewer_ofac)
    emails = transitions(filing, "deny", reviewer_ofac, reasons="End-user assurances are insufficient.")
    assert "Denied" in emails[applicant.email].subject
    assert "Reasons: End-user assurances are insufficient." in emails[applicant.email].body


def test_users_who_turned_event_emails_off_get_none_but_still_get_their_deadline_reminders(
    transitions, dossier, applicant, reviewer_ofac
):
    Profile.objects.create(user=applicant, wants_event_emails=False)
    filing = factories.submitted_filing(dossier, "OFAC", applicant)
    engine.apply(filing, "take", reviewer_ofac)
    assert transitions(filing, "request_information", reviewer_ofac, "Which hospitals?") == {}
    with time_machine.travel(filing.due_at + dt.timedelta(seconds=1), tick=False):
        mail.outbox.clear()
        notifications.sweep()
    assert [m.to for m in mail.outbox] == [[applicant.email]]
    assert "Overdue" in mail.outbox[0].subject and "cannot be turned off" in mail.outbox[0].body


def test_a_notice_is_sent_once_even_when_the_task_is_redelivered_and_the_sweep_runs_too(
    transitions, dossier, applicant, reviewer_ofac
):
    filing = factories.submitted_filing(dossier, "OFAC", applicant)
    engine.apply(filing, "take", reviewer_ofac)
    transitions(filing, "request_information", reviewer_ofac, "Which hospitals?")
    event = filing.events.order_by("-sequence").first()
    assert event.notified_at is not None
    mail.outbox.clear()
    notifications.send_event_notices(event.pk)
    notifications.sweep()
    assert [m for m in mail.outbox if m.to == [applicant.email]] == []


def test_stale_unnotified_events_are_marked_without_flooding_anyone(db, dossier, applicant, reviewer_ofac):
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=NY), tick=False) as clock:
        filing = factories.submitted_filing(dossier, "OFAC", applicant)
        clock.move_to(dt.datetime(2026, 3, 9, tzinfo=NY))
        mail.outbox.clear()
        report = notifications.sweep()
    assert report.stale_events == 1
    assert not Event.objects.filter(filing=filing, notified_at=None).exists()
    assert mail.outbox == []


# --- daily digest ------------------------------------------------------------------------------


@pytest.fixture
def overdue_and_due_soon(db, dossier, applicant, reviewer_un, staff_un):
    """Seen from 2 March 2026: one UN filing overdue since February, one due on Friday 6 March; staff in New York."""
    with time_machine.travel(dt.datetime(2026, 2, 2, 10, tzinfo=NY), tick=False):
        overdue = factories.submitted_filing(dossier, "UN1718", applicant)
    with time_machine.travel(dt.datetime(2026, 2, 20, 10, tzinfo=NY), tick=False):
        second = factories.complete_dossier(dossier.organization, applicant, title="Therapeutic food")
        soon = factories.submitted_filing(second, "UN1718", applicant)
    Event.objects.update(notified_at=dt.datetime(2026, 3, 1, tzinfo=NY))
    Profile.objects.create(user=staff_un, time_zone="America/New_York")
    return overdue, soon


def digests_at(moment):
    with time_machine.travel(moment, tick=False):
        mail.outbox.clear()
        notifications.sweep()
    return [m for m in mail.outbox if "daily digest" in m.subject]


def test_daily_digest_lists_overdue_and_due_this_week_work_to_staff_once_a_day(overdue_and_due_soon, staff_un):
    overdue, soon = overdue_and_due_soon
    assert digests_at(dt.datetime(2026, 3, 2, 6, 59, tzinfo=NY)) == []  # before 07:00 in the staff's zone
    [digest] = digests_at(dt.datetime(2026, 3, 2, 7, 0, tzinfo=NY))
    assert digest.to == [staff_un.email]
    assert digest.subject == "UN1718 daily digest: 1 overdue, 1 due this week"
    overdue_part, soon_part = digest.body.split("Due in the next 7 days")
    assert overdue.reference in overdue_part and soon.reference in soon_part
    assert f"/filings/{overdue.reference}/" in digest.alternatives[0][0]
    assert digests_at(dt.datetime(2026, 3, 2, 18, 0, tzinfo=NY)) == []  # once a day
    assert len(digests_at(dt.datetime(2026, 3, 3, 7, 0, tzinfo=NY))) == 1  # and again the next day


def test_the_digest_follows_the_staff_members_zone(overdue_and_due_soon, staff_un):
    Profile.objects.filter(user=staff_un).update(time_zone="Europe/Zurich")
    # 07:00 in Zurich is 01:00 in New York.
    assert digests_at(dt.datetime(2026, 3, 2, 0, 59, tzinfo=NY)) == []
    assert len(digests_at(dt.datetime(2026, 3, 2, 1, 0, tzinfo=NY))) == 1


def test_staff_who_turned_the_digest_off_get_none(overdue_and_due_soon, staff_un):
    Profile.objects.filter(user=staff_un).update(wants_digest=False)
    assert digests_at(dt.datetime(2026, 3, 2, 9, 0, tzinfo=NY)) == []


def test_no_digest_when_nothing_is_overdue_or_due_this_week(db, staff_un):
    assert digests_at(dt.datetime(2026, 3, 2, 9, 0, tzinfo=NY)) == []
    assert not OutgoingEmail.objects.exists()


# --- the email settings page -------------------------------------------------------------------


def test_email_settings_page_needs_a_login(client):
    response = client.get(reverse("email_preferences"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_email_settings_page_saves_choices_with_labels_tied_to_inputs(client, staff_un):
    client.force_login(staff_un)
    page = client.get(reverse("email_preferences")).content.decode()
    for name in ("time_zone", "wants_event_emails", "wants_digest"):
        assert re.search(f'<label[^>]* for="id_{name}"', page) and f'id="id_{name}"' in page
    assert "cannot be turned off" in page
    response = client.post(reverse("email_preferences"), {"time_zone": "Asia/Seoul", "wants_digest": "on"})
    assert response.status_code == 302
    profile = Profile.objects.get(user=staff_un)
    assert (profile.time_zone, profile.wants_event_emails, profile.wants_digest) == ("Asia/Seoul", False, True)


def test_email_settings_refuse_an_unknown_zone_with_a_message(client, applicant):
    client.force_login(applicant)
    response = client.post(reverse("email_preferences"), {"time_zone": "Mars/Olympus", "wants_event_emails": "on"})
    assert response.status_code == 200
    assert "Unknown time zone" in response.content.decode()
    assert Profile.objects.get(user=applicant).time_zone == "UTC"


def test_email_settings_refuse_a_post_without_csrf_token(applicant):
    client = Client(enforce_csrf_checks=True)
    client.force_login(applicant)
    response = client.post(reverse("email_preferences"), {"time_zone": "UTC"})
    assert response.status_code == 403


# --- Redis unreachable during a transition ------------------------------------------------------

TRANSITION_SCRIPT = """
import sys, time
import django
django.setup()
from django.contrib.auth import get_user_model
from exemptions import engine
from exemptions.models import Filing
filing = Filing.objects.select_related("authority", "application").get(pk=int(sys.argv[1]))
reviewer = get_user_model().objects.get(pk=int(sys.argv[2]))
started = time.monotonic()
event = engine.apply(filing, "request_information", reviewer, "Which hospitals receive the syringes?")
print(event.pk, round(time.monotonic() - started, 2))
"""


@pytest.mark.django_db(transaction=True)
def test_redis_unreachable_during_a_transition_commits_it_and_the_sweep_sends_the_notice_later(eager_celery):
    org = factories.organization()
    applicant = factories.applicant_of(org)
    reviewer = factories.authority_member("OFAC", Role.REVIEWER)
    filing = factories.submitted_filing(factories.complete_dossier(org, applicant), "OFAC", applicant)
    engine.apply(filing, "take", reviewer)
    unreachable = f"redis://127.0.0.1:{live.free_port()}/0"
    # The hang guard is generous; the broker settings make the publish give up within a few seconds.
    done = subprocess.run(
        [live.PYTHON, "-c", TRANSITION_SCRIPT, str(filing.pk), str(reviewer.pk)],
        env=live.child_env(CELERY_BROKER_URL=unreachable, REDIS_URL=unreachable),
        cwd=live.ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Could not queue notices" in done.stderr  # the broker really was down
    event = Event.objects.get(pk=int(done.stdout.split()[0]))
    filing.refresh_from_db()
    assert filing.status == "information_requested" and event.notified_at is None
    mail.outbox.clear()
    notifications.sweep()
    assert [m.to for m in mail.outbox] == [[applicant.email]]
    assert "Which hospitals receive the syringes?" in mail.outbox[0].body
    event.refresh_from_db()
    assert event.notified_at is not None


# --- what a notice states, and the one age rule -----------------------------------------------


def test_a_late_notice_states_the_deadline_and_status_of_its_event_not_of_the_filing_now(
    db, dossier, applicant, reviewer_ofac
):
    """The notice of an information request is rendered only after the case has moved on (the broker was
    down, the sweep comes later): it still names the reply deadline, not the approval's expiry."""
    with time_machine.travel(dt.datetime(2026, 12, 1, 10, tzinfo=NY), tick=False) as clock:
        filing = factories.submitted_filing(dossier, "OFAC", applicant)
        engine.apply(filing, "take", reviewer_ofac)
        asked = engine.apply(filing, "request_information", reviewer_ofac, "Which hospitals receive the syringes?")
        reply_due = filing.due_at
        assert asked.due_at == reply_due == dt.datetime(2026, 12, 15, 23, 59, 59, tzinfo=NY)
        clock.shift(dt.timedelta(hours=2))
        engine.apply(filing, "respond", applicant, "Sariwon and Haeju.")
        engine.apply(
            filing, "approve", reviewer_ofac, "", None,
            valid_from_on="2026-12-01", valid_until_on="2027-06-30", authority_reference="DPRK-EIN-2026-7",
        )  # fmt: skip
        assert filing.due_at.date() == dt.date(2027, 6, 30)
        mail.outbox.clear()
        notifications.sweep()
    [request] = [m for m in mail.outbox if "Information requested" in m.subject]
    # 15 December 23:59:59 in New York, in the applicant's zone (UTC: no profile).
    assert request.subject.startswith("Reply needed by 16 Dec, 04:59 UTC")
    assert "Reply due: Wednesday 16 December 2026, 04:59 UTC" in request.body
    assert "2027" not in request.subject and "June 2027" not in request.body
    assert "Status then: Information requested" in request.body
    # The actor of the event, as the applicant reads the authority's steps: the authority, not its official.
    assert 'OFAC recorded "Request information"' in request.body
    assert reviewer_ofac.get_username() not in request.body


def test_the_notice_task_and_the_sweep_apply_the_same_age_rule(db, dossier, applicant, reviewer_ofac, settings):
    settings.EVENT_NOTICE_MAX_AGE = dt.timedelta(hours=48)
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=NY), tick=False) as clock:
        filing = factories.submitted_filing(dossier, "OFAC", applicant)
        engine.apply(filing, "take", reviewer_ofac)
        old = engine.apply(filing, "request_information", reviewer_ofac, "Which hospitals?")
        clock.shift(dt.timedelta(hours=47, minutes=59))
        assert notifications.stale_before(timezone.now()) < old.created_at
        clock.shift(dt.timedelta(minutes=2))
        assert notifications.stale_before(timezone.now()) > old.created_at
        mail.outbox.clear()
        report = notifications.send_event_notices(old.pk)  # the task, redelivered days late
        assert report.stale_events == 1 and mail.outbox == []
        old = Event.objects.get(pk=old.pk)
        assert old.notified_at is not None and not old.notices.exists()
        fresh = engine.apply(filing, "respond", applicant, "Sariwon.")
        clock.shift(dt.timedelta(hours=49))
        report = notifications.sweep()  # the sweep, as late
    assert report.stale_events >= 1 and mail.outbox == []
    assert Event.objects.get(pk=fresh.pk).notified_at is not None


def test_every_transition_the_clock_runs_tells_someone():
    from exemptions import procedures

    for procedure in procedures.PROCEDURES.values():
        for transition in procedure.transitions:
            if transition.trigger:
                assert transition.notice, f"{procedure.key}.{transition.name} would pass unannounced"


def test_a_digest_names_states_and_reviewers_in_words(overdue_and_due_soon, staff_un):
    [digest] = digests_at(dt.datetime(2026, 3, 2, 7, 0, tzinfo=NY))
    assert "Submitted — unassigned" in digest.body and "unassigned" in digest.alternatives[0][0]
    assert "· submitted" not in digest.body and "<td>submitted</td>" not in digest.alternatives[0][0]


def test_a_late_approval_notice_states_the_validity_it_granted_not_a_later_extension(
    db, dossier, applicant, reviewer_ofac
):
    with time_machine.travel(dt.datetime(2026, 12, 1, 10, tzinfo=NY), tick=False):
        filing = factories.submitted_filing(dossier, "OFAC", applicant)
        engine.apply(filing, "take", reviewer_ofac)
        engine.apply(
            filing, "approve", reviewer_ofac, "", None,
            valid_from_on="2026-12-01", valid_until_on="2027-06-30", authority_reference="DPRK-EIN-2026-8",
        )  # fmt: skip
        engine.apply(filing, "request_extension", applicant, "Port congestion.", None, requested_until_on="2027-09-30")
        engine.apply(filing, "approve_extension", reviewer_ofac, "", None, valid_until_on="2027-09-30")
        mail.outbox.clear()
        notifications.sweep()
    approval, extension = sorted(
        (m for m in mail.outbox if m.subject.startswith("Approved, valid until")),
        key=lambda m: int(m.extra_headers["Message-ID"].split(".")[1].split("@")[0]),
    )
    assert approval.subject == f"Approved, valid until 30 Jun 2027 ({filing.reference})"
    assert "Valid from 1 December 2026 until 30 June 2027" in approval.body
    assert extension.subject == f"Approved, valid until 30 Sep 2027 ({filing.reference})"


def test_a_subject_date_names_the_day_in_the_readers_zone_with_the_time_unless_it_is_the_days_end():
    from exemptions.emails import when

    end_of_day_ny = dt.datetime(2026, 12, 15, 23, 59, 59, tzinfo=NY)
    now = dt.datetime(2026, 12, 1, tzinfo=NY)
    assert when(end_of_day_ny, NY, now) == "15 Dec"  # the reader shares the authority's zone
    # Further east the same instant falls the next morning: the subject says so, with the time, never a
    # bare "16 Dec" that would read as the end of that day.
    assert when(end_of_day_ny, ZoneInfo("Asia/Seoul"), now) == "16 Dec, 13:59 KST"
    assert when(end_of_day_ny, ZoneInfo("UTC"), now) == "16 Dec, 04:59 UTC"
    assert when(end_of_day_ny, NY, dt.datetime(2025, 12, 1, tzinfo=NY)) == "15 Dec 2026"  # not this year
    assert when(None, NY, now) == "no date"
