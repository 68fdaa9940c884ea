"""The tables every face shows (the staff page, an organization's own page, the public page) and downloads as CSV:
built once from the cases, each cell knowing how many cases it rests on, so one rule (`publishable`) suppresses
every public cell resting on fewer than PUBLIC_MINIMUM cases, in the HTML, the charts and the CSV alike.

A count rests on the cases it counts; a median or a percentile on the cases it is computed from; a share on both
the cases it counts and the cases it is a share of (a share of 1 in 20 would otherwise tell the 1)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from .. import procedures
from ..models import Filing
from .cases import Case, outcome_label, refusal_outcomes
from .reasons import CATEGORIES, categorize
from .stats import PUBLIC_MINIMUM, median, p90, share

SUPPRESSED_TEXT = f"fewer than {PUBLIC_MINIMUM} cases"
EMPTY_TEXT = "—"
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Cell:
    value: float | int | str | None
    cases: int | None = None  # the cases the figure rests on; None for a label
    percent: bool = False
    suppressed: bool = False

    @property
    def text(self) -> str:
        if self.suppressed:
            return SUPPRESSED_TEXT
        if self.value is None:
            return EMPTY_TEXT
        if self.percent:
            return f"{self.value * 100:.1f} %"
        if isinstance(self.value, float):
            return f"{self.value:.1f}"
        return str(self.value)

    @property
    def is_label(self) -> bool:
        return self.cases is None


@dataclass(frozen=True)
class Chart:
    """Which columns a bar chart of the table draws: the labels, the median and the 90th percentile."""

    title: str
    labels: int  # the first `labels` cells of a row name it
    median: int
    p90: int


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    description: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    chart: Chart | None = None


def label(text: str) -> Cell:
    return Cell(text)


def count(n: int) -> Cell:
    return Cell(n, cases=n)


def ratio(part: int, whole: int) -> Cell:
    return Cell(share(part, whole), cases=min(part, whole), percent=True)


def days(values: list[float]) -> list[Cell]:
    """The median and the 90th percentile of `values` (days)."""
    return [Cell(median(values), cases=len(values)), Cell(p90(values), cases=len(values))]


def authority_label(case: Case) -> str:
    return f"{case.authority_name} ({case.authority_code})"


def choice_label(choices, value: str) -> str:
    """The label of a stored choice; a value no longer among the choices reads as itself."""
    return dict(choices.choices).get(value, value)


def grouped(cases: list[Case], key: Callable[[Case], tuple]) -> list[tuple[tuple, list[Case]]]:
    groups: dict[tuple, list[Case]] = defaultdict(list)
    for case in cases:
        groups[key(case)].append(case)
    return sorted(groups.items())


def _time_cells(group: list[Case]) -> list[Cell]:
    decided = [c for c in group if c.decided]
    return [
        count(len(group)),
        count(len(decided)),
        *days([c.days_to_decision for c in decided]),
        *days([c.authority_days for c in decided]),
    ]


TIME_COLUMNS = [
    "Filed",
    "Decided",
    "Median days to decision",
    "90th percentile days",
    "Median days at the authority",
    "90th percentile days at the authority",
]


def time_table(
    cases: list[Case],
    key: str,
    title: str,
    by: list[tuple[str, Callable[[Case], str]]],
    more: tuple[list[str], Callable[[list[Case]], list[Cell]]] = ([], lambda group: []),
) -> Table:
    """Days to decision net of the applicant's time, and the authority's own time (net of a Member State's too),
    grouped by the columns `by` (heading, value of a case); `more` adds columns (headings, cells of a group)."""
    rows = []
    for names, group in grouped(cases, lambda c: tuple(value(c) for _, value in by)):
        rows.append([*map(label, names), *_time_cells(group), *more[1](group)])
    chart = Chart(f"{title}: median and 90th percentile days to decision", len(by), len(by) + 2, len(by) + 3)
    description = (
        "Days from filing to decision, not counting the time the request waited on the applicant (an information "
        "request, a Committee member's questions); the authority's own time also leaves out the time a Member "
        "State or other forwarding body held the request before transmitting it."
    )
    return Table(key, title, description, [h for h, _ in by] + TIME_COLUMNS + more[0], rows, chart)


def _forwarding_cells(group: list[Case]) -> list[Cell]:
    return days([c.forwarding_days for c in group if c.forwarded_at])


def channel_table(cases: list[Case]) -> Table:
    return time_table(
        cases,
        "channels",
        "By submission channel",
        [("Authority", authority_label), ("Channel", lambda c: choice_label(Filing.Channel, c.channel))],
        (["Median days with the forwarding body", "90th percentile days with the forwarding body"], _forwarding_cells),
    )


def holds_table(cases: list[Case]) -> Table:
    holding = {p.key for p in procedures.PROCEDURES.values() if any(s.deadline == procedures.HOLD for s in p.states)}
    rows = []
    for (name,), group in grouped([c for c in cases if c.workflow_key in holding], lambda c: (authority_label(c),)):
        held = [c.hold_days for c in group if c.held]
        rows.append([label(name), count(len(group)), count(len(held)), ratio(len(held), len(group)), *days(held)])
    columns = ["Authority", "Filed", "Held", "Share held", "Median days on hold", "90th percentile days on hold"]
    description = (
        "Committee members' holds: from the hold to the day it was lifted (its questions to the applicant "
        "included; a hold still running counts to today)."
    )
    return Table("holds", "Holds", description, columns, rows, Chart("Days on hold", 1, 4, 5))


def outcomes_table(cases: list[Case]) -> Table:
    outcomes = refusal_outcomes()
    rows = []
    for (name,), group in grouped(cases, lambda c: (authority_label(c),)):
        decided = [c for c in group if c.decided]
        rows.append(
            [
                label(name),
                count(len(group)),
                count(len(decided)),
                ratio(sum(c.questions_asked for c in group), len(group)),
                ratio(sum(c.approved for c in decided), len(decided)),
                *(ratio(sum(c.refusal == outcome for c in decided), len(decided)) for outcome in outcomes),
            ]
        )
    columns = ["Authority", "Filed", "Decided", "Returned with questions", "Approved"]
    columns += [outcome_label(o) for o in outcomes]
    description = "Shares of the requests filed (questions) and of those decided (the outcomes)."
    return Table("outcomes", "Outcomes", description, columns, rows)


def reasons_table(cases: list[Case]) -> Table:
    order = {c.key: n for n, c in enumerate(CATEGORIES)}
    refused = [c for c in cases if c.decided and c.refusal]
    totals: dict[tuple, int] = defaultdict(int)
    for case in refused:
        totals[(authority_label(case), case.refusal)] += 1
    rows = []
    keyed = grouped(refused, lambda c: (authority_label(c), c.refusal, order[categorize(c.decision_reasons).key]))
    for (name, outcome, category), group in keyed:
        rows.append(
            [
                label(name),
                label(outcome_label(outcome)),
                label(CATEGORIES[category].label),
                count(len(group)),
                ratio(len(group), totals[(name, outcome)]),
            ]
        )
    columns = ["Authority", "Outcome", "Reason", "Requests", "Share of the outcome"]
    description = "The reasons given for each negative outcome, sorted into categories."
    return Table("reasons", "Reasons for negative outcomes", description, columns, rows)


def shipments_table(cases: list[Case], today: dt.date) -> Table:
    rows = []
    for (name,), group in grouped([c for c in cases if c.approved], lambda c: (authority_label(c),)):
        ended = [c for c in group if c.validity_ended(today)]
        lapsed = sum(c.lapsed_unused(today) for c in ended)
        shipped = [c.days_to_first_shipment for c in group if c.first_shipment_on]
        rows.append(
            [
                label(name),
                count(len(group)),
                count(len(ended)),
                count(lapsed),
                ratio(lapsed, len(ended)),
                count(len(shipped)),
                *days(shipped),
            ]
        )
    columns = [
        "Authority", "Approvals", "Validity ended", "Lapsed before any shipment", "Share lapsed", "Shipped",
        "Median days from approval to first shipment", "90th percentile days",
    ]  # fmt: skip
    description = (
        "Approvals whose validity ended before any shipment drawing on them left, and the days from the approval "
        "to the first shipment's departure."
    )
    return Table("shipments", "Approvals and shipments", description, columns, rows, Chart("Days to ship", 1, 6, 7))


def build_tables(cases: list[Case], today: dt.date) -> list[Table]:
    """Every table of a page, in the order shown."""
    return [
        time_table(cases, "authorities", "By authority", [("Authority", authority_label)]),
        time_table(
            cases,
            "legal_bases",
            "By legal basis",
            [("Authority", authority_label), ("Legal basis", lambda c: choice_label(Filing.LegalBasis, c.legal_basis))],
        ),
        channel_table(cases),
        holds_table(cases),
        outcomes_table(cases),
        reasons_table(cases),
        shipments_table(cases, today),
    ]


def publishable(table: Table) -> Table:
    """The table as the public sees it: every figure resting on fewer than PUBLIC_MINIMUM cases suppressed."""
    rows = [
        [
            replace(cell, suppressed=True) if cell.cases is not None and cell.cases < PUBLIC_MINIMUM else cell
            for cell in row
        ]
        for row in table.rows
    ]
    return replace(table, rows=rows)


def _csv_text(text: str) -> str:
    """A text a spreadsheet will not run as a formula."""
    return "'" + text if text.startswith(CSV_FORMULA_STARTS) else text


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([_csv_text(cell.text) if cell.is_label else cell.text for cell in row])
    return out.getvalue().encode("utf-8")
