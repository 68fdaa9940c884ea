"""bench/SIMULATION.md: what a run did, the invariant table, processing-time distributions and SVG charts."""

from __future__ import annotations

import platform
import statistics
from collections import Counter, defaultdict
from pathlib import Path

from django.db import connection

from ..analytics import bar_chart, load_cases, percentile
from ..models import Filing, OutgoingEmail
from .invariants import INVARIANTS


def decision_days(outcome) -> dict[str, list[float]]:
    """Days from filing to decision net of the applicant's time, per authority, as the analytics count them."""
    found = defaultdict(list)
    for case in load_cases(Filing.objects.filter(pk__in=outcome.filing_ids)):
        if case.decided:
            found[case.authority_code].append(case.days_to_decision)
    return dict(found)


def write(outcome, path: Path, command: str, note: str = "") -> None:
    checker = outcome.checker
    days = decision_days(outcome)
    rows = [(code, statistics.median(v), percentile(v, 0.9)) for code, v in sorted(days.items())]
    chart = path.with_name(path.stem + "-decisions.svg")
    chart.write_text(bar_chart("Days from filing to decision, net of applicant wait (median / p90)", rows))
    finals = Counter(
        Filing.objects.filter(pk__in=outcome.filing_ids).values_list("authority__code", "status").iterator()
    )
    emails = Counter(
        OutgoingEmail.objects.filter(pk__gt=checker.first_email_id, sent_at__isnull=False).values_list(
            "family", flat=True
        )
    )
    lines = [
        "# A simulated year",
        "",
        f"`{command}` — scenario {outcome.scenario}, seed {outcome.seed}, on {connection.vendor}, "
        f"{platform.machine()} {platform.system()} with {__import__('os').cpu_count()} CPUs (Python {platform.python_version()}).",
        "",
        *([note, ""] if note else []),
        f"- {outcome.apps} applications, {outcome.filings} filings, {outcome.days} simulated days, {outcome.sweeps} sweeps"
        f" ({outcome.sweeps_left_out} midnight sweeps left out: nothing of their zone's authorities was due)",
        f"- wall time {outcome.seconds:.1f} s, of which sweeps {outcome.sweep_seconds:.1f} s "
        f"({outcome.sweep_seconds / max(outcome.sweeps, 1) * 1000:.0f} ms per sweep)",
        f"- moves: {', '.join(f'{k} {v}' for k, v in sorted(outcome.moves.items()))}",
        f"- after the approvals: {', '.join(f'{k} {v}' for k, v in outcome.aftercare.items())}",
        f"- emails sent: {', '.join(f'{k} {v}' for k, v in sorted(emails.items()))} (total {sum(emails.values())})",
        "",
        "## Where the time goes",
        "",
        "Wall seconds per part of the run (a sweep's share includes the invariant checks after it).",
        "",
        "| part | seconds | share |",
        "|---|---:|---:|",
        *[
            f"| {part} | {seconds:.1f} | {seconds / max(outcome.seconds, 1e-9):.0%} |"
            for part, seconds in outcome.spent.most_common()
        ],
        "",
        "## Invariants",
        "",
        "| invariant | checks | violations |",
        "|---|---:|---:|",
        *[f"| {name} | {checker.checks[name]} | 0 |" for name in INVARIANTS],
        "",
        "## Days from filing to decision (net of applicant wait)",
        "",
        "| authority | decided | median | p90 | max |",
        "|---|---:|---:|---:|---:|",
        *[f"| {code} | {len(days[code])} | {m:.1f} | {p:.1f} | {max(days[code]):.1f} |" for code, m, p in rows],
        "",
        f"![decision times]({chart.name})",
        "",
        "## Where the filings ended",
        "",
        "| authority | state | filings |",
        "|---|---|---:|",
        *[f"| {code} | {status} | {n} |" for (code, status), n in sorted(finals.items())],
        "",
    ]
    path.write_text("\n".join(lines))
