"""The outbox: claim an email, deliver it, retry it. Every email goes through here, whatever its family.

An email is first claimed as an OutgoingEmail row, inserted under a unique constraint, then sent, then
marked sent or failed. The row is both the "exactly once" guard and the outbox: a failed send is retried
from it with backoff (5 min × 3ⁿ, at most REMINDER_MAX_ATTEMPTS tries), a crash between claim and send is
picked up by the next sweep, and two sweepers cannot both send (the insert and the attempt counter are
compare-and-set). SweepReport counts what a sweep claimed, moved and delivered.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone

from .emails import Obsolete, compose
from .models import OutgoingEmail

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    claimed: Counter = field(default_factory=Counter)
    transitions: Counter = field(default_factory=Counter)
    outcomes: Counter = field(default_factory=Counter)
    stale_events: int = 0  # unnotified events too old to announce, marked without email
    skipped: Counter = field(default_factory=Counter)  # per step: filings (events, digests) left for the next sweep
    on_progress: Callable | None = None

    def tick(self):
        if self.on_progress:
            self.on_progress(self)

    @property
    def sent(self) -> int:
        return self.outcomes["sent"]

    @property
    def failed(self) -> int:
        return self.outcomes["failed"]

    def __str__(self):
        claimed = ", ".join(f"{k} {v}" for k, v in sorted(self.claimed.items())) or "none"
        moved = ", ".join(f"{k} {v}" for k, v in sorted(self.transitions.items())) or "none"
        skipped = "".join(f"; skipped after an error: {k} {v}" for k, v in sorted(self.skipped.items()))
        return (
            f"sent {self.sent}, failed {self.failed}, dropped {self.outcomes['obsolete']}; "
            f"claimed: {claimed}; system transitions: {moved}; stale events marked without email: {self.stale_events}"
            f"{skipped}"
        )


def claim(rows: list[OutgoingEmail]) -> list[OutgoingEmail]:
    """Insert the rows of one email occasion together, or none if any was claimed already (by a re-run or a
    concurrent sweeper: the unique constraint makes the loser's insert fail, which rolls its batch back)."""
    if not rows:
        return []
    try:
        with transaction.atomic():
            for row in rows:
                row.save(force_insert=True)
    except IntegrityError:
        return []
    return rows


def backoff(attempts: int) -> dt.timedelta:
    """Wait before attempt number `attempts + 1`: base, 3×base, 9×base, … (5 min, 15 min, 45 min, …)."""
    return settings.REMINDER_RETRY_BACKOFF * (3 ** max(attempts - 1, 0))


def message_id(email: OutgoingEmail) -> str:
    """The Message-ID of the email a row stands for: the same on every attempt, so that a resend after a
    crash in doubt (see deliver) is the same message to mail servers and clients, not a new one. The
    "reminder." prefix predates the OutgoingEmail name; it stays so that a resend across the upgrade keeps
    its Message-ID."""
    domain = urlsplit(settings.SITE_URL).hostname or "clearance.localhost"
    return f"<reminder.{email.pk}@{domain}>"


def deliver(email: OutgoingEmail, now: dt.datetime, connection=None) -> str:
    """Try to send one claimed email; return "sent", "failed", "obsolete" or "taken" (someone else is on it).

    The attempt itself is claimed by a compare-and-set on the attempt counter, and the next try is booked
    before sending, so a crash mid-send is retried later and two sweepers never send the same row.
    Each attempt sends at most once; the row as a whole is delivered at least once. A crash after the mail
    server accepted the message but before sent_at is recorded (a window of one database write) leaves the
    send in doubt: the retry sends it again, under the same Message-ID.
    """
    attempt = email.attempts + 1
    retry_at = now + backoff(attempt) if attempt < settings.REMINDER_MAX_ATTEMPTS else None
    row = OutgoingEmail.objects.filter(pk=email.pk)
    if row.filter(sent_at=None, attempts=email.attempts).update(attempts=attempt, next_attempt_at=retry_at) != 1:
        return "taken"
    try:
        message = compose(email)
        message.connection = connection
        message.extra_headers["Message-ID"] = message_id(email)
        message.send()
    except Obsolete as exc:
        row.update(next_attempt_at=None, error=f"Not sent: {exc}")
        return "obsolete"
    except Exception as exc:  # SMTP, DNS, template: recorded on the row and retried with backoff
        log.warning("Sending %s failed (attempt %s)", email, attempt, exc_info=True)
        error = f"Attempt {attempt}: {type(exc).__name__}: {exc}"
        row.update(error=error[:2000])
        return "failed"
    row.update(sent_at=timezone.now(), next_attempt_at=None, error="")
    return "sent"


def deliver_pending(now: dt.datetime, report: SweepReport | None = None) -> SweepReport:
    """Send every claimed email whose (re)try time has come: fresh claims and retries alike."""
    report = report or SweepReport()
    pending = (
        OutgoingEmail.objects.filter(
            sent_at=None, next_attempt_at__lte=now, attempts__lt=settings.REMINDER_MAX_ATTEMPTS
        )
        .select_related(
            "filing__authority", "filing__application__organization", "event", "authority", "recipient__profile"
        )
        .order_by("next_attempt_at", "id")
    )
    connection = get_connection()
    try:
        for email in pending.iterator(chunk_size=200):
            outcome = deliver(email, now, connection)
            report.outcomes[outcome] += 1
            if outcome == "failed":
                connection.close()  # a broken SMTP session must not fail the next message too
            report.tick()
    finally:
        connection.close()
    return report
