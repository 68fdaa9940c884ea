"""The audit trail's tamper evidence. Each event carries the hash of the one before it and a seal of its own
hash under the audit key (models/seals.py); each filing records its newest event beside its status; sealed
checkpoints cover every event appended so far. `findings()` names, one line each, what an edit behind the
engine's back leaves behind: a broken link, an edited or re-hashed event, a filing whose status or newest
event disagrees with its trail, a checkpoint whose events are no longer all there."""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Iterator
from itertools import groupby

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from . import procedures
from .models import AuditCheckpoint, Event, Filing
from .models.seals import current_key, known_keys, seal_holds


def first_broken_link(events) -> tuple[Event, str] | None:
    """Walk events (ordered by filing, sequence) and return the first that breaks its chain, with why."""
    for _, trail in groupby(events, key=lambda event: event.filing_id):
        broken = _first_break(trail)
        if broken:
            return broken
    return None


def _first_break(trail) -> tuple[Event, str] | None:
    """The first event of one filing's trail (in sequence order) that breaks its chain, with why."""
    previous_hash, expected_sequence = Event.GENESIS_HASH, 1
    for event in trail:
        why = _why_broken(event, expected_sequence, previous_hash)
        if why:
            return event, why
        previous_hash, expected_sequence = event.hash, event.sequence + 1
    return None


def _why_broken(event: Event, expected_sequence: int, previous_hash: str) -> str | None:
    if event.sequence != expected_sequence:
        return f"sequence {event.sequence} where {expected_sequence} was expected (a row is missing)"
    if event.prev_hash != previous_hash:
        return "its link to the previous event does not match"
    if event.compute_hash() != event.hash:
        return "its content no longer matches its hash (edited after it was written)"
    holds = seal_holds(event.key_id, event.hash, event.seal)
    if holds is None:
        return f"it is sealed with key {event.key_id or '(none)'}, which is neither AUDIT_KEY nor a retired key"
    if not holds:
        return "its hash was recomputed without the audit key (the seal does not match)"
    return None


def _where(event: Event) -> str:
    return f"{event.filing.reference} event #{event.sequence} ({event.action}, {event.created_at:%Y-%m-%d %H:%M} UTC)"


def _tip_findings(filing: Filing, last: Event | None) -> Iterator[str]:
    """What the filing row says about its trail that the trail does not bear out."""
    newest, status = (last.sequence, last.to_status) if last else (0, procedures.INITIAL)
    if filing.audit_tip_sequence > newest:
        yield (
            f"{filing.reference}: the filing records event #{filing.audit_tip_sequence} as its newest, but its "
            f"trail ends at #{newest} (newer events were deleted)."
        )
    elif filing.audit_tip_sequence < newest:
        yield (
            f"{filing.reference}: its trail runs to event #{newest}, past the newest the filing records "
            f"(#{filing.audit_tip_sequence}): events were added outside the engine."
        )
    elif last and filing.audit_tip_hash != last.hash:
        yield f"{filing.reference}: event #{newest} is not the one the filing recorded (replaced or re-hashed)."
    if filing.status != status:
        yield (
            f"{filing.reference}: status '{filing.status}' on the filing, but its trail leaves it in '{status}' "
            f"(the status was edited outside the engine)."
        )


def _trail_findings() -> Iterator[str]:
    """Each filing's first broken link, and what its row says that its trail does not bear out."""
    events = Event.objects.select_related("filing").defer("filing__snapshot").order_by("filing_id", "sequence")
    for _, trail in groupby(events.iterator(chunk_size=2000), key=lambda event: event.filing_id):
        trail = list(trail)  # one filing's events: a handful
        broken = _first_break(trail)
        if broken:
            yield f"{_where(broken[0])}: {broken[1]}."
        yield from _tip_findings(trail[-1].filing, trail[-1])
    no_trail = Filing.objects.filter(~Exists(Event.objects.filter(filing=OuterRef("pk"))))
    suspicious = no_trail.filter(Q(audit_tip_sequence__gt=0) | ~Q(status=procedures.INITIAL)).defer("snapshot")
    for filing in suspicious.order_by("id").iterator(chunk_size=2000):
        yield from _tip_findings(filing, None)


# --- checkpoints -------------------------------------------------------------------------------


def _hashes(after_id: int, up_to_id: int):
    covered = Event.objects.filter(id__gt=after_id, id__lte=up_to_id).order_by("id")
    return covered.values_list("hash", flat=True).iterator(chunk_size=5000)


def _settled_last_event_id() -> int | None:
    """The newest event id below which no further event can appear. Ids come from a sequence as rows are
    inserted, so a transaction still open could commit an id lower than one already committed; on PostgreSQL
    a SHARE lock (held only for this read) waits those transactions out."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {Event._meta.db_table} IN SHARE MODE")
        return Event.objects.order_by("-id").values_list("id", flat=True).first()


def write_checkpoint(now: dt.datetime | None = None) -> AuditCheckpoint | None:
    """Seal the events appended since the last checkpoint and return the new checkpoint; None when there
    were none, or when another sweeper wrote the same checkpoint first."""
    kid, key = current_key()
    previous = AuditCheckpoint.objects.order_by("-sequence").first()
    after = previous.last_event_id if previous else 0
    last_event_id = _settled_last_event_id()
    if last_event_id is None or last_event_id <= after:
        return None
    checkpoint = AuditCheckpoint(
        sequence=previous.sequence + 1 if previous else 1,
        created_at=now or timezone.now(),
        last_event_id=last_event_id,
        key_id=kid,
    )
    previous_digest = previous.digest if previous else AuditCheckpoint.GENESIS_DIGEST
    checkpoint.events, checkpoint.digest = checkpoint.seal_range(key, previous_digest, _hashes(after, last_event_id))
    checkpoint.total_events = (previous.total_events if previous else 0) + checkpoint.events
    try:
        with transaction.atomic():
            checkpoint.save(force_insert=True)
    except IntegrityError:
        return None  # a concurrent sweep sealed the same range
    return checkpoint


def _checkpoint_findings() -> Iterator[str]:
    """Checkpoints whose events are no longer all there, unchanged, or that are missing or forged."""
    keys = known_keys()
    previous_digest, after, expected = AuditCheckpoint.GENESIS_DIGEST, 0, 1
    for checkpoint in AuditCheckpoint.objects.order_by("sequence"):
        label = f"Checkpoint #{checkpoint.sequence} ({checkpoint.created_at:%Y-%m-%d %H:%M} UTC)"
        if checkpoint.sequence != expected:
            yield f"{label}: checkpoint #{expected} before it is missing (deleted)."
        key = keys.get(checkpoint.key_id)
        if key is None:
            yield f"{label}: sealed with key {checkpoint.key_id}, which is neither AUDIT_KEY nor a retired key."
        else:
            count, digest = checkpoint.seal_range(key, previous_digest, _hashes(after, checkpoint.last_event_id))
            if count != checkpoint.events:
                how = "deleted since" if count < checkpoint.events else "inserted behind the engine's back"
                yield (
                    f"{label}: it sealed {checkpoint.events} events with ids {after + 1} to "
                    f"{checkpoint.last_event_id}; {count} are there now (events were {how})."
                )
            elif not hmac.compare_digest(digest, checkpoint.digest):
                yield (
                    f"{label}: the events it sealed (ids {after + 1} to {checkpoint.last_event_id}) were "
                    f"rewritten since, or the checkpoint itself was forged."
                )
        previous_digest, after, expected = checkpoint.digest, checkpoint.last_event_id, checkpoint.sequence + 1


def findings() -> Iterator[str]:
    """Every sign of tampering `verify_audit` reports, one line each."""
    yield from _trail_findings()
    yield from _checkpoint_findings()
