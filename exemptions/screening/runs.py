"""Screening runs: the parties of a dossier against the current list versions, frozen with the versions used.

The engine screens the dossier as filed in the transaction that files it (the `screen_parties` effect), so a
filing never exists without the run that proves what was checked; an applicant may also screen a draft on
demand. A hit is disposed of through the engine too (`record_disposition` is called from `engine.apply`), so
the disposition is an event of the filing's hash-chained trail, taken under the same guard and
compare-and-set as any action, while the filing's status stays as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import snapshot
from ..models import Application, Event, Filing, SanctionsListEntry, SanctionsListVersion, ScreeningHit, ScreeningRun
from .matching import ListIndex, PartyQuery, rule_flags

MAX_HITS_PER_PARTY = 10


@dataclass
class Screener:
    """The entries of some list versions, indexed; `meta` maps an entry id to (source, external id)."""

    versions: list[SanctionsListVersion]
    index: ListIndex = field(default_factory=ListIndex)
    meta: dict[int, tuple[str, str]] = field(default_factory=dict)

    def add_entries(self, entries) -> None:
        for entry in entries:
            self.index.add(entry.pk, entry.as_record())
            self.meta[entry.pk] = (entry.version.source, entry.external_id)

    def hits_for(self, parties: list[dict], rules: bool = True) -> list[ScreeningHit]:
        """Unsaved hits (list matches and, with `rules`, rule flags) for parties given as snapshot dicts."""
        hits = []
        for position, party in enumerate(parties):
            query = PartyQuery(
                name=party.get("name", ""),
                country=party.get("country", ""),
                role=party.get("role", ""),
                identifier=party.get("identifier", "") or "",
                address=party.get("address", "") or "",
            )
            about = dict(party_index=position, party_name=query.name[:200], party_role=query.role[:20])
            about["party_country"] = query.country[:2]
            for match in self.index.match(query)[:MAX_HITS_PER_PARTY]:
                source, external_id = self.meta[match.entry]
                hits.append(
                    ScreeningHit(
                        **about,
                        match_key=f"{source}:{external_id}"[:100],
                        entry_id=match.entry,
                        matched_name=match.matched_name[:500],
                        score=match.score,
                        reasons=match.reasons,
                    )
                )
            for flag in rule_flags(query) if rules else ():
                hits.append(
                    ScreeningHit(
                        **about, match_key=f"rule:{flag.rule}", rule=flag.rule, score=100, reasons=flag.reasons
                    )
                )
        return hits


_cache: dict[tuple, Screener] = {}


def current_screener() -> Screener:
    """A screener over the newest version of every list, built once per set of versions and kept in memory."""
    versions = SanctionsListVersion.current()
    key = tuple(sorted(v.pk for v in versions))
    if key not in _cache:
        screener = Screener(versions)
        screener.add_entries(SanctionsListEntry.objects.filter(version__in=versions).select_related("version"))
        _cache.clear()
        _cache[key] = screener
    return _cache[key]


def changes_screener(version: SanctionsListVersion) -> Screener:
    """A screener over only the entries `version` added or changed."""
    screener = Screener([version])
    screener.add_entries(version.entries.filter(changed=True).select_related("version"))
    return screener


def parties_of(application: Application) -> list[dict]:
    return [
        {"role": p.role, "name": p.name, "country": p.country, "address": p.address, "identifier": p.identifier}
        for p in application.parties.all()
    ]


def save_run(run: ScreeningRun, hits: list[ScreeningHit], versions) -> ScreeningRun:
    run.save()
    run.list_versions.set(versions)
    for hit in hits:
        hit.run = run
        hit.filing = run.filing
    ScreeningHit.objects.bulk_create(hits)
    return run


def screen_filing(filing: Filing, event: Event) -> ScreeningRun:
    """Screen the dossier as filed (the filing's snapshot) and freeze the run on the filing."""
    screener = current_screener()
    parties = (filing.snapshot or {}).get("parties", [])
    run = ScreeningRun(
        application_id=filing.application_id,
        filing=filing,
        occasion=ScreeningRun.Occasion.FILING,
        event=event,
        parties=parties,
        created_at=event.created_at,
        requested_by=event.actor,
    )
    return save_run(run, screener.hits_for(parties), screener.versions)


def screen_draft(application: Application, user) -> ScreeningRun:
    """Screen a dossier's parties as they stand now, on demand; nothing is frozen on a filing."""
    screener = current_screener()
    parties = parties_of(application)
    run = ScreeningRun(
        application=application, occasion=ScreeningRun.Occasion.ON_DEMAND, parties=parties, requested_by=user
    )
    return save_run(run, screener.hits_for(parties), screener.versions)


@dataclass(frozen=True)
class Disposition:
    hit: ScreeningHit
    verdict: str
    note: str


def record_disposition(disposition: Disposition, event: Event) -> None:
    """Write a reviewer's verdict on a hit, as recorded by `event` (called inside `engine.apply`)."""
    ScreeningHit.objects.filter(pk=disposition.hit.pk).update(
        disposition=disposition.verdict,
        disposition_note=disposition.note,
        disposed_by=event.actor,
        disposed_at=event.created_at,
        disposition_event=event,
    )


def filing_hits(filing: Filing):
    return (
        ScreeningHit.objects.filter(filing=filing)
        .select_related("entry__version", "disposed_by", "run")
        .order_by("party_index", "-score", "id")
    )


def latest_draft_run(application: Application) -> ScreeningRun | None:
    return (
        application.screening_runs.filter(occasion=ScreeningRun.Occasion.ON_DEMAND)
        .prefetch_related("hits__entry__version", "list_versions")
        .first()
    )


def redact(filing: Filing) -> None:
    """The retention policy: the parties a filing's runs screened lose their names and addresses, as its
    snapshot does; the matched list names, scores and verdicts stay (they name listed parties, not partners)."""
    redact_runs(filing.screening_runs.all())


def redact_drafts(application: Application) -> None:
    redact_runs(application.screening_runs.filter(filing=None))


def redact_runs(runs) -> None:
    for run in runs:
        run.parties = snapshot.redact({"parties": run.parties})["parties"]
        run.save(update_fields=["parties"])
        for hit in run.hits.all():
            hit.party_name = snapshot.party_placeholder(hit.party_role or "party", hit.party_index + 1)
            hit.save(update_fields=["party_name"])
