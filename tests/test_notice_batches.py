"""Notices of events committed close together are published as one task naming them all (issue 22), and that
task still sends each event's notices exactly once, whatever else fails or is redelivered."""

import queue
import threading
import time

from django.core import mail

from exemptions import engine, notifications, publisher, tasks
from exemptions.models import Event
from tests import factories


def test_events_put_within_the_window_go_out_as_one_task_and_a_later_one_as_the_next(monkeypatch):
    from config.celery import app

    published = []
    monkeypatch.setattr(publisher, "publish_notice_task", lambda *ids: published.append(ids))
    monkeypatch.setitem(app.conf, "task_always_eager", False)  # published from the thread, as in production
    notices = publisher.NoticePublisher(window=0.5)
    for event_id in (11, 12, 13):
        notices.put(event_id)
    assert notices.drain(3.0)
    notices.put(14)
    assert notices.drain(3.0)
    assert published == [(11, 12, 13), (14,)]


def test_a_batch_closes_at_its_limit_and_waits_no_longer_than_its_window():
    pending = queue.Queue()
    for event_id in range(7):
        pending.put(event_id)
    assert publisher.next_batch(pending, 5.0, limit=3) == [0, 1, 2]
    started = time.monotonic()
    assert publisher.next_batch(pending, 0.1, limit=10) == [3, 4, 5, 6]
    assert time.monotonic() - started < 1.0
    later = threading.Timer(0.05, pending.put, args=(7,))
    later.start()
    assert publisher.next_batch(pending, 0.1) == [7]  # the first event of a batch is awaited, however late


def _information_requests(org, applicant, reviewer, count=3):
    """`count` filings each with an information request not yet announced (the test's transaction never commits)."""
    events = []
    for _ in range(count):
        filing = factories.submitted_filing(factories.complete_dossier(org, applicant), "OFAC", applicant)
        engine.apply(filing, "take", reviewer)
        events.append(engine.apply(filing, "request_information", reviewer, "Which hospitals?"))
    return events


def test_one_task_sends_the_notices_of_every_event_it_names_once_even_redelivered(
    db, eager_celery, org, applicant, reviewer_ofac
):
    events = _information_requests(org, applicant, reviewer_ofac)
    mail.outbox.clear()
    tasks.send_event_notices(*[e.pk for e in events])
    assert sorted(m.subject.split("(")[1].split(")")[0] for m in mail.outbox) == sorted(
        e.filing.reference for e in events
    )
    assert all(m.to == [applicant.email] for m in mail.outbox)
    mail.outbox.clear()
    tasks.send_event_notices(*[e.pk for e in events])  # redelivered: nothing goes out twice
    notifications.sweep()
    assert [m for m in mail.outbox if m.to == [applicant.email]] == []


def test_an_event_that_fails_leaves_the_others_sent_and_itself_to_the_sweep(
    db, eager_celery, org, applicant, reviewer_ofac, monkeypatch
):
    events = _information_requests(org, applicant, reviewer_ofac)
    broken = events[1].pk
    real = notifications.send_event_notices

    def failing_once(event_id):
        if event_id == broken:
            raise RuntimeError("the template of this one broke")
        return real(event_id)

    monkeypatch.setattr(notifications, "send_event_notices", failing_once)
    mail.outbox.clear()
    tasks.send_event_notices(*[e.pk for e in events])
    assert [m.to for m in mail.outbox] == [[applicant.email]] * 2
    assert list(Event.objects.filter(notified_at=None, pk__in=[e.pk for e in events])) == [events[1]]
    monkeypatch.setattr(notifications, "send_event_notices", real)
    mail.outbox.clear()
    notifications.sweep()
    to_applicant = [m for m in mail.outbox if m.to == [applicant.email]]
    assert len(to_applicant) == 1 and events[1].filing.reference in to_applicant[0].subject


def test_the_sweep_and_the_notice_task_read_no_frozen_dossier(db, eager_celery, org, applicant, reviewer_ofac):
    """No email reads a filing's snapshot, so the rows read to compose emails leave it in the database."""
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    event = _information_requests(org, applicant, reviewer_ofac, count=1)[0]
    assert event.filing.snapshot  # filed: the dossier is frozen on the row
    mail.outbox.clear()
    with CaptureQueriesContext(connection) as notices:
        tasks.send_event_notices(event.pk)
    with CaptureQueriesContext(connection) as sweep:
        notifications.sweep(event.filing.due_at + dt.timedelta(seconds=1) if event.filing.due_at else timezone.now())
    assert [m.to for m in mail.outbox][:1] == [[applicant.email]]
    assert any("Overdue" in m.subject for m in mail.outbox)  # the reminder was composed from the rows read
    selects = [q["sql"] for q in notices.captured_queries + sweep.captured_queries if q["sql"].startswith("SELECT")]
    assert not [sql for sql in selects if '"exemptions_filing"."snapshot"' in sql]
