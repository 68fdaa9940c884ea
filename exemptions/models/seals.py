"""Seals: what makes the audit trail hard to rewrite for someone who can write to the database.

Each event's public SHA-256 `hash` chains it to the one before it, so anyone holding the events (an API client
included) can recompute the chain; but so can an insider who edits a row. The seal is an HMAC-SHA256 of that
hash under `AUDIT_KEY`, a secret the database never holds: a chain recomputed without the key keeps valid
hashes and loses its seals. Checkpoints seal, every few minutes, the hashes of all events appended since the
previous checkpoint (and that checkpoint's digest), so a deleted newest event or a rolled-back chain still
shows as a gap against the last checkpoint.

Rotation: each seal records the id of its key (a fingerprint that reveals nothing of the key). A new key goes
in `AUDIT_KEY` and the old one moves to `AUDIT_RETIRED_KEYS`; old seals keep verifying, and no row is
rewritten (they cannot be: the table refuses updates).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import models


def key_id(key: str) -> str:
    return hmac.new(key.encode(), b"clearance audit key id", hashlib.sha256).hexdigest()[:16]


def current_key() -> tuple[str, str]:
    """(key id, key) of `AUDIT_KEY`, the key new seals are made with."""
    if not settings.AUDIT_KEY:
        raise ImproperlyConfigured("AUDIT_KEY is not set: the audit trail cannot be sealed.")
    return key_id(settings.AUDIT_KEY), settings.AUDIT_KEY


def known_keys() -> dict[str, str]:
    """Key id → key: the current key and those retired by a rotation."""
    keys = [settings.AUDIT_KEY, *settings.AUDIT_RETIRED_KEYS]
    return {key_id(key): key for key in keys if key}


def check_audit_key(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """System check: production refuses to run without an audit key, or with one too short to be secret."""
    if settings.DEBUG:
        return []
    hint = "Set AUDIT_KEY to a long random secret kept outside the database, e.g. secrets.token_urlsafe(48)."
    if not settings.AUDIT_KEY:
        return [
            checks.Error("AUDIT_KEY is not set: the audit trail cannot be sealed.", hint=hint, id="exemptions.E001")
        ]
    if len(settings.AUDIT_KEY) < 32:
        return [checks.Warning("AUDIT_KEY is shorter than 32 characters.", hint=hint, id="exemptions.W001")]
    return []


def mac(key: str, parts: Iterable[str]) -> str:
    sealed = hmac.new(key.encode(), digestmod=hashlib.sha256)
    for part in parts:
        sealed.update(part.encode())
    return sealed.hexdigest()


def seal(text: str) -> tuple[str, str]:
    """(key id, HMAC-SHA256 of `text` under the current key)."""
    kid, key = current_key()
    return kid, mac(key, [text])


def seal_holds(kid: str, text: str, sealed: str) -> bool | None:
    """Whether `sealed` is the seal of `text` under key `kid`; None when that key is not configured."""
    key = known_keys().get(kid)
    if key is None:
        return None
    return hmac.compare_digest(mac(key, [text]), sealed)


def sql_seal(column: str) -> tuple[str, dict]:
    """A PostgreSQL expression computing `seal()` of a text column with core SQL only (no pgcrypto: HMAC is the
    SHA-256 of the key's outer pad and the SHA-256 of its inner pad and the text), and its named parameters,
    `audit_key_id` among them."""
    kid, key = current_key()
    padded = (hashlib.sha256(key.encode()).digest() if len(key.encode()) > 64 else key.encode()).ljust(64, b"\0")
    expression = (
        "encode(sha256(%(audit_outer_pad)s::bytea || sha256(%(audit_inner_pad)s::bytea || "
        f"convert_to({column}, 'UTF8'))), 'hex')"
    )
    pads = {"audit_outer_pad": bytes(b ^ 0x5C for b in padded), "audit_inner_pad": bytes(b ^ 0x36 for b in padded)}
    return expression, {"audit_key_id": kid, **pads}


class AuditCheckpoint(models.Model):
    """A sealed digest of the events appended since the previous checkpoint (ids up to `last_event_id`),
    chained to that checkpoint's digest. Append-only, like the events."""

    sequence = models.PositiveIntegerField(unique=True)  # two sweeps cannot both extend the same checkpoint
    created_at = models.DateTimeField()
    last_event_id = models.BigIntegerField()
    events = models.PositiveBigIntegerField(help_text="Events covered since the previous checkpoint")
    total_events = models.PositiveBigIntegerField(help_text="Events covered by this and earlier checkpoints")
    key_id = models.CharField(max_length=16)
    digest = models.CharField(max_length=64)

    GENESIS_DIGEST = "0" * 64

    class Meta:
        ordering = ["sequence"]

    def __str__(self):
        return f"Audit checkpoint #{self.sequence} ({self.total_events} events)"

    def seal_range(self, key: str, previous_digest: str, hashes: Iterable[str]) -> tuple[int, str]:
        """(how many hashes, their digest): the HMAC of the previous digest, this checkpoint's place and the
        hashes of the events it covers, in id order, streamed (a first checkpoint may cover millions)."""
        count = 0

        def parts():
            nonlocal count
            yield f"{previous_digest}|{self.sequence}|{self.last_event_id}|"
            for event_hash in hashes:
                count += 1
                yield event_hash
            yield f"|{count}"

        digest = mac(key, parts())
        return count, digest
