"""Loading a published list file: one SanctionsListVersion per distinct file, with its entries. A file loaded
before (same source, same SHA-256) changes nothing; a changed file becomes a new version whose entries know
whether they are new or changed since the previous one, so a rescreen reads only those."""

from __future__ import annotations

import hashlib
import urllib.request
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from ..models import SanctionsListEntry, SanctionsListVersion
from . import formats

MAX_FILE_BYTES = 200 * 1024 * 1024  # the real consolidated files are tens of megabytes


@dataclass
class Loaded:
    version: SanctionsListVersion
    created: bool  # False: the same file was loaded before, nothing changed

    def __str__(self):
        v = self.version
        if not self.created:
            return (
                f"{v.get_source_display()}: unchanged (SHA-256 {v.sha256[:12]}…, loaded {v.loaded_at:%Y-%m-%d %H:%M})"
            )
        return (
            f"{v.get_source_display()} of {v.published_on or 'no date'}: {v.record_count} entries, "
            f"{v.changed_count} new or changed (SHA-256 {v.sha256[:12]}…)"
        )


def fetch(url: str) -> bytes:
    """A list file from its publisher (production only: tests and CI load files)."""
    if not url.startswith("https://"):
        raise formats.FormatError("only https:// URLs are fetched")
    with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 (https only, checked above)
        data = response.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise formats.FormatError(f"larger than {MAX_FILE_BYTES // 1024 // 1024} MB")
    return data


def load(source: str, data: bytes, origin: str = "") -> Loaded:
    """Store `data`, a published file of `source`, as a new list version unless it was loaded already.

    Raises formats.FormatError when the file is not of the source's format (nothing is stored then)."""
    sha256 = hashlib.sha256(data).hexdigest()
    existing = SanctionsListVersion.objects.filter(source=source, sha256=sha256).first()
    if existing:
        return Loaded(existing, created=False)
    parsed = formats.parse(source, data)
    previous = SanctionsListVersion.objects.filter(source=source).order_by("-loaded_at", "-id").first()
    known = set(previous.entries.values_list("fingerprint", flat=True)) if previous else set()
    try:
        with transaction.atomic():
            version = SanctionsListVersion.objects.create(
                source=source,
                published_on=parsed.published_on,
                sha256=sha256,
                record_count=len(parsed.entries),
                origin=origin[:500],
                previous=previous,
            )
            rows = [
                SanctionsListEntry.from_record(version, record, changed=record.fingerprint() not in known)
                for record in parsed.entries
            ]
            SanctionsListEntry.objects.bulk_create(rows, batch_size=2000)
            version.changed_count = sum(row.changed for row in rows)
            version.save(update_fields=["changed_count"])
    except IntegrityError:  # the same file loaded concurrently
        return Loaded(SanctionsListVersion.objects.get(source=source, sha256=sha256), created=False)
    return Loaded(version, created=True)
