"""Cleared to ship: is every approval the activity needs granted and valid over the whole shipment window?

Reads prefetched relations only (`filings`, `required_authorities`), so a list of applications can
show a badge each without a query per row. Screening hits that block (undisposed or confirmed) are read from
`filing.blocking_hits` when a list prefetched them there (`BLOCKING_HITS`), else queried per filing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone

from . import prerequisites, procedures
from .models import Application, ScreeningHit

# Prefetch it inside the filings' queryset: `Prefetch("filings", queryset=….prefetch_related(BLOCKING_HITS))`.
BLOCKING_HITS = Prefetch("screening_hits", queryset=ScreeningHit.objects.blocking(), to_attr="blocking_hits")


@dataclass
class Clearance:
    cleared: bool
    blockers: list[str] = field(default_factory=list)


def _day(value: dt.date) -> str:
    return f"{value.day} {value:%b %Y}"


def _uncovered(windows: list[tuple[dt.date, dt.date]], start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Stretches of start..end (inclusive) that no window covers."""
    gaps, cursor = [], start
    for valid_from, valid_until in sorted(windows):
        if valid_until < cursor:
            continue
        if valid_from > cursor:
            gaps.append((cursor, min(valid_from - dt.timedelta(days=1), end)))
        # Past the window's end nothing more needs cover; capping there also keeps a validity forced to
        # 9999-12-31 (date.max) from overflowing when the day after it is taken.
        cursor = max(cursor, min(valid_until, end) + dt.timedelta(days=1))
        if cursor > end:
            return gaps
    if cursor <= end:
        gaps.append((cursor, end))
    return [(a, b) for a, b in gaps if a <= b]


def cleared_to_ship(application: Application, today: dt.date | None = None) -> Clearance:
    """Whether the application may ship, and if not, every reason in words an applicant understands."""
    today = today or timezone.localdate()
    start, end = application.ship_from_on, application.ship_until_on
    authorities = list(application.required_authorities.all())
    if not authorities:
        return Clearance(False, ["No authority chosen yet: choose every authority whose approval the shipment needs."])
    if not (start and end):
        return Clearance(False, ["The shipment window is not set."])
    # Nothing shipped before today needs cover any more.
    effective_start = max(start, today)
    if effective_start > end:
        return Clearance(False, [f"The shipment window ended on {_day(end)}."])

    blockers = []
    filings = list(application.filings.all())
    blockers += screening_blockers(filings)
    for authority in authorities:
        own = [f for f in filings if f.authority_id == authority.pk]
        if not own:
            after = " and ".join(procedures.procedure_for(k).name for k in authority.procedure.requires_approval_from)
            when = f", filed after the {after}" if after else ""
            blockers.append(f"Not yet filed with {authority.code} ({authority.name}){when}.")
            continue
        valid = [
            (f.valid_from_on, f.valid_until_on)
            for f in own
            if f.state.grants_validity and f.valid_from_on and f.valid_until_on and f.valid_until_on >= today
        ]
        if not valid:
            blockers.append(_why_not_approved(authority.code, own, today, filings))
            continue
        for gap_start, gap_end in _uncovered(valid, effective_start, end):
            if gap_end == end and gap_start > effective_start:
                days = (end - gap_start).days + 1
                blockers.append(
                    f"{authority.code} approval expires {days} day{'s' * (days != 1)} before the shipment window ends "
                    f"(valid until {_day(gap_start - dt.timedelta(days=1))}, shipping until {_day(end)})."
                )
            elif gap_start == effective_start and gap_end < end:
                blockers.append(
                    f"{authority.code} approval starts only on {_day(gap_end + dt.timedelta(days=1))}, "
                    f"after the shipment window opens."
                )
            elif gap_start == effective_start and gap_end == end:
                blockers.append(f"{authority.code} approval does not cover the shipment window.")
            else:
                blockers.append(f"{authority.code} approvals leave a gap from {_day(gap_start)} to {_day(gap_end)}.")
    return Clearance(not blockers, blockers)


def _awaited(wait: prerequisites.Wait) -> str:
    if wait.on is None:
        return f"an approved {wait.procedure.name} (not requested yet) before it can be filed"
    return f"the {wait.on.authority.code} approval ({wait.on.reference}, {_in_sentence(wait.on.state.applicant_label)}) before it can be filed"


def blocking_hits(filing) -> list[ScreeningHit]:
    prefetched = getattr(filing, "blocking_hits", None)
    return list(prefetched) if prefetched is not None else list(ScreeningHit.objects.blocking().filter(filing=filing))


def screening_blockers(filings) -> list[str]:
    """A sanctions screening hit nobody has cleared, or one confirmed as the listed party, stops the shipment
    (on a filing still in play: a withdrawn or closed one ships nothing)."""
    blockers = []
    for filing in filings:
        hits = blocking_hits(filing) if filing.submitted_at and not filing.state.terminal else []
        confirmed = [h for h in hits if h.disposition == ScreeningHit.Disposition.CONFIRMED]
        open_hits = len(hits) - len(confirmed)
        if confirmed:
            names = ", ".join(sorted({h.party_name for h in confirmed}))
            blockers.append(f"{filing.authority.code}: screening confirmed a sanctioned party ({names}).")
        if open_hits:
            blockers.append(
                f"{filing.authority.code}: {open_hits} screening hit{'s' * (open_hits != 1)} await a reviewer's verdict."
            )
    return blockers


def _in_sentence(label: str) -> str:
    """A state's label inside a sentence: only its first letter lowered, so names keep their capitals ("the State
    Department", "UN 1718 Committee")."""
    return label[:1].lower() + label[1:]


def _why_not_approved(code: str, filings, today: dt.date, every_filing) -> str:
    latest = max(filings, key=lambda f: (f.created_at, f.pk))
    state = latest.state
    # A draft that may not be filed yet names what it waits on (EU: the 1718 Committee's approval).
    if waits := prerequisites.waiting_on(latest, every_filing, today):
        return f"{code} filing {latest.reference} waits on " + " and ".join(_awaited(w) for w in waits) + "."
    lapsed = state.grants_validity and latest.valid_until_on and latest.valid_until_on < today
    if state.lapsed or lapsed:
        return f"{code} approval expired on {_day(latest.valid_until_on)}."
    if state.initial:
        return f"{code} filing is a draft and has not been filed."
    if state.terminal:
        return f"{code} filing ended as {_in_sentence(state.applicant_label)}; file a new request."
    return f"{code} filing not approved yet ({_in_sentence(state.applicant_label)})."
