"""Processing-time evidence (issue 21): how long each authority takes from filing to decision, net of the
time a case waited on the applicant, and how often a request is returned with questions or refused.

`figures()` computes them for any set of filings; the staff page shows its authority's, the public
statistics page every authority's with nothing that names a case or an organization, and no figure from
fewer than PUBLIC_MINIMUM decided cases (too few to stay anonymous, too few to plan by).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from . import procedures
from .models import Authority, Event, Filing

PUBLIC_MINIMUM = 5
DAY_SECONDS = 86400


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `share` of the values at or below it."""
    ordered = sorted(values)
    rank = max(1, -(-round(share * 100) * len(ordered) // 100))
    return ordered[rank - 1]


def _actions_with(effect: str) -> set[str]:
    return {t.name for p in procedures.PROCEDURES.values() for t in p.with_effect(effect)}


@dataclass(frozen=True)
class Figures:
    filed: int  # requests filed
    decided: int  # of which decided
    median_days: float | None  # filing to decision, net of applicant wait
    p90_days: float | None
    returned_share: float | None  # share of filed requests returned with questions at least once
    denied_share: float | None  # share of decided requests refused

    @property
    def enough_to_publish(self) -> bool:
        return self.decided >= PUBLIC_MINIMUM


def figures(filings) -> Figures:
    """The figures of a queryset of filings (only those filed count)."""
    filed = filings.filter(submitted_at__isnull=False)
    rows = list(filed.values_list("pk", "submitted_at", "decided_at", "applicant_wait_seconds"))
    days = [
        ((decided - submitted).total_seconds() - waited) / DAY_SECONDS
        for _, submitted, decided, waited in rows
        if decided is not None
    ]
    ids = [pk for pk, *_ in rows]
    returned = (
        Event.objects.filter(filing_id__in=ids, action__in=_actions_with(procedures.POST_INFORMATION_REQUEST))
        .values("filing_id")
        .distinct()
        .count()
    )
    denied = (
        Event.objects.filter(filing_id__in=ids, action__in=_actions_with(procedures.RECORD_REFUSAL))
        .values("filing_id")
        .distinct()
        .count()
    )
    return Figures(
        filed=len(rows),
        decided=len(days),
        median_days=round(statistics.median(days), 1) if days else None,
        p90_days=round(percentile(days, 0.9), 1) if days else None,
        returned_share=round(returned / len(rows), 3) if rows else None,
        denied_share=round(denied / len(days), 3) if days else None,
    )


def by_authority(authorities=None) -> list[tuple[Authority, Figures]]:
    authorities = authorities if authorities is not None else Authority.objects.order_by("code")
    return [(a, figures(Filing.objects.filter(authority=a))) for a in authorities]


def public_rows() -> list[tuple[str, str, Figures | None]]:
    """(code, name, figures or None when suppressed): aggregates only, each from PUBLIC_MINIMUM cases or more."""
    return [(a.code, a.name, f if f.enough_to_publish else None) for a, f in by_authority()]
