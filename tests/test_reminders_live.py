"""End to end with real parts: a `celery -A config worker` process on the Redis of this run, the sweep task
sent through the broker, and the reminder delivered over SMTP to an aiosmtpd server on loopback."""

import datetime as dt
import email
import email.policy
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from config.celery import app
from exemptions import tasks, workflow
from exemptions.models import Filing, Reminder, Role
from tests import factories, live


class Inbox:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    port = live.free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def worker(smtp_server):
    """A real Celery worker on its own queue (so stray tasks of other runs never reach it), mailing over SMTP."""
    _, port = smtp_server
    queue = f"live-{uuid.uuid4().hex[:10]}"
    log = Path(tempfile.mkstemp(prefix="celery-worker-", suffix=".log")[1])
    env = live.child_env(
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_TIMEOUT=10,
    )
    command = [
        str(Path(live.PYTHON).parent / "celery"), "-A", "config", "worker", "--pool=solo", "--queues", queue,
        "--hostname", f"{queue}@%h", "--without-gossip", "--without-mingle", "--loglevel=INFO",
    ]  # fmt: skip
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=live.ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    yield queue, log
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    log.unlink(missing_ok=True)


def wait_for(condition, timeout=60.0):
    """Poll until `condition()` is truthy: the worker runs in another process at its own pace."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    return None


def test_sweep_task_through_redis_sends_the_reminder_over_smtp(transactional_db, eager_celery, smtp_server, worker):
    inbox, _ = smtp_server
    queue, log = worker
    org = factories.organization()
    applicant = factories.applicant_of(org)
    reviewer = factories.authority_member("OFAC", Role.REVIEWER)
    filing = factories.submitted_filing(factories.complete_dossier(org, applicant), "OFAC", applicant)
    workflow.apply(filing, "take", reviewer)
    workflow.apply(filing, "request_information", reviewer, "Which hospitals receive the syringes?")
    # The reply was due an hour ago: the next sweep owes the applicant an "overdue" reminder.
    Filing.objects.filter(pk=filing.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    app.conf.task_always_eager = False  # from here on, tasks travel through Redis to the worker

    tasks.sweep.apply_async(queue=queue)

    def reminder_arrived():
        return [m for to, m in inbox.messages if to == [applicant.email] and m["Subject"].strip().startswith("Overdue")]

    arrived = wait_for(reminder_arrived)
    assert arrived, f"no reminder reached the SMTP server; worker log:\n{log.read_text()}"
    [message] = arrived
    assert filing.reference in message["Subject"] and "Your reply is due" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert f"/filings/{filing.reference}/" in text and f"/filings/{filing.reference}/" in html
    reminder = Reminder.objects.get(filing=filing, kind="reply:overdue")
    assert reminder.sent_at is not None and reminder.attempts == 1

    # A second sweep through the broker sends nothing more.
    delivered = len(inbox.messages)
    tasks.sweep.apply_async(queue=queue)
    marker = tasks.sweep.apply_async(queue=queue)  # the solo worker runs tasks in order
    assert wait_for(lambda: f"Task exemptions.tasks.sweep[{marker.id}] succeeded" in log.read_text())
    assert len(inbox.messages) == delivered
