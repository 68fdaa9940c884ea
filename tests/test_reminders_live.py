"""End to end with real parts: a `celery -A config worker` process on the Redis of this run, the sweep task
sent through the broker, and the reminder delivered over SMTP to an aiosmtpd server on loopback."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from config.celery import app
from exemptions import engine, tasks
from exemptions.models import Filing, OutgoingEmail, Role
from tests import factories, live
from tests.live import wait_for


@pytest.fixture
def smtp_server():
    with live.smtp_server() as server:
        yield server


@pytest.fixture
def worker(smtp_server):
    """A real Celery worker on its own queue (so stray tasks of other runs never reach it), mailing over SMTP."""
    _, port = smtp_server
    process = live.Worker(port, queue=f"live-{uuid.uuid4().hex[:10]}").start()
    yield process.queue, process.log
    process.close()


def test_sweep_task_through_redis_sends_the_reminder_over_smtp(transactional_db, eager_celery, smtp_server, worker):
    inbox, _ = smtp_server
    queue, log = worker
    org = factories.organization()
    applicant = factories.applicant_of(org)
    reviewer = factories.authority_member("OFAC", Role.REVIEWER)
    filing = factories.submitted_filing(factories.complete_dossier(org, applicant), "OFAC", applicant)
    engine.apply(filing, "take", reviewer)
    engine.apply(filing, "request_information", reviewer, "Which hospitals receive the syringes?")
    # The reply was due an hour ago: the next sweep owes the applicant an "overdue" reminder.
    Filing.objects.filter(pk=filing.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    app.conf.task_always_eager = False  # from here on, tasks travel through Redis to the worker

    tasks.sweep.apply_async(queue=queue)

    def reminder_arrived():
        return [m for to, m in inbox.messages if to == [applicant.email] and m["Subject"].strip().startswith("Overdue")]

    arrived = wait_for(reminder_arrived)
    assert arrived, f"no reminder reached the SMTP server; worker log:\n{log.read_text()}"
    [message] = arrived
    assert filing.reference in message["Subject"] and "reply needed" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert f"/filings/{filing.reference}/" in text and f"/filings/{filing.reference}/" in html
    # The worker records the delivery just after the SMTP server accepts the message.
    sent = wait_for(
        lambda: OutgoingEmail.objects.filter(
            filing=filing, deadline_kind="reply", offset="overdue", sent_at__isnull=False
        ).first()
    )
    assert sent is not None and sent.attempts == 1

    # A second sweep through the broker sends nothing more.
    delivered = len(inbox.messages)
    tasks.sweep.apply_async(queue=queue)
    marker = tasks.sweep.apply_async(queue=queue)  # the solo worker runs tasks in order
    assert wait_for(lambda: f"Task exemptions.tasks.sweep[{marker.id}] succeeded" in log.read_text())
    assert len(inbox.messages) == delivered
