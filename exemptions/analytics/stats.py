"""The arithmetic: the nearest-rank percentile, the median, and `figures()`, the headline numbers of any set of
filings (the simulation checks them against its own record of each case)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from .cases import Case, load_cases

PUBLIC_MINIMUM = 5  # no public figure rests on fewer cases (tables.publishable)


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `share` of the values at or below it."""
    ordered = sorted(values)
    rank = max(1, -(-round(share * 100) * len(ordered) // 100))
    return ordered[rank - 1]


def median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def p90(values: list[float]) -> float | None:
    return round(percentile(values, 0.9), 1) if values else None


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


@dataclass(frozen=True)
class Figures:
    filed: int  # requests filed
    decided: int  # of which decided
    median_days: float | None  # filing to decision, net of the applicant's time
    p90_days: float | None
    returned_share: float | None  # share of filed requests returned with questions at least once
    denied_share: float | None  # share of decided requests refused (denied, returned as incomplete, objected)

    @property
    def enough_to_publish(self) -> bool:
        return self.decided >= PUBLIC_MINIMUM


def figures_of(cases: list[Case]) -> Figures:
    days = [c.days_to_decision for c in cases if c.decided]
    return Figures(
        filed=len(cases),
        decided=len(days),
        median_days=median(days),
        p90_days=p90(days),
        returned_share=share(sum(c.questions_asked for c in cases), len(cases)),
        denied_share=share(sum(bool(c.refusal) for c in cases if c.decided), len(days)),
    )


def figures(filings) -> Figures:
    """The figures of a queryset of filings (only those filed count)."""
    return figures_of(load_cases(filings))
