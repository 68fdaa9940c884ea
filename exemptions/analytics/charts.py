"""Charts drawn on the server as inline SVG: no script, no style attribute and nothing fetched from elsewhere,
so they show under the site's strict Content-Security-Policy (config/settings.py) and in any saved copy."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .tables import Table

WIDTH, ROW_HEIGHT, LEFT, TOP = 640, 26, 230, 30
MEDIAN_FILL, P90_FILL = "#1f4e8c", "#c7d7ee"


def bar_chart(title: str, rows: list[tuple[str, float, float]]) -> str:
    """A horizontal bar chart of (label, median, 90th percentile) rows: the median as a dark bar over a light
    bar to the 90th percentile, both figures written beside them. SVG text, every label escaped."""
    height = TOP + ROW_HEIGHT * len(rows) + 24
    longest = max([max(p90, median, 0) for _, median, p90 in rows] or [0]) or 1
    scale = (WIDTH - LEFT - 110) / longest
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<text x="8" y="18" font-weight="bold">{escape(title)}</text>',
    ]
    for i, (name, median, p90) in enumerate(rows):
        y = TOP + i * ROW_HEIGHT
        short = name if len(name) <= 34 else name[:20] + "…" + name[-13:]  # the end names the code
        parts += [
            f'<text x="8" y="{y + 15}">{escape(short)}</text>',
            f'<rect x="{LEFT}" y="{y + 4}" width="{max(p90, 0) * scale:.1f}" height="14" fill="{P90_FILL}"/>',
            f'<rect x="{LEFT}" y="{y + 7}" width="{max(median, 0) * scale:.1f}" height="8" fill="{MEDIAN_FILL}"/>',
            f'<text x="{LEFT + max(p90, median, 0) * scale + 6:.1f}" y="{y + 15}">{median:.1f} / {p90:.1f} d</text>',
        ]
    legend_y = TOP + ROW_HEIGHT * len(rows) + 14
    parts += [
        f'<rect x="8" y="{legend_y - 9}" width="12" height="8" fill="{MEDIAN_FILL}"/>',
        f'<text x="24" y="{legend_y}">median</text>',
        f'<rect x="84" y="{legend_y - 10}" width="12" height="10" fill="{P90_FILL}"/>',
        f'<text x="100" y="{legend_y}">90th percentile (days)</text>',
        "</svg>",
    ]
    return "\n".join(parts) + "\n"


def table_chart(table: Table) -> SafeString | None:
    """The table's chart from the cells it shows (a suppressed or empty figure draws no bar), or None."""
    spec = table.chart
    if spec is None:
        return None
    rows = []
    for row in table.rows:
        median, p90 = row[spec.median], row[spec.p90]
        if median.suppressed or p90.suppressed or median.value is None or p90.value is None:
            continue
        rows.append((" · ".join(cell.text for cell in row[: spec.labels]), median.value, p90.value))
    return mark_safe(bar_chart(spec.title, rows)) if rows else None  # noqa: S308 (built from escaped text)
