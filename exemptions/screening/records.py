"""What a sanctions list entry holds once read from its published file, the same for every source. Pure data."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field

INDIVIDUAL, ENTITY, VESSEL = "individual", "entity", "vessel"
KINDS = (INDIVIDUAL, ENTITY, VESSEL)

# Alias quality as the lists grade it: the UN's "Good"/"Low", OFAC's "strong"/"weak", the EU's strong flag.
STRONG, WEAK = "strong", "weak"

# Identifier types the matcher treats as exact, strong evidence.
IMO, REGISTRATION = "imo", "registration"


@dataclass(frozen=True)
class Alias:
    name: str
    quality: str = STRONG


@dataclass(frozen=True)
class Identifier:
    kind: str  # IMO, REGISTRATION, or the list's own word ("Passport", "SWIFT/BIC", …)
    value: str
    label: str = ""  # as the list words it


@dataclass
class ListedEntry:
    """One designation: a person, an organization or a ship."""

    external_id: str  # the list's own id (DATAID, uid, logicalId, UniqueID)
    kind: str
    name: str
    aliases: list[Alias] = field(default_factory=list)
    programmes: list[str] = field(default_factory=list)  # DPRK, DPRK3, PRK, …
    identifiers: list[Identifier] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)  # ISO 3166 alpha-2, from addresses and nationalities
    addresses: list[str] = field(default_factory=list)
    dates_of_birth: list[str] = field(default_factory=list)  # ISO dates, or a year alone
    reference: str = ""  # UN reference number (KPe.001), EU reference, UK id
    listed_on: dt.date | None = None
    remarks: str = ""

    def as_data(self) -> dict:
        data = asdict(self)
        data["listed_on"] = self.listed_on.isoformat() if self.listed_on else None
        return data

    def fingerprint(self) -> str:
        """Digest of everything the entry says: an entry whose fingerprint is new in a list version was added or
        changed, and only those are rescreened."""
        text = json.dumps(self.as_data(), sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @property
    def all_names(self) -> list[tuple[str, str]]:
        """(name, quality) for the primary name and every alias, without repeats."""
        seen, names = set(), []
        for name, quality in [(self.name, STRONG), *((a.name, a.quality) for a in self.aliases)]:
            if name and name.casefold() not in seen:
                seen.add(name.casefold())
                names.append((name, quality))
        return names


@dataclass
class ParsedList:
    source: str
    published_on: dt.date | None
    entries: list[ListedEntry]
