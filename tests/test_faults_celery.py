"""Real faults on real services, Celery and Redis: a worker SIGKILLed in the middle of a sweep, and the broker
stopped and restarted. Each test runs a real `celery worker` process on a throwaway `redis-server` of its own
(so stopping it disturbs nobody) and counts what reaches an SMTP server on loopback."""

import datetime as dt
import random
import time
from collections import Counter

import pytest
from django.utils import timezone

from exemptions import notifications, tasks
from exemptions.models import Filing, Reminder, Role
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


FILINGS = 40
SMTP_DELAY = 0.1  # seconds the mail server spends on each message: the sweep takes FILINGS × this to send


def test_worker_killed_mid_sweep_then_every_reminder_is_delivered_once(
    transactional_db, eager_celery, redis_server, workers
):
    """The guarantee under test (exemptions/notifications.py): each reminder is claimed as one Reminder row;
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
    reviewer = factories.authority_member("OFAC", Role.REVIEWER)
    org = factories.organization()
    applicant = factories.applicant_of(org)
    filings = [
        factories.submitted_filing(factories.complete_dossier(org, applicant), "OFAC", applicant)
        for _ in range(FILINGS)
    ]
    # Every review deadline passed an hour ago: the sweep owes the reviewer one overdue reminder per filing.
    Filing.objects.filter(pk__in=[f.pk for f in filings]).update(due_at=timezone.now() - dt.timedelta(hours=1))
    with live.smtp_server(delay=SMTP_DELAY) as (inbox, port), live.celery_broker(redis_server.url) as app:
        app.conf.task_always_eager = False
        broker = {"CELERY_BROKER_URL": redis_server.url, "REMINDER_RETRY_BACKOFF_SECONDS": 1}
        first = live.Worker(port, queue="sweeps", **broker).start()
        workers.append(first)
        first.wait_ready()
        send_sweep(first)

        # Kill at a random moment once the sweep is well into sending: mid-conversation with the mail
        # server most of the time, sometimes while composing or recording.
        accepted_before_kill = random.randint(5, FILINGS - 10)
        assert live.wait_for(lambda: len(inbox.messages) >= accepted_before_kill, timeout=30), first.log_text()
        time.sleep(random.uniform(0, SMTP_DELAY))
        first.kill()
        time.sleep(2 * SMTP_DELAY)  # the server notices the dead client (and drops its message) by now

        rows = list(Reminder.objects.filter(kind="review:overdue", recipient=reviewer))
        assert len(rows) == FILINGS  # the sweep claimed everything before it began sending
        received_at_kill = message_ids(inbox)
        sent = [r for r in rows if r.sent_at is not None]
        interrupted = [r for r in rows if r.sent_at is None and r.attempts > 0]
        assert 0 < len(sent) < FILINGS, "the kill must fall in the middle of the sweep"
        assert len(interrupted) <= 1  # one worker, one message at a time
        in_doubt = {notifications.message_id(r) for r in interrupted} & set(received_at_kill)
        assert {notifications.message_id(r) for r in sent} <= set(received_at_kill)
        assert set(received_at_kill) == {notifications.message_id(r) for r in sent} | in_doubt

        second = live.Worker(port, queue="sweeps", **broker).start()
        workers.append(second)
        second.wait_ready()

        def all_sent():
            if not Reminder.objects.filter(kind="review:overdue", sent_at=None).exists():
                return True
            send_sweep(second)  # beat's next sweep (the interrupted row waits out its retry backoff)
            return False

        assert live.wait_for(all_sent, timeout=30, interval=1.5), second.log_text()

    received = message_ids(inbox)
    assert set(received) == {notifications.message_id(r) for r in rows}  # none missing
    assert {mid: n for mid, n in received.items() if n != 1} == dict.fromkeys(in_doubt, 2)
    assert all(to == [reviewer.email] for to, _ in inbox.messages)
    attempts = dict(Reminder.objects.filter(kind="review:overdue").values_list("id", "attempts"))
    assert attempts == {r.id: 2 if r in interrupted else 1 for r in rows}
