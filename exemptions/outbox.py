"""The outbox: claim an email, deliver it, retry it. Every email goes through here, whatever its family.

The guarantee (README, "Email delivery"): every claimed email is delivered AT LEAST ONCE, and twice only
when its sender died in the middle of handing it to the mail server. A missed compliance reminder is worse
than a doubled one, so nothing is ever given up on a crash. SMTP has no two-phase commit: between the mail
server taking the end of the message and the row recording sent_at lies the server's own reply time plus one
database write. A crash there leaves the row "in doubt"; after EMAIL_IN_DOUBT_GRACE it is sent again under
the SAME Message-ID (so mail clients and servers see one message) and its attempts_in_doubt is counted. At
most one message per crashed sending process can be doubled this way: a sender holds one message at a time.

How a row moves:
- claimed: inserted under its family's unique constraint (each occasion has one row per recipient);
- leased: a batch of due rows is taken by one UPDATE (attempts + 1, next try booked after the grace), so two
  sweepers never hold the same row; what a sweeper cannot finish goes back when it stops cleanly;
- sending: send_started_at is set just before the message goes out, in the same statement that records
  the previous row's outcome (one write per email);
- sent, failed (the mail server refused: retried with backoff, 5 min × 3ⁿ, at most REMINDER_MAX_ATTEMPTS
  tries), dropped (the case moved on), or in doubt (send_started_at left set by a dead sender).

A Celery soft time limit never interrupts a row: it waits until the row's outcome is recorded, then stops
the sweep at that boundary, and the rows not yet started go back to the queue. SweepReport counts what a
sweep claimed, moved and delivered.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from billiard import pool as billiard_pool
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core import checks
from django.core.mail import get_connection
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from .emails import Composer, Obsolete
from .models import OutgoingEmail

log = logging.getLogger(__name__)

LEASE_BATCH = 200  # rows taken by one UPDATE; a sender works through them one message at a time
# No email reads a filing's frozen dossier: rows read to compose emails leave it in the database (it can be the
# largest value of the row, decoded from JSON for every email otherwise).
UNUSED_BY_EMAILS = ("filing__snapshot",)


@dataclass
class SweepReport:
    claimed: Counter = field(default_factory=Counter)
    transitions: Counter = field(default_factory=Counter)
    outcomes: Counter = field(default_factory=Counter)
    stale_events: int = 0  # unnotified events too old to announce, marked without email
    skipped: Counter = field(default_factory=Counter)  # per step: filings (events, digests) left for the next sweep
    stopped: str = ""  # why the sweep stopped before the end (its time limit), if it did
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
        stopped = f"; stopped early: {self.stopped}" if self.stopped else ""
        return (
            f"sent {self.sent}, failed {self.failed}, dropped {self.outcomes['obsolete']}; "
            f"claimed: {claimed}; system transitions: {moved}; stale events marked without email: {self.stale_events}"
            f"{skipped}{stopped}"
        )


# --- claiming ----------------------------------------------------------------------------------


def claim(rows: list[OutgoingEmail]) -> list[OutgoingEmail]:
    """Insert the rows of one email occasion together, or none if any was claimed already (by a re-run or a
    concurrent sweeper: the unique constraint makes the loser's insert fail, which rolls its batch back)."""
    if not rows:
        return []
    try:
        with transaction.atomic():
            OutgoingEmail.objects.bulk_create(rows)
    except IntegrityError:
        for row in rows:
            row.pk = None
        return []
    return rows


def claim_many(occasions: list[list[OutgoingEmail]]) -> list[list[OutgoingEmail]]:
    """Claim many occasions with one INSERT; should any have been claimed meanwhile (a concurrent sweeper),
    fall back to one claim per occasion, so that each still goes all or nothing. Returns those claimed."""
    occasions = [rows for rows in occasions if rows]
    if not occasions:
        return []
    try:
        with transaction.atomic():
            OutgoingEmail.objects.bulk_create([row for rows in occasions for row in rows], batch_size=1000)
        return occasions
    except IntegrityError:
        for rows in occasions:
            for row in rows:
                row.pk = None
        return [rows for rows in occasions if claim(rows)]


# --- delivering --------------------------------------------------------------------------------


def backoff(attempts: int) -> dt.timedelta:
    """Wait before attempt number `attempts + 1`: base, 3×base, 9×base, … (5 min, 15 min, 45 min, …)."""
    return settings.REMINDER_RETRY_BACKOFF * (3 ** max(attempts - 1, 0))


def message_id(email: OutgoingEmail) -> str:
    """The Message-ID of the email a row stands for: the same on every attempt, so that a resend after a
    crash in doubt is the same message to mail servers and clients, not a new one. The "reminder." prefix
    predates the OutgoingEmail name; it stays so that a resend across the upgrade keeps its Message-ID."""
    domain = urlsplit(settings.SITE_URL).hostname or "clearance.localhost"
    return f"<reminder.{email.pk}@{domain}>"


def check_in_doubt_grace(app_configs=None, **kwargs):
    """A live sender slower than the grace would be taken for a dead one and its message sent twice: the
    grace must outlast the slowest send, a few SMTP steps of EMAIL_TIMEOUT each."""
    timeout = getattr(settings, "EMAIL_TIMEOUT", None) or 60
    if settings.EMAIL_IN_DOUBT_GRACE.total_seconds() < 4 * timeout:
        return [
            checks.Warning(
                f"EMAIL_IN_DOUBT_GRACE_SECONDS ({settings.EMAIL_IN_DOUBT_GRACE.total_seconds():.0f}) is shorter than "
                f"4 × EMAIL_TIMEOUT ({timeout}): a slow send could be taken for a dead one and doubled.",
                id="exemptions.W002",
            )
        ]
    return []


def _clock(now: dt.datetime) -> dt.datetime:
    # A long sweep's `now` is its start; a lease must run from the moment it is taken.
    return max(now, timezone.now())


class _Limit:
    reached = False


@contextmanager
def soft_time_limit_waits() -> Iterator[_Limit]:
    """Within the block, a Celery soft time limit (SIGUSR1 in a prefork pool child) is held back; it is raised
    when the block ends, so it can never fall between the mail server's 250 and the row recording it.
    `limit.reached` tells the block it came, so it can stop at its own boundary. Elsewhere (a solo pool, a
    thread, the management command) there is no such signal and the block runs as is."""
    limit = _Limit()
    sig = billiard_pool.SIG_SOFT_TIMEOUT
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(sig) if sig and in_main else None
    if previous is not billiard_pool.soft_timeout_sighandler:
        yield limit
        return

    def hold(signum, frame):
        limit.reached = True

    signal.signal(sig, hold)
    try:
        yield limit
    finally:
        signal.signal(sig, previous)
        if limit.reached:
            raise SoftTimeLimitExceeded()


def lease(rows: list[OutgoingEmail], now: dt.datetime) -> dt.datetime | None:
    """Take the rows of `rows` still due, in one statement: each gets attempts + 1 and its next try booked
    after the grace, the lease's end, which also marks which rows this lease holds. Rows another sweeper
    holds (or is taking right now) are skipped. A row a dead sender left mid-send is counted in doubt.
    Returns the lease's end; the rows taken have their attempts updated, the others are removed."""
    lease_end = _clock(now) + settings.EMAIL_IN_DOUBT_GRACE
    ids = [r.pk for r in rows]
    with transaction.atomic():
        due = OutgoingEmail.objects.filter(OutgoingEmail.DUE, pk__in=ids, next_attempt_at__lte=now)
        taken = dict(due.select_for_update(skip_locked=True).values_list("id", "send_started_at"))
        doubted = [pk for pk, started in taken.items() if started is not None]
        poison = set(
            OutgoingEmail.objects.filter(
                pk__in=doubted, attempts_in_doubt__gte=settings.REMINDER_MAX_ATTEMPTS - 1
            ).values_list("id", flat=True)
        )
        if poison:  # its sender died mid-send again and again: a person should look at it
            OutgoingEmail.objects.filter(pk__in=poison).update(
                attempts_in_doubt=F("attempts_in_doubt") + 1,
                send_started_at=None,
                next_attempt_at=None,
                error="Given up: every attempt was cut short mid-send (the sender died). The recipient may have it.",
            )
        OutgoingEmail.objects.filter(pk__in=[pk for pk in doubted if pk not in poison]).update(
            attempts_in_doubt=F("attempts_in_doubt") + 1, send_started_at=None
        )
        leased = [pk for pk in taken if pk not in poison]
        OutgoingEmail.objects.filter(pk__in=leased).update(attempts=F("attempts") + 1, next_attempt_at=lease_end)
    leased = set(leased)
    rows[:] = [r for r in rows if r.pk in leased]
    for row in rows:
        row.attempts += 1
        row.next_attempt_at = lease_end
    return lease_end


# One UPDATE that records a row's outcome and marks the next row of the lease as being sent.
_RECORD_SQL = (
    'UPDATE "exemptions_outgoingemail" SET '
    "sent_at = CASE WHEN id = %(done)s THEN %(sent_at)s ELSE sent_at END, "
    "error = CASE WHEN id = %(done)s THEN %(error)s ELSE error END, "
    "next_attempt_at = CASE WHEN id = %(done)s THEN %(retry_at)s ELSE %(lease_end)s END, "
    "send_started_at = CASE WHEN id = %(done)s THEN NULL ELSE %(started_at)s END "
    "WHERE (id = %(done)s AND attempts = %(done_attempts)s AND sent_at IS NULL) "
    "OR (id = %(start)s AND attempts = %(start_attempts)s AND sent_at IS NULL AND send_started_at IS NULL) "
    "RETURNING id"
)
assert OutgoingEmail._meta.db_table == "exemptions_outgoingemail"


def _record(done: OutgoingEmail | None, outcome: dict | None, start: OutgoingEmail | None, now) -> bool:
    """Record `done`'s outcome and mark `start` as being sent, in one statement; True if `start` is ours."""
    if done is None and start is None:
        return False
    moment = _clock(now)
    params = {
        "done": done.pk if done else None,
        "done_attempts": done.attempts if done else None,
        "start": start.pk if start else None,
        "start_attempts": start.attempts if start else None,
        "sent_at": None,
        "error": "",
        "retry_at": None,
        "lease_end": moment + settings.EMAIL_IN_DOUBT_GRACE,  # a message being sent keeps its lease
        "started_at": moment,
        **(outcome or {}),
    }
    with connection.cursor() as cursor:
        cursor.execute(_RECORD_SQL, params)
        touched = {row[0] for row in cursor.fetchall()}
    return start is not None and start.pk in touched


def _release(rows: list[OutgoingEmail], lease_end: dt.datetime, now: dt.datetime) -> None:
    """Hand back leased rows never started (a clean stop): due again at once, the attempt not counted."""
    OutgoingEmail.objects.filter(
        pk__in=[r.pk for r in rows], sent_at=None, send_started_at=None, next_attempt_at=lease_end
    ).update(attempts=F("attempts") - 1, next_attempt_at=now)


def _send(email: OutgoingEmail, composer: Composer, mail_connection, now) -> tuple[str, dict]:
    """Compose and hand over one message; its outcome and the fields to record it with."""
    try:
        message = composer.compose(email)
        message.connection = mail_connection
        message.extra_headers["Message-ID"] = message_id(email)
        message.send()
    except Obsolete as exc:
        return "obsolete", {"error": f"Not sent: {exc}"}
    except SoftTimeLimitExceeded:
        raise  # not a send error: the row stays mid-send, in doubt, and is resent under its Message-ID
    except Exception as exc:  # SMTP, DNS, template: recorded on the row and retried with backoff
        log.warning("Sending %s failed (attempt %s)", email, email.attempts, exc_info=True)
        retry_at = _clock(now) + backoff(email.attempts) if email.attempts < settings.REMINDER_MAX_ATTEMPTS else None
        return "failed", {
            "error": f"Attempt {email.attempts}: {type(exc).__name__}: {exc}"[:2000],
            "retry_at": retry_at,
        }
    return "sent", {"sent_at": timezone.now()}


def deliver_leased(rows, lease_end, now, report: SweepReport, composer: Composer, mail_connection) -> None:
    """Send leased rows one by one; each row's outcome is written with the next row's start. Stops at a row
    boundary when a soft time limit comes, handing back the rows not started. The limit is held back across the
    whole loop, not per row: one arriving between two rows would otherwise leave the next row marked as being
    sent, in doubt, though it never went out."""
    started = False
    with soft_time_limit_waits() as limit:
        for index, email in enumerate(rows):
            following = rows[index + 1] if index + 1 < len(rows) else None
            if index == 0:
                started = _record(None, None, email, now)
            if started:
                outcome, fields = _send(email, composer, mail_connection, now)
                if outcome == "failed":
                    mail_connection.close()  # a broken SMTP session must not fail the next message too
            else:
                outcome, fields = "taken", None  # another sweeper holds it (our lease ran out meanwhile)
            report.outcomes[outcome] += 1
            start = None if limit.reached else following
            started = _record(email if fields is not None else None, fields, start, now)
            report.tick()
            if limit.reached:
                _release(rows[index + 1 :], lease_end, now)
                break


def deliver_rows(rows: list[OutgoingEmail], now: dt.datetime, report: SweepReport, composer=None, mail_connection=None):
    """Lease and send the given claimed rows (e.g. the notices of one event)."""
    composer = composer or Composer()
    own_connection = mail_connection is None
    mail_connection = mail_connection or get_connection()
    try:
        rows = list(rows)
        lease_end = lease(rows, now)
        deliver_leased(rows, lease_end, now, report, composer, mail_connection)
    finally:
        if own_connection:
            mail_connection.close()


def deliver_pending(now: dt.datetime, report: SweepReport | None = None, composer: Composer | None = None):
    """Send every claimed email whose (re)try time has come: fresh claims, retries and rows left in doubt."""
    report = report or SweepReport()
    composer = composer or Composer()
    pending = (
        OutgoingEmail.objects.filter(OutgoingEmail.DUE, next_attempt_at__lte=now)
        .select_related(
            "filing__authority",
            "filing__application__organization",
            "event__actor",
            "authority",
            "recipient__profile",
        )
        .defer(*UNUSED_BY_EMAILS)
        .order_by("next_attempt_at", "id")
    )
    mail_connection = get_connection()
    try:
        seen = set()
        while batch := [r for r in pending[:LEASE_BATCH] if r.pk not in seen]:
            seen.update(r.pk for r in batch)  # a row another sweeper is leasing this instant is not awaited
            deliver_rows(batch, now, report, composer, mail_connection)
    finally:
        mail_connection.close()
    return report
