"""Deadline reminders: each kind fires at its offsets (and only then), exactly once, to the right people;
system transitions driven by the sweep; retries; concurrency. The clock is frozen with time-machine and
the expected instants are written out by hand from the calendar, not computed by the code under test."""

import datetime as dt
import smtplib
import threading
from concurrent.futures import ThreadPoolExecutor
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from exemptions import engine, notifications, outbox, procedures, reminder_schedule
from exemptions.models import Authority, Event, Filing, OutgoingEmail, Profile, Role
from tests import factories

NY = ZoneInfo("America/New_York")
SECOND = dt.timedelta(seconds=1)
REMINDER = OutgoingEmail.Family.REMINDER


def ny(*args):
    return dt.datetime(*args, tzinfo=NY)


@pytest.fixture
def clock():
    # Monday 2 March 2026, 10:00 in New York: no US holiday falls in the working days used below.
    with time_machine.travel(ny(2026, 3, 2, 10), tick=False) as traveller:
        yield traveller


def sweep_at(clock, moment):
    """Run the sweep at `moment` and return the deadline reminders it sent, as (deadline, offset, recipient)."""
    clock.move_to(moment)
    mail.outbox.clear()
    before = set(OutgoingEmail.objects.filter(sent_at__isnull=False).values_list("pk", flat=True))
    notifications.sweep()
    sent = OutgoingEmail.objects.filter(sent_at__isnull=False, family=REMINDER).exclude(pk__in=before)
    return sorted((r.deadline_kind, r.offset, r.recipient.get_username()) for r in sent)


def assert_fires_only_at(clock, moment, expected):
    """Nothing of the kind a second before `moment`; exactly `expected` at it; nothing on a second sweep."""
    assert sweep_at(clock, moment - SECOND) == []
    assert sweep_at(clock, moment) == sorted(expected)
    emails = list(mail.outbox)
    assert sweep_at(clock, moment) == []
    return emails


@pytest.fixture
def ofac_information_requested(clock, dossier, applicant, reviewer_ofac):
    filing = factories.submitted_filing(dossier, "OFAC", applicant)
    engine.apply(filing, "take", reviewer_ofac)
    engine.apply(filing, "request_information", reviewer_ofac, "Which hospitals receive the syringes?")
    return filing


def test_reply_reminders_fire_at_five_and_one_working_days_before_and_when_overdue(
    clock, ofac_information_requested, applicant, org
):
    colleague = factories.applicant_of(org, "applicant2")
    filing = ofac_information_requested
    # 10 working days from Mon 2 March: Mon 16 March, end of day in New York.
    assert filing.due_at == ny(2026, 3, 16, 23, 59, 59)
    everyone = [applicant.username, colleague.username]
    assert_fires_only_at(clock, ny(2026, 3, 9), [("reply", "T-5wd", u) for u in everyone])  # Mon 9 March
    assert_fires_only_at(clock, ny(2026, 3, 13), [("reply", "T-1wd", u) for u in everyone])  # Fri 13 March
    assert_fires_only_at(clock, ny(2026, 3, 16, 23, 59, 59), [("reply", "overdue", u) for u in everyone])
    assert sweep_at(clock, ny(2026, 4, 20)) == []  # overdue is said once per deadline


def test_reminder_email_names_the_deadline_in_the_recipients_zone_and_links_to_the_case(
    clock, ofac_information_requested, applicant, settings
):
    settings.SITE_URL = "https://clearance.example.org"
    Profile.objects.create(user=applicant, time_zone="Asia/Tokyo")
    sweep_at(clock, ny(2026, 3, 9))
    [email] = [m for m in mail.outbox if m.to == [applicant.email]]
    reference = ofac_information_requested.reference
    # 16 March 23:59:59 in New York is 17 March 12:59 in Tokyo: the subject says what to do and by when, there.
    assert email.subject == f"Reply needed by 17 Mar, 12:59 JST ({reference})"
    assert "Tuesday 17 March 2026, 12:59 JST" in email.body
    assert f"https://clearance.example.org/filings/{reference}/" in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html" and f'href="https://clearance.example.org/filings/{reference}/"' in html


def test_review_sla_reminds_the_reviewer_two_working_days_before_and_escalates_to_staff_when_overdue(
    clock, dossier, applicant, reviewer_un, staff_un
):
    filing = factories.submitted_filing(dossier, "UN1718", applicant)
    engine.apply(filing, "take", reviewer_un)
    assert filing.due_at == ny(2026, 3, 16, 23, 59, 59)  # 10 working days on the US-NY calendar
    assert_fires_only_at(clock, ny(2026, 3, 12), [("review", "T-2wd", "reviewer-un")])
    emails = assert_fires_only_at(
        clock, ny(2026, 3, 16, 23, 59, 59), [("review", "overdue", "reviewer-un"), ("review", "overdue", "staff-un")]
    )
    [escalation] = [m for m in emails if m.to == [staff_un.email]]
    [own] = [m for m in emails if m.to != [staff_un.email]]
    # Staff are told it is someone else's overdue work, and why they get it; the reviewer that it is theirs.
    assert escalation.subject == f"Escalation: decision needed, overdue since 17 Mar, 03:59 UTC ({filing.reference})"
    assert "Escalation" in escalation.body and "escalation as staff of UN Security Council" in escalation.body
    assert "your own action" not in escalation.body
    assert own.subject.startswith("Overdue since 17 Mar, 03:59 UTC: decision needed")
    assert "Escalation" not in own.body and "your own action" in own.body


def test_unassigned_filing_reminds_every_reviewer_of_the_authority(clock, dossier, applicant, reviewer_un):
    second = factories.authority_member("UN1718", Role.REVIEWER, "reviewer-un-2")
    factories.submitted_filing(dossier, "UN1718", applicant)
    assert sweep_at(clock, ny(2026, 3, 12)) == [
        ("review", "T-2wd", "reviewer-un"),
        ("review", "T-2wd", second.username),
    ]


def test_end_of_no_objection_period_notifies_staff_and_proposes_approval_as_the_system(
    clock, dossier, applicant, reviewer_un, staff_un
):
    filing = factories.submitted_filing(dossier, "UN1718", applicant)
    engine.apply(filing, "take", reviewer_un)
    engine.apply(filing, "circulate", reviewer_un)
    assert filing.due_at == ny(2026, 3, 9, 23, 59, 59)  # 5 working days
    assert_fires_only_at(
        clock, ny(2026, 3, 6), [("no_objection", "T-1wd", "reviewer-un"), ("no_objection", "T-1wd", "staff-un")]
    )
    assert sweep_at(clock, ny(2026, 3, 9, 23, 59, 58)) == []
    filing.refresh_from_db()
    assert filing.status == "no_objection_period"
    # No separate "overdue" reminder: the transition the clock runs tells staff, by its own event notice.
    assert sweep_at(clock, ny(2026, 3, 9, 23, 59, 59)) == []
    filing.refresh_from_db()
    assert filing.status == "approval_proposed"
    last = filing.events.order_by("-sequence").first()
    assert (last.action, last.actor_label, last.actor) == ("propose_approval", "system", None)
    [notice] = mail.outbox
    assert notice.to == [staff_un.email]
    assert notice.subject.startswith("Confirm the proposed approval by ") and filing.reference in notice.subject
    assert "automatically" in notice.body


def test_approval_expiry_reminders_at_60_30_and_7_days_with_an_extension_link_then_expiry_and_report(
    clock, dossier, applicant, reviewer_ofac
):
    filing = factories.approved_filing(dossier, "OFAC", applicant, dt.date(2026, 3, 2), dt.date(2026, 6, 30))
    assert_fires_only_at(clock, ny(2026, 5, 1), [("expiry", "T-60d", "applicant")])
    assert_fires_only_at(clock, ny(2026, 5, 31), [("expiry", "T-30d", "applicant")])
    [email] = assert_fires_only_at(clock, ny(2026, 6, 23), [("expiry", "T-7d", "applicant")])
    assert f"/filings/{filing.reference}/#request_extension" in email.body
    assert sweep_at(clock, ny(2026, 6, 30, 23, 59, 58)) == []
    filing.refresh_from_db()
    assert filing.status == "approved"
    assert sweep_at(clock, ny(2026, 7, 1)) == []  # no "expired" reminder: the approval simply expires
    filing.refresh_from_db()
    assert filing.status == "expired"
    [expired] = mail.outbox  # the expiry's own notice says what comes next (applicant's zone: UTC)
    assert (
        expired.subject
        == f"Delivery report needed by 31 Jul, 03:59 UTC ({filing.reference}): Expired — delivery report due"
    )
    assert "Delivery report due: Friday 31 July 2026, 03:59 UTC" in expired.body
    assert filing.events.order_by("-sequence").first().actor_label == "system"
    assert filing.due_at == ny(2026, 7, 30, 23, 59, 59)  # report due 30 calendar days after validity ends
    assert_fires_only_at(clock, ny(2026, 7, 16), [("report", "T-14d", "applicant")])
    assert_fires_only_at(clock, ny(2026, 7, 30, 23, 59, 59), [("report", "overdue", "applicant")])


def test_a_deadline_first_seen_late_gets_the_latest_reminder_not_a_belated_earlier_one(
    clock, ofac_information_requested
):
    assert sweep_at(clock, ny(2026, 3, 14)) == [("reply", "T-1wd", "applicant")]
    assert sweep_at(clock, ny(2026, 3, 15)) == []


def test_an_extended_deadline_earns_fresh_reminders(clock, dossier, applicant, reviewer_ofac):
    filing = factories.approved_filing(dossier, "OFAC", applicant, dt.date(2026, 3, 2), dt.date(2026, 6, 30))
    assert sweep_at(clock, ny(2026, 5, 1)) == [("expiry", "T-60d", "applicant")]
    engine.apply(filing, "request_extension", applicant, "Port congestion.", None, requested_until_on="2026-09-30")
    engine.apply(filing, "approve_extension", reviewer_ofac, "", None, valid_until_on="2026-09-30")
    assert sweep_at(clock, ny(2026, 5, 2)) == []
    assert_fires_only_at(clock, ny(2026, 8, 1), [("expiry", "T-60d", "applicant")])  # 60 days before 30 September
    assert OutgoingEmail.objects.filter(filing=filing, deadline_kind="expiry", offset="T-60d").count() == 2


@pytest.mark.parametrize("end", ["withdraw", "deny", "file_report"])
def test_closed_denied_or_withdrawn_filings_get_no_reminders(clock, dossier, applicant, reviewer_ofac, end):
    if end == "file_report":
        filing = factories.approved_filing(dossier, "OFAC", applicant, dt.date(2026, 3, 2), dt.date(2026, 6, 30))
        engine.apply(filing, "file_report", applicant, "All delivered.")
    else:
        filing = factories.submitted_filing(dossier, "OFAC", applicant)
        engine.apply(filing, "take", reviewer_ofac)
        engine.apply(filing, "request_information", reviewer_ofac, "Which hospitals?")
        if end == "withdraw":
            engine.apply(filing, "withdraw", applicant, "Funding moved.")
        else:
            engine.apply(filing, "respond", applicant, "Sariwon.")
            engine.apply(filing, "deny", reviewer_ofac, "", None, reasons="Insufficient end-user assurances.")
    for moment in (ny(2026, 3, 13), ny(2026, 5, 31), ny(2026, 6, 23), ny(2026, 9, 1), ny(2027, 3, 1)):
        assert sweep_at(clock, moment) == []
    assert not OutgoingEmail.objects.exclude(family=OutgoingEmail.Family.EVENT_NOTICE).exists()


def test_a_pre_existing_claim_means_no_email(clock, ofac_information_requested, applicant):
    filing = ofac_information_requested
    # Another sweeper claimed it a moment ago and is sending it right now (its next try is booked ahead).
    OutgoingEmail.objects.create(
        family=REMINDER,
        filing=filing,
        deadline_kind="reply",
        offset="T-5wd",
        due_at=filing.due_at,
        recipient=applicant,
        attempts=1,
        next_attempt_at=ny(2026, 3, 9, 0, 5),
    )
    assert sweep_at(clock, ny(2026, 3, 9)) == []
    assert [m for m in mail.outbox if "Your reply is due" in m.subject] == []


def test_each_family_of_email_can_be_claimed_only_once_per_recipient(clock, ofac_information_requested, applicant):
    filing = ofac_information_requested
    event = filing.events.order_by("-sequence").first()
    family = OutgoingEmail.Family

    def claims(**about):
        def row():
            return OutgoingEmail(recipient=applicant, **about)

        return [len(outbox.claim([row()])), len(outbox.claim([row()]))]

    assert claims(family=REMINDER, filing=filing, deadline_kind="reply", offset="T-5wd", due_at=filing.due_at) == [1, 0]
    assert claims(family=family.EVENT_NOTICE, filing=filing, event=event, due_at=event.created_at) == [1, 0]
    authority = Authority.objects.get(code="OFAC")
    assert claims(family=family.DIGEST, authority=authority, due_at=ny(2026, 3, 2, 7)) == [1, 0]
    with pytest.raises(IntegrityError), transaction.atomic():  # without its authority it would escape the constraint
        OutgoingEmail.objects.create(family=family.DIGEST, due_at=ny(2026, 3, 2, 7), recipient=applicant)


class FlakySMTPBackend(LocmemBackend):
    """Refuses the next `failures` messages like an SMTP server that is down, then delivers."""

    failures = 0

    def send_messages(self, messages):
        if FlakySMTPBackend.failures > 0:
            FlakySMTPBackend.failures -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture
def flaky_smtp(settings):
    settings.EMAIL_BACKEND = "tests.test_reminders.FlakySMTPBackend"
    yield FlakySMTPBackend
    FlakySMTPBackend.failures = 0


def test_a_failed_send_is_recorded_and_retried_with_backoff_then_never_sent_again(
    clock, ofac_information_requested, flaky_smtp
):
    flaky_smtp.failures = 1
    assert sweep_at(clock, ny(2026, 3, 9)) == []
    reminder = OutgoingEmail.objects.get(deadline_kind="reply", offset="T-5wd")
    assert reminder.sent_at is None and reminder.attempts == 1
    assert "SMTPServerDisconnected" in reminder.error
    assert reminder.next_attempt_at == ny(2026, 3, 9, 0, 5)  # backoff of 5 minutes
    assert sweep_at(clock, ny(2026, 3, 9, 0, 4)) == []  # not before its time
    assert sweep_at(clock, ny(2026, 3, 9, 0, 5)) == [("reply", "T-5wd", "applicant")]
    reminder.refresh_from_db()
    assert (reminder.attempts, reminder.error, reminder.next_attempt_at) == (2, "", None)
    assert sweep_at(clock, ny(2026, 3, 10)) == []


def test_retries_are_bounded_and_visible_in_the_admin(
    clock, ofac_information_requested, flaky_smtp, client, admin_user
):
    flaky_smtp.failures = 100
    for minutes in (0, 5, 20, 65, 200, 1000, 5000):
        sweep_at(clock, ny(2026, 3, 9) + dt.timedelta(minutes=minutes))
    reminder = OutgoingEmail.objects.get(deadline_kind="reply", offset="T-5wd")
    assert reminder.attempts == 5 and reminder.sent_at is None and reminder.next_attempt_at is None
    assert flaky_smtp.failures == 100 - 5
    client.force_login(admin_user)  # now: days of frozen clock have passed, longer than a session lasts
    page = client.get(reverse("admin:exemptions_outgoingemail_changelist")).content.decode()
    assert "Delivery" in page and "gave up after 5 attempts" in page
    # Once the mail server is fixed, an operator sends it again from the admin.
    flaky_smtp.failures = 0
    client.post(
        reverse("admin:exemptions_outgoingemail_changelist"), {"action": "retry_now", "_selected_action": [reminder.pk]}
    )
    assert sweep_at(clock, ny(2026, 3, 12, 12)) == [("reply", "T-5wd", "applicant")]


def test_a_reminder_whose_deadline_moved_before_its_retry_is_dropped(
    clock, ofac_information_requested, applicant, flaky_smtp
):
    flaky_smtp.failures = 1
    sweep_at(clock, ny(2026, 3, 9))
    engine.apply(ofac_information_requested, "respond", applicant, "Sariwon and Haeju.")
    assert sweep_at(clock, ny(2026, 3, 9, 1)) == []
    reminder = OutgoingEmail.objects.get(deadline_kind="reply", offset="T-5wd")
    assert reminder.sent_at is None and reminder.error.startswith("Not sent:")


def test_an_authority_can_override_the_schedule(clock, ofac_information_requested, settings):
    authority = Authority.objects.get(code="OFAC")
    authority.reminder_schedule = {"reply": {"working_days_before": [3], "overdue": False}}
    authority.full_clean()
    authority.save()
    assert sweep_at(clock, ny(2026, 3, 9)) == []
    assert sweep_at(clock, ny(2026, 3, 11)) == [("reply", "T-3wd", "applicant")]  # Wed 11 March
    assert sweep_at(clock, ny(2026, 3, 17)) == []


def test_settings_can_override_the_schedule(clock, ofac_information_requested, settings):
    settings.REMINDER_SCHEDULE = {"reply": {"working_days_before": [2]}}
    assert sweep_at(clock, ny(2026, 3, 9)) == []
    assert sweep_at(clock, ny(2026, 3, 12)) == [("reply", "T-2wd", "applicant")]


def test_every_deadline_of_every_workflow_has_its_wording_and_a_default_schedule():
    kinds = {s.deadline.kind for wf in procedures.PROCEDURES.values() for s in wf.states if s.deadline}
    assert kinds <= set(reminder_schedule.DEADLINE_WORDING) & set(reminder_schedule.DEFAULT_REMINDER_SCHEDULE)


@pytest.mark.parametrize(
    "schedule",
    [
        {"nap": {"overdue": True}},
        {"reply": {"working_days_before": "five"}},
        {"reply": {"working_days_before": [0]}},
        {"reply": {"to": ["everyone"]}},
        {"reply": {"when": "soon"}},
        ["reply"],
    ],
)
def test_a_malformed_authority_schedule_is_refused_with_a_clear_error(db, schedule):
    authority = Authority.objects.get(code="OFAC")
    authority.reminder_schedule = schedule
    with pytest.raises(ValidationError) as error:
        authority.full_clean()
    assert "reminder_schedule" in error.value.message_dict


def test_send_reminders_command_runs_the_sweep_and_prints_a_summary(clock, ofac_information_requested, capsys):
    clock.move_to(ny(2026, 3, 9))
    call_command("send_reminders")
    out = capsys.readouterr().out
    assert "Sweep done in" in out and "sent 1," in out and "reply T-5wd 1" in out
    call_command("send_reminders")
    assert "sent 0," in capsys.readouterr().out


def test_each_reminder_kind_costs_one_query_to_find_whatever_the_number_of_filings(
    clock, dossier, applicant, reviewer_ofac, django_assert_max_num_queries
):
    for _ in range(3):
        factories.submitted_filing(factories.complete_dossier(dossier.organization, applicant), "OFAC", applicant)
    clock.move_to(ny(2026, 3, 3))
    notifications.sweep()  # events notified
    schedules = [notifications.schedule_for(a) for a in Authority.objects.all()]
    reminders = {(r.deadline_kind, r.offset) for schedule in schedules for r in reminder_schedule.rules_for(schedule)}
    report = outbox.SweepReport()
    with django_assert_max_num_queries(1 + len(reminders)):
        notifications.claim_due_reminders(ny(2026, 3, 4), report, notifications.Directory())
    assert sum(report.claimed.values()) == 0


# --- concurrency (real transactions on PostgreSQL) ---------------------------------------------


def test_two_concurrent_sweeps_deliver_every_reminder_exactly_once(transactional_db, eager_celery):
    with time_machine.travel(ny(2026, 3, 2, 10), tick=False) as clock:
        org = factories.organization()
        applicants = [factories.applicant_of(org) for _ in range(3)]
        reviewer = factories.authority_member("OFAC", Role.REVIEWER)
        for _ in range(4):
            filing = factories.submitted_filing(factories.complete_dossier(org, applicants[0]), "OFAC", applicants[0])
            engine.apply(filing, "take", reviewer)
            engine.apply(filing, "request_information", reviewer, "Which hospitals?")
        Event.objects.update(notified_at=ny(2026, 3, 2, 10))  # only the reminders are under test here
        clock.move_to(ny(2026, 3, 9))
        mail.outbox.clear()
        start = threading.Barrier(2)

        def run():
            start.wait()  # both sweeps read the same due work before either claims it
            try:
                return notifications.sweep()
            finally:
                connection.close()

        with ThreadPoolExecutor(max_workers=2) as pool:
            reports = [future.result() for future in [pool.submit(run), pool.submit(run)]]
    assert sum(report.sent for report in reports) == 12
    delivered = sorted((m.to[0], m.subject) for m in mail.outbox)
    assert len(delivered) == 4 * 3 == len(set(delivered))
    assert (
        OutgoingEmail.objects.filter(deadline_kind="reply", offset="T-5wd", sent_at__isnull=False, attempts=1).count()
        == 12
    )
    assert Filing.objects.count() == 4
