"""Real faults on real services, Celery and Redis: a worker SIGKILLed in the middle of a sweep, and the broker
stopped and restarted. Each test runs a real `celery worker` process on a throwaway `redis-server` of its own
(so stopping it disturbs nobody) and counts what reaches an SMTP server on loopback."""

import datetime as dt
import os
import random
import signal
import subprocess
import time
from collections import Counter

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from exemptions import engine, outbox, publisher, tasks
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


FILINGS = 30
REVIEWERS = 5  # five overdue reminders per filing, 150 in all (no staff: no daily digest either)
SMTP_DELAY = 0.05  # seconds the mail server spends on each message before its 250, as a busy server does
KILLS = 20


def test_worker_killed_again_and_again_mid_sweep_loses_nothing_and_doubles_only_rows_in_doubt(
    transactional_db, eager_celery, redis_server, workers
):
    """The guarantee under test (exemptions/outbox.py, README "Email delivery"): at least once, and a
    duplicate only for a row left in doubt by a sender killed while handing its message over, at most one
    per kill, always under the row's one Message-ID.

    The mail server keeps every message whose end it received, even when the sender dies before reading the
    250 (as real servers do). A worker is started, sent the sweep task as beat would, and SIGKILLed at a
    random moment of its sending, KILLS times over; then a last worker finishes. Asserted: every reminder
    arrived; each message that arrived twice belongs to a row counted in doubt (attempts_in_doubt) and seen
    mid-send after a kill; no more duplicates than kills. The killed worker's task is not redelivered at once
    (Redis hands unacknowledged tasks back after the visibility timeout, an hour): recovery comes from the
    next sweep, sent here, once the grace (1 s here) has let the rows of the dead lease go.
    """
    with live.smtp_server(delay=SMTP_DELAY) as (inbox, port), live.celery_broker(redis_server.url) as app:
        broker = {
            "CELERY_BROKER_URL": redis_server.url,
            "REMINDER_RETRY_BACKOFF_SECONDS": 1,
            "EMAIL_IN_DOUBT_GRACE_SECONDS": 1,
        }
        worker = live.Worker(port, queue="sweeps", **broker).start()  # boots while the filings are made
        workers.append(worker)
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
        Event.objects.update(notified_at=timezone.now())
        app.conf.task_always_eager = False  # from here on, tasks travel through Redis to the worker
        reminders = OutgoingEmail.objects.filter(deadline_kind="review", offset="overdue")

        seen_in_doubt, kills = set(), 0
        while kills < KILLS:
            worker.wait_ready()
            before = len(inbox.messages)
            send_sweep(worker)
            wanted = before + random.randint(1, 4)
            if not live.wait_for(lambda: len(inbox.messages) >= wanted, timeout=90):  # noqa: B023
                break  # nothing left to send
            time.sleep(random.uniform(0, SMTP_DELAY))  # mid-conversation most of the time
            worker.kill()
            kills += 1
            seen_in_doubt |= set(
                reminders.filter(sent_at=None, send_started_at__isnull=False).values_list("pk", flat=True)
            )
            worker = live.Worker(port, queue="sweeps", **broker).start()
            workers.append(worker)
        assert kills == KILLS, "the sweep ended before every kill: give it more to send"

        worker.wait_ready()
        while reminders.filter(sent_at=None).exists():
            time.sleep(1.1)  # the grace of the last lease
            sweep = send_sweep(worker)
            assert live.wait_for(lambda: worker.finished(sweep), timeout=60), worker.log_text()  # noqa: B023

    rows = {r.pk: r for r in reminders.select_related("recipient")}
    assert len(rows) == FILINGS * REVIEWERS
    received = message_ids(inbox)
    ids = {outbox.message_id(r): r for r in rows.values()}
    assert set(received) == set(ids)  # none lost
    doubled = {mid: n for mid, n in received.items() if n > 1}
    for mid, copies in doubled.items():
        row = ids[mid]
        assert row.pk in seen_in_doubt and copies <= 1 + row.attempts_in_doubt
    assert sum(n - 1 for n in doubled.values()) <= KILLS  # the documented bound: one per kill at most
    assert all(to == [ids[m["Message-ID"]].recipient.email] for to, m in inbox.messages)
    assert not [r for r in rows.values() if r.error]  # a kill is never recorded as a failed send
    print(f"{KILLS} kills, {len(rows)} reminders, {sum(n - 1 for n in doubled.values())} duplicates")


def test_redis_stopped_and_restarted_then_no_notification_is_lost(
    transactional_db, eager_celery, redis_server, workers
):
    """Event notices travel as tasks through Redis; the database records which events were announced
    (Event.notified_at, set when their notices are claimed). Redis is stopped and restarted, losing what was
    queued, as an unpersisted Redis does. The guarantee under test:

    - a notice queued just before the outage is lost with the queue: the next sweep finds its event
      unannounced in the database and sends it;
    - transitions made during the outage commit (the API answers 200, not 500); their notices, which could
      not be queued then, go out once the publisher thread gets through or with the next sweep;
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
        # Published notices wait a moment for others to share their task: this one is in Redis's queue before it stops.
        assert publisher.notice_publisher.drain(3.0)
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
        # The notice queued before the outage was lost with the queue; those of the outage were either kept
        # by the publisher thread until Redis came back or are left to the sweep.
        assert queued.pk in unannounced and unannounced <= {queued.pk, *(e.pk for e in during)}
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


TIMED_TRANSITION_SCRIPT = """
import sys, time
import django
django.setup()
from django.contrib.auth import get_user_model
from django.utils import timezone
from exemptions import deadlines, engine
from exemptions.models import Filing
filing = Filing.objects.select_related("authority", "application").get(pk=int(sys.argv[1]))
reviewer = get_user_model().objects.get(pk=int(sys.argv[2]))
authority = filing.authority
deadlines.working_deadline(timezone.now(), 10, authority.holiday_calendar, authority.time_zone)  # loads holidays
started = time.monotonic()
event = engine.apply(filing, "request_information", reviewer, "Which hospitals receive the syringes?")
print(event.pk, round(time.monotonic() - started, 3))
"""


def test_redis_paused_a_transition_does_not_wait_on_it_and_the_notice_still_goes_out(
    transactional_db, eager_celery, redis_server
):
    """A Redis that accepts connections and never answers (SIGSTOP: a hung or swapped-out server) is the
    worst case for a publisher: every read waits for the socket timeout. The transition publishes from a
    thread of its own (publisher.NoticePublisher), so it commits in well under a second; the notice it could
    not queue goes out with the next sweep. The Redis here is the test's own, never the shared one."""
    from django.core import mail

    from exemptions import notifications

    org = factories.organization()
    applicant = factories.applicant_of(org)
    reviewer = factories.authority_member("OFAC", Role.REVIEWER)
    filing = factories.submitted_filing(factories.complete_dossier(org, applicant), "OFAC", applicant)
    engine.apply(filing, "take", reviewer)
    os.kill(redis_server.process.pid, signal.SIGSTOP)
    try:
        done = subprocess.run(
            [live.PYTHON, "-c", TIMED_TRANSITION_SCRIPT, str(filing.pk), str(reviewer.pk)],
            env=live.child_env(CELERY_BROKER_URL=redis_server.url, REDIS_URL=redis_server.url),
            cwd=live.ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        os.kill(redis_server.process.pid, signal.SIGCONT)
    assert done.returncode == 0, done.stderr
    event_id, seconds = done.stdout.split()
    assert float(seconds) < 1.0, f"the transition waited {seconds} s on a paused Redis"
    event = Event.objects.get(pk=int(event_id))
    filing.refresh_from_db()
    assert filing.status == "information_requested" and event.notified_at is None
    mail.outbox.clear()
    notifications.sweep()
    assert [m.to for m in mail.outbox] == [[applicant.email]]
    print(f"transition with Redis paused: {seconds} s")


SOFT_LIMIT = 2  # seconds: the sweep task's soft time limit in this test


def test_a_soft_time_limit_stops_the_sweep_promptly_and_never_doubles_an_email(
    transactional_db, eager_celery, redis_server, workers
):
    """A prefork worker (where Celery enforces time limits) runs sweeps with a 2 s soft limit over 60
    reminders that take ~6 s to send. Each sweep stops within a message of its limit, records every message
    the mail server accepted as sent (never as failed), hands back the rows it did not start, and the next
    sweeps deliver the rest: every reminder exactly once."""
    with live.smtp_server(delay=0.1) as (inbox, port), live.celery_broker(redis_server.url) as app:
        worker = live.Worker(
            port,
            queue="sweeps",
            pool="prefork",
            CELERY_BROKER_URL=redis_server.url,
        ).start()
        workers.append(worker)
        org = factories.organization()
        applicant = factories.applicant_of(org)
        filings = [
            factories.submitted_filing(factories.complete_dossier(org, applicant), "OFAC", applicant) for _ in range(12)
        ]
        for _ in range(5):
            factories.authority_member("OFAC", Role.REVIEWER)
        Filing.objects.filter(pk__in=[f.pk for f in filings]).update(due_at=timezone.now() - dt.timedelta(hours=1))
        Event.objects.update(notified_at=timezone.now())
        app.conf.task_always_eager = False
        worker.wait_ready()
        reminders = OutgoingEmail.objects.filter(deadline_kind="review", offset="overdue")
        runs = 0
        while runs == 0 or reminders.filter(sent_at=None).exists():
            # The limits travel in the message: the publisher's (beat's) settings set them.
            sweep = tasks.sweep.apply_async(
                queue=worker.queue, soft_time_limit=SOFT_LIMIT, time_limit=SOFT_LIMIT + 60
            ).id
            assert live.wait_for(lambda: worker.finished(sweep), timeout=60), worker.log_text()  # noqa: B023
            runs += 1
            assert not reminders.filter(sent_at=None, send_started_at__isnull=False).exists()  # none left mid-send
            assert len(inbox.messages) == reminders.filter(sent_at__isnull=False).count()
        log = worker.log_text()

    assert runs >= 3 and log.count("stopped early") >= 2
    seconds = [
        float(line.split(" succeeded in ")[1].split("s:")[0]) for line in log.splitlines() if "succeeded in" in line
    ]
    assert max(seconds) < SOFT_LIMIT + 1.0, seconds  # stopped within a message or so of the limit
    assert "SoftTimeLimitExceeded" not in "".join(OutgoingEmail.objects.values_list("error", flat=True))
    received = message_ids(inbox)
    assert received == Counter({outbox.message_id(r): 1 for r in reminders})  # 0 duplicates, 0 lost
    print(f"{runs} sweeps of {SOFT_LIMIT} s; longest ran {max(seconds):.2f} s")
