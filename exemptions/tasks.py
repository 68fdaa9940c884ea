"""Thin Celery wrappers: they take ids and call notifications or the audit. No schedule lives here: the database
holds every deadline and beat only runs the sweep every few minutes (never an ETA days ahead)."""

import logging

from celery import shared_task
from django.conf import settings

from . import audit, notifications
from .screening import rescreening

log = logging.getLogger(__name__)


# A long sweep cut short loses nothing (its claims are rows); the hard limit only stops a hung one.
@shared_task(
    acks_late=True,
    soft_time_limit=settings.REMINDER_SWEEP_SOFT_TIME_LIMIT,
    time_limit=settings.REMINDER_SWEEP_SOFT_TIME_LIMIT + 60,
)
def sweep() -> str:
    """Claim and send due reminders, run clock-driven transitions, catch up event notices and digests."""
    return str(notifications.sweep())


@shared_task(acks_late=True)
def send_event_notices(*event_ids: int) -> None:
    """The notices of events committed together (publisher.NoticePublisher batches them): each event on its own,
    so one that fails leaves the others sent and itself to the sweep."""
    for event_id in event_ids:
        try:
            notifications.send_event_notices(event_id)
        except Exception:
            log.exception("Notices of event %s failed; the sweep sends them", event_id)


@shared_task(acks_late=True)
def send_message_notices(message_id: int) -> None:
    notifications.send_message_notices(message_id)


@shared_task(acks_late=True)
def seal_audit_checkpoint() -> str:
    """Seal the audit events appended since the last checkpoint (exemptions/audit.py)."""
    return str(audit.write_checkpoint())


@shared_task(acks_late=True)
def rescreen(version_id: int) -> str:
    """Rescreen open and approved filings against what a new list version changed (each new hit emailed once)."""
    return str(dict(rescreening.rescreen(version_id)))
