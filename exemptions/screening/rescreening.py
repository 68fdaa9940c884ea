"""Rescreening after a list changes: the parties of every open or approved filing against the entries the new
version added or changed (never the whole list), new hits recorded on the filing, and each new hit emailed to
the filing's reviewer and the applicant organization exactly once, through the outbox.

"Exactly once" rests on two unique constraints: a filing holds a (party, listed entry) hit once, so a rescreen
run twice finds nothing new the second time; and an email is claimed once per (hit, recipient).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter

from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import procedures
from ..models import Filing, OutgoingEmail, SanctionsListVersion, ScreeningHit, ScreeningRun
from ..notifications import Directory
from ..outbox import claim
from . import runs

log = logging.getLogger(__name__)


def rescreen(version_id: int, now: dt.datetime | None = None) -> Counter:
    """Rescreen open and approved filings against what list version `version_id` changed; count the work."""
    now = now or timezone.now()
    report: Counter = Counter()
    version = SanctionsListVersion.objects.get(pk=version_id)
    screener = runs.changes_screener(version)
    if len(screener.index):
        current = SanctionsListVersion.current()
        directory = Directory()
        for filing in _rescreened_filings():
            report["filings"] += 1
            try:
                new = _record_new_hits(filing, screener, current, directory, now)
            except Exception:
                log.exception("Rescreening %s failed; skipped", filing.reference)
                report["failed"] += 1
                continue
            report["new hits"] += len(new)
    SanctionsListVersion.objects.filter(pk=version.pk).update(rescreened_at=now)
    return report


def _rescreened_filings():
    """Filed, not ended: open cases and approvals that may still be in force."""
    terminal = procedures.states_where(terminal=True)
    return (
        Filing.objects.filter(submitted_at__isnull=False, snapshot__isnull=False)
        .exclude(status__in=terminal)
        .select_related("authority", "application__organization", "assigned_to")
        .order_by("id")
        .iterator(chunk_size=500)
    )


def _record_new_hits(filing, screener, current, directory, now) -> list[ScreeningHit]:
    parties = filing.snapshot.get("parties", [])
    found = screener.hits_for(parties, rules=False)
    if not found:
        return []
    known = set(ScreeningHit.objects.filter(filing=filing).values_list("party_index", "match_key"))
    new = [hit for hit in found if (hit.party_index, hit.match_key) not in known]
    if not new:
        return []
    try:
        with transaction.atomic():
            run = ScreeningRun(
                application_id=filing.application_id,
                filing=filing,
                occasion=ScreeningRun.Occasion.RESCREEN,
                parties=parties,
                created_at=now,
            )
            runs.save_run(run, new, current)
            audience = directory.audience(filing, [procedures.ASSIGNED_REVIEWER, procedures.APPLICANTS])
            claim(
                [
                    OutgoingEmail(
                        family=OutgoingEmail.Family.SCREENING_HIT,
                        filing=filing,
                        screening_hit=hit,
                        due_at=now,
                        recipient=user,
                        next_attempt_at=now,
                    )
                    for hit in new
                    for user in audience
                ]
            )
    except IntegrityError:  # a concurrent rescreen recorded the same hits first
        return []
    return new
