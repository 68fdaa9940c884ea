"""Who hears about what. The email rendering and the reminder sweep arrive with the reminders issue;
until then an event is only handed to Celery, and a broker outage never undoes a transition."""

import logging

log = logging.getLogger(__name__)


def event_recorded(event_id: int) -> None:
    """Called after a transition commits: queue its notices. Never raises (the event is already safe)."""
    from .tasks import send_event_notices

    try:
        send_event_notices.delay(event_id)
    except Exception:  # broker down: the sweep sends notices of events still unnotified
        log.warning("Could not queue notices for event %s; the sweep will send them", event_id, exc_info=True)


def send_event_notices(event_id: int) -> None:
    """Placeholder until event emails exist (reminders issue)."""
