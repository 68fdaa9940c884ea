"""Data retention: once every filing of a dossier is closed and the retention period has passed, the names
and places of beneficiaries and partners are redacted. Counts, items, dates, decisions and the audit trail
stay, so the case still reads as a case and `verify_audit` still passes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from . import engine, procedures, snapshot
from .models import Application, Filing, Party
from .screening import runs as screening_runs


def _closed_states() -> set[str]:
    return {
        name
        for procedure in procedures.PROCEDURES.values()
        for name in procedure.transition_sources(procedure.action_with_effect(procedures.REDACT_SNAPSHOT))
    }


def due_for_anonymization(now: dt.datetime | None = None, older_than_days: int | None = None):
    """Dossiers whose filings are all closed, the last of them longer ago than the retention period,
    and which still hold personal details."""
    now = now or timezone.now()
    days = settings.DATA_RETENTION_DAYS if older_than_days is None else older_than_days
    cutoff = now - dt.timedelta(days=days)
    closed = _closed_states()
    still_open_or_recent = Filing.objects.filter(application=OuterRef("pk")).filter(
        ~Q(status__in=closed) | Q(status_changed_at__gt=cutoff) | Q(status_changed_at__isnull=True)
    )
    not_yet_anonymized = Filing.objects.filter(application=OuterRef("pk"), anonymized_at__isnull=True)
    return (
        Application.objects.filter(Exists(Filing.objects.filter(application=OuterRef("pk"))))
        .filter(~Exists(still_open_or_recent), Exists(not_yet_anonymized))
        .order_by("id")
    )


def anonymize_application(application: Application, at: dt.datetime | None = None) -> int:
    """Redact one dossier and its filings' snapshots, all or nothing; returns the filings anonymized."""
    at = at or timezone.now()
    with transaction.atomic():
        Application.objects.filter(pk=application.pk).update(
            **dict.fromkeys(snapshot.REDACTED_APPLICATION_FIELDS, snapshot.REDACTED)
        )
        for n, party in enumerate(Party.objects.filter(application=application).order_by("id"), start=1):
            Party.objects.filter(pk=party.pk).update(name=snapshot.party_placeholder(party.role, n), address="")
        screening_runs.redact_drafts(application)
        filings = application.filings.select_related("authority").filter(anonymized_at__isnull=True)
        count = 0
        for filing in filings.select_for_update():
            redact = filing.procedure.action_with_effect(procedures.REDACT_SNAPSHOT)
            engine.apply(filing, redact, engine.SYSTEM, "", at)
            count += 1
    return count


def anonymize_due(now=None, older_than_days=None, dry_run=False) -> Iterator[tuple[Application, int]]:
    """Yield (dossier, filings anonymized) for each dossier due, committing one dossier at a time."""
    for application in due_for_anonymization(now, older_than_days).iterator(chunk_size=200):
        yield application, (application.filings.count() if dry_run else anonymize_application(application, now))
