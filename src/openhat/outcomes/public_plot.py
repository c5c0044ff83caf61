"""The public report's plot: the community log over twelve months beside the clinic's own figure
(people in treatment, as each month's frozen report published it), as an inline SVG.

Two panels on one month axis: the top shows people in treatment (a bar per month; a month not
published or hidden is marked, never drawn as zero), the bottom the community log's entries
stacked by category (told by pattern letter and colour). The table beside it has the same
numbers; the SVG's title and description say what it shows.
"""

from __future__ import annotations

from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH = 720
LEFT = 44
PANEL = 110  # px height of each panel's drawing area
COLOURS = {"incident": "#b45309", "complaint": "#7c3aed", "meeting": "#0f766e"}
TREATED = "#1d4ed8"


def _scale(top: int) -> int:
    return max(1, top)


def plot(content: dict[str, Any]) -> SafeString:
    months = [row["month"] for row in content["community"]["months"]]
    treated = {row["month"]: row for row in content["history"]}
    step = (WIDTH - LEFT - 10) / max(1, len(months))
    bar = round(step * 0.6, 1)
    top_treated = _scale(
        max((treated[m]["in_treatment"] or 0 for m in months if m in treated), default=0)
    )
    logged = [sum(row["counts"].values()) for row in content["community"]["months"]]
    top_logged = _scale(max(logged, default=0))
    parts: list[SafeString] = []
    base1, base2 = 30 + PANEL, 30 + PANEL + 50 + PANEL
    parts.append(
        format_html(
            '<text x="{}" y="18" font-family="sans-serif" font-size="13" font-weight="600" fill="#24292f">People in treatment</text>'
            '<text x="{}" y="{}" font-family="sans-serif" font-size="13" font-weight="600" fill="#24292f">Community log entries</text>'
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#555"/>'
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#555"/>'
            '<text x="{}" y="{}" font-family="sans-serif" font-size="11" fill="#57606a" text-anchor="end">{}</text>'
            '<text x="{}" y="{}" font-family="sans-serif" font-size="11" fill="#57606a" text-anchor="end">{}</text>',
            LEFT,
            LEFT,
            base1 + 38,
            LEFT,
            base1,
            WIDTH - 10,
            base1,
            LEFT,
            base2,
            WIDTH - 10,
            base2,
            LEFT - 4,
            36,
            top_treated,
            LEFT - 4,
            base1 + 56,
            top_logged,
        )
    )
    for i, month in enumerate(months):
        x = round(LEFT + i * step + (step - bar) / 2, 1)
        row = treated.get(month)
        value = row["in_treatment"] if row else None
        if value is not None:
            height = round(PANEL * value / top_treated, 1)
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}">'
                    "<title>{}: {} in treatment</title></rect>",
                    x,
                    round(base1 - height, 1),
                    bar,
                    height,
                    TREATED,
                    month,
                    value,
                )
            )
        else:
            mark = "not published" if row is None or not row["frozen"] else "hidden"
            parts.append(
                format_html(
                    '<text x="{}" y="{}" font-family="sans-serif" font-size="12" fill="#6e7781" text-anchor="middle">'
                    "{}<title>{}: {}</title></text>",
                    round(x + bar / 2, 1),
                    base1 - 4,
                    "\u2013" if mark == "not published" else "h",
                    month,
                    mark,
                )
            )
        y = float(base2)
        counts = content["community"]["months"][i]["counts"]
        for category, _label in content["community"]["categories"]:
            n = counts.get(category, 0)
            if not n:
                continue
            height = round(PANEL * n / top_logged, 1)
            y = round(y - height, 1)
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}">'
                    "<title>{}: {} {}</title></rect>",
                    x,
                    y,
                    bar,
                    height,
                    COLOURS.get(category, "#444"),
                    month,
                    n,
                    category,
                )
            )
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-family="sans-serif" font-size="11" fill="#57606a" text-anchor="middle">{}</text>',
                round(x + bar / 2, 1),
                base2 + 16,
                month[2:],
            )
        )
    legend = format_html_join(
        "",
        '<rect x="{}" y="{}" width="12" height="12" fill="{}"/>'
        '<text x="{}" y="{}" font-family="sans-serif" font-size="11" fill="#57606a">{}</text>',
        (
            (
                LEFT + j * 210,
                base2 + 28,
                COLOURS.get(key, "#444"),
                LEFT + j * 210 + 16,
                base2 + 38,
                label,
            )
            for j, (key, label) in enumerate(content["community"]["categories"])
        ),
    )
    height = base2 + 48
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%" role="img" '
        'aria-labelledby="plot-title plot-desc" class="public-plot">'
        '<title id="plot-title">People in treatment and community log entries, by month</title>'
        '<desc id="plot-desc">The same numbers are in the table below the plot. A dash marks a '
        "month with no published report, h a month whose count was hidden.</desc>{}{}</svg>",
        WIDTH,
        height,
        mark_safe("".join(parts)),  # noqa: S308 (each part was built with format_html)
        legend,
    )
