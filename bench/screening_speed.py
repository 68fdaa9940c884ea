"""Screening speed, in memory, on lists written in the published format and read back by the product's parser.

    .venv/bin/python -m bench.screening_speed

1. One dossier of 20 parties against a list of 30,000 names (an OFAC SDN.XML of generated entries, each with
   an alias): goal under 200 ms once the list is loaded (parsed and indexed; the load is timed apart).
2. Rescreening 10,000 parties after a 50-entry change: the changed entries are indexed alone (as
   `runs.changes_screener` does) and every party is matched against them: goal under 10 s.

Neither compares a party with every name: the index files each name under its words, word prefixes and the
first letters of the name without spaces (`matching._keys`), and only names sharing a key are scored.
"""

from __future__ import annotations

import random
import statistics
import time

from bench.sanctions_files import generated_entries, write_ofac
from exemptions.screening import formats
from exemptions.screening.matching import ListIndex, PartyQuery
from exemptions.screening.names import normalize

CLEAN = [
    "World Food Programme", "UNICEF Supply Division", "Helvetic Nutrition SA", "Nordic Pharma AB",
    "Alpine Relief Clearing Bank SA", "Rotterdam Freight Services BV", "Sariwon Children's Hospital",
    "Dalian Port Logistics Co.", "Geneva Cold Chain Solutions SA", "Médecins Sans Frontières",
    "International Trading Company", "Korea Red Cross", "Haeju Provincial Hospital", "Global Logistics Ltd",
    "Shenyang Medical Supplies Co.",
]  # fmt: skip


def parties_like(entries, count: int, rng: random.Random) -> list[PartyQuery]:
    """Mostly clean parties, one in four a variant of a listed name (company form dropped, words reversed)."""
    parties = []
    for n in range(count):
        if n % 4 == 0:
            words = normalize(rng.choice(entries).name).split()
            parties.append(PartyQuery(" ".join(reversed(words)).title(), "KP", "supplier"))
        else:
            parties.append(PartyQuery(f"{rng.choice(CLEAN)} {n}", "CH", "supplier"))
    return parties


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main() -> None:
    rng = random.Random(3)
    entries = generated_entries(30_000)
    data = write_ofac(entries).encode()
    index = ListIndex()
    started = time.perf_counter()
    parsed = formats.parse("ofac_sdn", data)
    parsed_at = time.perf_counter()
    for entry in parsed.entries:
        index.add(entry.external_id, entry)
    loaded_at = time.perf_counter()
    names = len(index)
    print(
        f"list: {len(parsed.entries):,} entries, {names:,} names, {len(data) / 1e6:.1f} MB of SDN.XML; "
        f"parsed in {parsed_at - started:.2f} s, indexed in {loaded_at - parsed_at:.2f} s"
    )

    dossier = parties_like(parsed.entries, 20, rng)
    runs = [timed(lambda: [index.match(p) for p in dossier]) for _ in range(15)]
    hits = sum(bool(index.match(p)) for p in dossier)
    print(
        f"1. 20 parties vs {names:,} names: median {statistics.median(runs) * 1000:.1f} ms, "
        f"worst {max(runs) * 1000:.1f} ms over 15 runs ({hits} of 20 parties hit)   goal < 200 ms"
    )

    changed = generated_entries(50, seed=99)
    parties = parties_like(parsed.entries + changed, 10_000, rng)
    # Fifty parties are the changed entries themselves, so the rescreen has real hits to find.
    parties[::200] = [PartyQuery(e.name.title(), "KP") for e in changed]
    start = time.perf_counter()
    changes = ListIndex()
    for entry in changed:
        changes.add(entry.external_id, entry)
    found = sum(len(changes.match(p)) for p in parties)
    elapsed = time.perf_counter() - start
    print(f"2. rescreen {len(parties):,} parties vs a 50-entry change: {elapsed:.2f} s, {found} new hits   goal < 10 s")


if __name__ == "__main__":
    main()
