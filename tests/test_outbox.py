"""The outbox's delivery guarantee, row by row: a sender that dies mid-send leaves its row in doubt (not
failed), resent under the same Message-ID only after the grace; a soft time limit waits for the row's outcome
and stops the sweep at that boundary; the admin's retry refuses a row being sent; a lease is held by one
sweeper only."""

import datetime as dt
import os
import signal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from billiard import pool as billiard_pool
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.urls import reverse

from exemptions import engine, notifications, outbox
from exemptions.models import OutgoingEmail, Role
from tests import factories

NY = ZoneInfo("America/New_York")
START = dt.datetime(2026, 3, 2, 10, tzinfo=NY)


class Killed(BaseException):
    """Stands for SIGKILL: nothing in the app catches it, and nothing after it runs."""


class DyingBackend(LocmemBackend):
    """Delivers messages; the `die_on`-th one reaches the mail server, then the sender dies before the 250
    is read. With `soft_limit_on`, the soft time limit's signal arrives while that message is being sent."""

    die_on = 0
    soft_limit_on = 0
    handed_over = 0

    def send_messages(self, messages):
        sent = super().send_messages(messages)
        DyingBackend.handed_over += 1
        if DyingBackend.handed_over == DyingBackend.soft_limit_on:
            os.kill(os.getpid(), billiard_pool.SIG_SOFT_TIMEOUT)
        if DyingBackend.handed_over == DyingBackend.die_on:
            raise Killed
        return sent


@pytest.fixture
def dying_smtp(settings):
    settings.EMAIL_BACKEND = "tests.test_outbox.DyingBackend"
    settings.EMAIL_IN_DOUBT_GRACE = dt.timedelta(minutes=5)
    DyingBackend.die_on = DyingBackend.soft_limit_on = DyingBackend.handed_over = 0
    yield DyingBackend


@pytest.fixture
def six_overdue_reminders(db, dossier, applicant):
    """Six reviewers each owed the overdue review reminder of one unassigned OFAC filing."""
    with time_machine.travel(START, tick=False):
        filing = factories.submitted_filing(dossier, "OFAC", applicant)
        reviewers = [factories.authority_member("OFAC", Role.REVIEWER) for _ in range(6)]
        notifications.sweep()  # the submission's notice is not under test
    mail.outbox.clear()
    return filing, reviewers


def overdue_sweep(filing, at):
    with time_machine.travel(at, tick=False):
        return notifications.sweep()


def reminders():
    return list(OutgoingEmail.objects.filter(deadline_kind="review").order_by("id"))


def message_ids():
    return [m.extra_headers["Message-ID"] for m in mail.outbox]


def test_a_sender_dying_mid_send_leaves_the_row_in_doubt_and_it_is_resent_once_under_its_message_id(
    six_overdue_reminders, dying_smtp, settings
):
    filing, _ = six_overdue_reminders
    overdue = filing.due_at + dt.timedelta(minutes=1)
    dying_smtp.die_on = 3
    with pytest.raises(Killed):
        overdue_sweep(filing, overdue)
    rows = reminders()
    assert [r.delivery_state(overdue) for r in rows] == ["sent", "sent", "sending", "queued", "queued", "queued"]
    interrupted = rows[2]
    assert interrupted.error == "" and interrupted.attempts == 1  # not "failed": its outcome is unknown
    assert interrupted.delivery_state(overdue + settings.EMAIL_IN_DOUBT_GRACE) == "in doubt"
    assert len(mail.outbox) == 3  # the mail server has the third one

    # Before the grace has passed it may still be on its way, so nothing of that lease is touched; after
    # it, the rows never started go out and the one in doubt goes out again.
    overdue_sweep(filing, overdue + dt.timedelta(minutes=4))
    assert len(mail.outbox) == 3
    overdue_sweep(filing, overdue + dt.timedelta(minutes=6))
    resent = OutgoingEmail.objects.get(pk=interrupted.pk)
    assert resent.sent_at is not None and resent.attempts == 2 and resent.attempts_in_doubt == 1
    ids = message_ids()
    assert len(ids) == 7 and len(set(ids)) == 6  # one duplicate, of the row in doubt, under its Message-ID
    assert ids.count(outbox.message_id(interrupted)) == 2
    assert all(r.attempts_in_doubt == 0 for r in reminders() if r.pk != interrupted.pk)


def test_a_soft_time_limit_stops_the_sweep_at_a_row_boundary_and_never_marks_an_accepted_message_failed(
    six_overdue_reminders, dying_smtp
):
    filing, _ = six_overdue_reminders
    overdue = filing.due_at + dt.timedelta(minutes=1)
    previous = signal.signal(billiard_pool.SIG_SOFT_TIMEOUT, billiard_pool.soft_timeout_sighandler)  # a pool child
    try:
        dying_smtp.soft_limit_on = 2
        report = overdue_sweep(filing, overdue)
    finally:
        signal.signal(billiard_pool.SIG_SOFT_TIMEOUT, previous)
    assert report.stopped and report.sent == 2 and report.failed == 0
    rows = reminders()
    assert [r.delivery_state(overdue) for r in rows] == ["sent", "sent", "queued", "queued", "queued", "queued"]
    assert all(r.attempts == 0 and r.error == "" for r in rows[2:])  # handed back, not counted as tries
    overdue_sweep(filing, overdue + dt.timedelta(seconds=1))
    assert sorted(message_ids()) == sorted(outbox.message_id(r) for r in rows)  # every one, once


def test_the_admin_retry_refuses_a_row_being_sent_and_retries_one_in_doubt(
    six_overdue_reminders, dying_smtp, client, admin_user
):
    filing, _ = six_overdue_reminders
    dying_smtp.die_on = 1
    overdue = filing.due_at + dt.timedelta(minutes=1)
    with pytest.raises(Killed):
        overdue_sweep(filing, overdue)
    row = reminders()[0]
    url = reverse("admin:exemptions_outgoingemail_changelist")
    client.force_login(admin_user)
    with time_machine.travel(overdue + dt.timedelta(minutes=1), tick=False):
        page = client.get(url).content.decode()
        assert "being sent since" in page
        response = client.post(url, {"action": "retry_now", "_selected_action": [row.pk]}, follow=True)
        assert "not retried: being sent right now" in response.content.decode()
    assert OutgoingEmail.objects.get(pk=row.pk).attempts == 1  # untouched
    with time_machine.travel(overdue + dt.timedelta(minutes=10), tick=False):
        assert "in doubt since" in client.get(url + "?delivery=in_doubt").content.decode()
        client.post(url, {"action": "retry_now", "_selected_action": [row.pk]})
    assert OutgoingEmail.objects.get(pk=row.pk).next_attempt_at == overdue + dt.timedelta(minutes=10)
    overdue_sweep(filing, overdue + dt.timedelta(minutes=10))
    row = OutgoingEmail.objects.get(pk=row.pk)
    assert row.sent_at is not None and row.attempts_in_doubt == 1
    assert message_ids().count(outbox.message_id(row)) == 2


def test_a_lease_is_held_by_one_sweeper(six_overdue_reminders):
    filing, _ = six_overdue_reminders
    overdue = filing.due_at + dt.timedelta(minutes=1)
    with time_machine.travel(overdue, tick=False):
        notifications.claim_due_reminders(overdue, outbox.SweepReport(), notifications.Directory())
        first, second = reminders(), reminders()
        outbox.lease(first, overdue)
        outbox.lease(second, overdue)
    assert len(first) == 6 and second == []
    assert all(r.attempts == 1 for r in reminders())


def test_a_sweep_claims_with_one_insert_and_asks_once_per_authority_who_is_staff(
    db, dossier, applicant, django_assert_max_num_queries
):
    """The sweep's cost per email is rendering plus one UPDATE: no recipient queries, no INSERT per row."""
    with time_machine.travel(START, tick=False):
        reviewer = factories.authority_member("UN1718", Role.REVIEWER)
        factories.authority_member("UN1718", Role.STAFF)
        filings = []
        for _ in range(30):
            filing = factories.submitted_filing(
                factories.complete_dossier(dossier.organization, applicant), "UN1718", applicant
            )
            engine.apply(filing, "take", reviewer)
            filings.append(filing)
        notifications.sweep()
    mail.outbox.clear()
    overdue = max(f.due_at for f in filings) + dt.timedelta(minutes=1)
    with time_machine.travel(overdue, tick=False), django_assert_max_num_queries(120) as queries:
        report = notifications.sweep()
    assert report.sent == 60  # reviewer and staff escalation for each of 30 filings (+ no digest: not 07:00)
    inserts = [
        q["sql"] for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "exemptions_outgoingemail"')
    ]
    assert len(inserts) == 1
    updates = [q for q in queries.captured_queries if q["sql"].startswith('UPDATE "exemptions_outgoingemail"')]
    assert len(updates) <= 60 + 5


def test_a_grace_shorter_than_a_slow_send_is_warned_about(settings):
    settings.EMAIL_TIMEOUT = 20
    settings.EMAIL_IN_DOUBT_GRACE = dt.timedelta(seconds=30)
    [warning] = outbox.check_in_doubt_grace()
    assert warning.id == "exemptions.W002" and "doubled" in warning.msg
    settings.EMAIL_IN_DOUBT_GRACE = dt.timedelta(minutes=5)
    assert outbox.check_in_doubt_grace() == []
