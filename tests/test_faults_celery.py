"""Real faults on real services, Celery and Redis: a worker SIGKILLed in the middle of a sweep, and the broker
stopped and restarted. Each test runs a real `celery worker` process on a throwaway `redis-server` of its own
(so stopping it disturbs nobody) and counts what reaches an SMTP server on loopback."""

import datetime as dt
import random
import time
from collections import Counter

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from exemptions import engine, outbox, tasks
from exemptions.models import Event, Filing, OutgoingEmail, Role
from tests import factories, live

pytestmark = pytest.mark.faults


@pytest.fixture
def redis_server(tmp_path):
    server = live.RedisServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def workers():
    """Workers a test starts; each is stopped (if still alive) and its log removed afterwards."""
    started = []
    yield started
    for worker in started:
        worker.close()


def message_ids(inbox) -> Counter:
    return Counter(message["Message-ID"] for _, message in inbox.messages)


def send_sweep(worker) -> str:
    """Publish the sweep task as beat does every few minutes; return its task id."""
    return tasks.sweep.apply_async(queue=worker.queue).id


FILINGS = 6
REVIEWERS = 5  # five overdue reminders per filing, 30 in all (no staff: no daily digest either)
SMTP_DELAY = 0.1  # seconds the mail server spends on each message, so that the sweep takes a few seconds


def test_worker_killed_mid_sweep_then_every_reminder_is_delivered_once(
    transactional_db, eager_celery, redis_server, workers
):
    """The guarantee under test (exemptions/outbox.py): each reminder is claimed as one OutgoingEmail row;
    each attempt at sending it is itself claimed (attempts + 1, retry booked) before the SMTP conversation,
    and sent_at is recorded right after the server's 250. So after a SIGKILL at any moment of a sweep:

    - every claimed reminder is delivered (rows never tried go out on the next sweep, the interrupted one
      on its retry), and nothing already recorded as sent is sent again;
    - the one message the worker was sending when it died is sent again only if the mail server had
      accepted it and the worker died before recording sent_at (a window of one database write): that
      send is in doubt, and its resend carries the same Message-ID. The test kills at a random moment and
      asserts exactly this: each reminder exactly once, the in-doubt one (if the kill hit that window)
      exactly twice under one Message-ID.

    The killed worker's task is not redelivered at once (the Redis transport hands unacknowledged tasks
    back after the visibility timeout, an hour): recovery comes from the next beat sweep, sent here.
    """
    with live.smtp_server(delay=SMTP_DELAY) as (inbox, port), live.celery_broker(redis_server.url) as app:
        broker = {"CELERY_BROKER_URL": redis_server.url, "REMINDER_RETRY_BACKOFF_SECONDS": 1}
        first = live.Worker(port, queue="sweeps", **broker).start()  # boots while the filings are made
        workers.append(first)
        org = factories.organization()
        applicant = factories.applicant_of(org)
        filings = [
            factories.submitted_filing(factories.complete_dossier(org, applicant), "OFAC", applicant)
            for _ in range(FILINGS)
        ]
        # Created after the submissions (no notices to send now); nobody is assigned, so every reviewer
        # gets each filing's overdue reminder.
        for _ in range(REVIEWERS):
            factories.authority_member("OFAC", Role.REVIEWER)
        Filing.objects.filter(pk__in=[f.pk for f in filings]).update(due_at=timezone.now() - dt.timedelta(hours=1))
        app.conf.task_always_eager = False  # from here on, tasks travel through Redis to the worker
        first.wait_ready()
        send_sweep(first)

        # Kill at a random moment once the sweep is well into sending: mid-conversation with the mail
        # server most of the time, sometimes while composing or recording.
        due = FILINGS * REVIEWERS
        accepted_before_kill = random.randint(3, due - 10)
        assert live.wait_for(lambda: len(inbox.messages) >= accepted_before_kill, timeout=30), first.log_text()
        time.sleep(random.uniform(0, SMTP_DELAY))
        first.kill()
        time.sleep(2 * SMTP_DELAY)  # the server notices the dead client (and drops its message) by now

        rows = list(OutgoingEmail.objects.filter(deadline_kind="review", offset="overdue").select_related("recipient"))
        assert len(rows) == due  # the sweep claimed everything before it began sending
        received_at_kill = set(message_ids(inbox))
        sent = {outbox.message_id(r) for r in rows if r.sent_at is not None}
        interrupted = [r for r in rows if r.sent_at is None and r.attempts > 0]
        assert 0 < len(sent) < due, "the kill must fall in the middle of the sweep"
        assert len(interrupted) <= 1  # one worker, one message at a time
        in_doubt = {outbox.message_id(r) for r in interrupted} & received_at_kill
        assert received_at_kill == sent | in_doubt  # every accepted message but the one in doubt is recorded

        second = live.Worker(port, queue="sweeps", **broker).start()
        workers.append(second)
        second.wait_ready()
        while OutgoingEmail.objects.filter(deadline_kind="review", offset="overdue", sent_at=None).exists():
            sweep = send_sweep(second)  # beat's next sweep (the interrupted row waits out its retry backoff)
            assert live.wait_for(lambda: second.finished(sweep), timeout=30), second.log_text()  # noqa: B023

    received = message_ids(inbox)
    assert set(received) == {outbox.message_id(r) for r in rows}  # none missing
    assert {mid: n for mid, n in received.items() if n != 1} == dict.fromkeys(in_doubt, 2)
    addressed_to = {outbox.message_id(r): [r.recipient.email] for r in rows}
    assert all(to == addressed_to[message["Message-ID"]] for to, message in inbox.messages)
    attempts = dict(
        OutgoingEmail.objects.filter(deadline_kind="review", offset="overdue").values_list("id", "attempts")
    )
    assert attempts == {r.id: 2 if r in interrupted else 1 for r in rows}


def test_redis_stopped_and_restarted_then_no_notification_is_lost(
    transactional_db, eager_celery, redis_server, workers
):
    """Event notices travel as tasks through Redis; the database records which events were announced
    (Event.notified_at, set when their notices are claimed). Redis is stopped and restarted, losing what was
    queued, as an unpersisted Redis does. The guarantee under test:

    - a notice queued just before the outage is lost with the queue: the next sweep finds its event
      unannounced in the database and sends it;
    - transitions made during the outage commit (the API answers 200, not 500); their notices, which could
      not be queued, go out with the next sweep;
    - the worker busy sending a notice when Redis went away finishes it, once, and reconnects by itself: a
      transition after the restart is announced through the broker again, without a sweep.

    Asserted: every notice reaches the SMTP server exactly once, and every event is marked notified.
    """
    with live.smtp_server() as (inbox, port), live.celery_broker(redis_server.url) as app:
        worker = live.Worker(port, CELERY_BROKER_URL=redis_server.url).start()  # a Redis of its own: default queue
        workers.append(worker)
        org = factories.organization()
        applicant = factories.applicant_of(org)
        filings = [
            factories.submitted_filing(factories.complete_dossier(org, applicant), "OFAC", applicant) for _ in range(5)
        ]
        reviewer = factories.authority_member("OFAC", Role.REVIEWER)  # after the submissions: no notices to send
        for filing in filings:
            engine.apply(filing, "take", reviewer)
        app.conf.task_always_eager = False
        worker.wait_ready()

        def notices_of(event):
            return event.notices.all()

        def ask(filing):
            return engine.apply(filing, "request_information", reviewer, "Which clinics receive the kits?")

        # The worker takes the first notice and is slow to hand it to the mail server; the second notice
        # waits in the queue behind it when Redis goes down.
        inbox.delay = 1.0
        busy = ask(filings[0])
        assert live.wait_for(lambda: inbox.arrived == 1, timeout=15), worker.log_text()
        queued = ask(filings[1])
        redis_server.stop()
        inbox.delay = 0

        client = APIClient()
        client.force_authenticate(reviewer)
        response = client.post(
            f"/api/v1/filings/{filings[2].reference}/actions/request_information/",
            {"note": "Which clinics receive the kits?"},
            format="json",
        )
        assert response.status_code == 200, response.content
        during = [Event.objects.get(filing=filings[2], action="request_information"), ask(filings[3])]
        assert not Event.objects.filter(pk__in=[e.pk for e in during], notified_at__isnull=False).exists()

        redis_server.start()
        after = ask(filings[4])
        assert live.wait_for(lambda: notices_of(after).filter(sent_at__isnull=False).exists()), worker.log_text()
        unannounced = set(Event.objects.filter(notified_at=None).values_list("pk", flat=True))
        assert unannounced == {queued.pk, *(e.pk for e in during)}
        sweep = tasks.sweep.delay()  # as beat does every few minutes
        assert live.wait_for(lambda: worker.finished(sweep.id), timeout=30), worker.log_text()
        assert worker.process.poll() is None  # the same worker process throughout, reconnected

    events = [busy, queued, *during, after]
    rows = list(OutgoingEmail.objects.filter(event__action="request_information"))
    assert sorted(r.filing_id for r in rows) == sorted(e.filing_id for e in events)
    assert all(r.sent_at is not None and r.attempts == 1 for r in rows)
    assert message_ids(inbox) == Counter({outbox.message_id(r): 1 for r in rows})
    assert all(to == [applicant.email] for to, _ in inbox.messages)
    assert not Event.objects.filter(pk__in=[e.pk for e in events], notified_at=None).exists()
