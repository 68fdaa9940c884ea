"""The dossier as filed: taken when a filing is submitted, hashed so anyone can prove what the authority saw,
redacted under the retention policy, and laid out for reading. Pure: it reads the objects it is given and
imports no models."""

from __future__ import annotations

import hashlib
import json

REDACTED = "[redacted under the retention policy]"
# Free text that names beneficiaries, facilities or people who monitor deliveries.
REDACTED_APPLICATION_FIELDS = ("selection_criteria", "destinations", "monitoring_arrangements")
REDACTED_PARTY_FIELDS = ("name", "address")

DOSSIER_FIELDS = (
    "reference", "title", "purpose", "justification", "beneficiaries", "selection_criteria", "destinations",
    "ship_from_on", "ship_until_on", "route_origin", "route_transit", "port_of_entry",
    "monitoring_arrangements", "financial_channel",
)  # fmt: skip


def canonical_json(data) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def digest(snapshot: dict) -> str:
    return sha256_hex(canonical_json(snapshot))


def take(application) -> dict:
    """The dossier as plain JSON-ready data: what an authority saw when the filing was submitted.
    Reads `items`, `parties` and `documents` with `.all()`, so prefetched rows cost no query."""
    data = {name: getattr(application, name) for name in DOSSIER_FIELDS}
    data["ship_from_on"] = application.ship_from_on.isoformat() if application.ship_from_on else None
    data["ship_until_on"] = application.ship_until_on.isoformat() if application.ship_until_on else None
    data["organization"] = {"name": application.organization.name, "country": application.organization.country}
    data["items"] = [
        {
            "kind": i.kind,
            "description": i.description,
            "hs_code": i.hs_code,
            "provider": i.provider,
            "quantity": str(i.quantity),
            "unit": i.unit,
            "unit_value": str(i.unit_value),
            "currency": i.currency,
            "category": i.category,
            "specification": i.specification,
            "dual_use_note": i.dual_use_note,
            "us_origin": i.us_origin,
            "export_classification": i.export_classification,
        }
        for i in application.items.all()
    ]
    data["parties"] = [
        {"role": p.role, "name": p.name, "country": p.country, "address": p.address, "identifier": p.identifier}
        for p in application.parties.all()
    ]
    data["documents"] = [
        {"kind": d.kind, "name": d.original_name, "size": d.size, "sha256": d.sha256}
        for d in application.documents.all()
    ]
    return data


def party_placeholder(role: str, n: int) -> str:
    return f"Redacted {role.replace('_', ' ')} {n}"


def redact(snapshot: dict | None) -> dict | None:
    """The snapshot without the names and places of beneficiaries and partners; counts and items stay."""
    if not snapshot:
        return snapshot
    redacted = {**snapshot, **{name: REDACTED for name in REDACTED_APPLICATION_FIELDS if name in snapshot}}
    redacted["parties"] = [
        {**party, "name": party_placeholder(party.get("role", "party"), n), "address": ""}
        for n, party in enumerate(snapshot.get("parties", []), start=1)
    ]
    return redacted
