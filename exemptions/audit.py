"""The audit trail's tamper evidence: each event carries the hash of the one before it, so an edited,
removed or reordered row breaks the chain at a point this module can name."""

from __future__ import annotations

from .models import Event


def first_broken_link(events) -> tuple[Event, str] | None:
    """Walk events (ordered by filing, sequence) and return the first that breaks its chain, with why."""
    previous_filing, previous_hash, expected_sequence = None, None, 1
    for event in events:
        if event.filing_id != previous_filing:
            previous_filing, previous_hash, expected_sequence = event.filing_id, Event.GENESIS_HASH, 1
        if event.sequence != expected_sequence:
            return event, f"sequence {event.sequence} where {expected_sequence} was expected (a row is missing)"
        if event.prev_hash != previous_hash:
            return event, "its link to the previous event does not match"
        if event.compute_hash() != event.hash:
            return event, "its content no longer matches its hash (edited after it was written)"
        previous_hash, expected_sequence = event.hash, expected_sequence + 1
    return None
