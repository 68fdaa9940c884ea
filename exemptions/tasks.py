"""Thin Celery wrappers: they take ids and call notifications."""

from celery import shared_task

from . import notifications


@shared_task(acks_late=True)
def send_event_notices(event_id: int) -> None:
    notifications.send_event_notices(event_id)
