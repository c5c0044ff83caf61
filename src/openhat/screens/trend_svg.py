"""The chart's street-heroin strip: one mark per screen, oldest on the left, as an inline SVG.

Accessible by construction: the SVG is an image with a title and a description that say the same
as the table beside it, and each mark carries its own title; the finding is told by shape and
letter as well as colour (a filled square with "S" for street heroin, an outlined circle for no
marker, a dashed circle with "?" when the markers were not tested), so it reads without colour.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from openhat.screens.models import UrineDrugScreen
from openhat.screens.street_heroin import StreetHeroin

STEP = 44  # px between marks: eight screens fit a half-width card at 1024 px
HEIGHT = 64
MARK = 14


def _mark(index: int, screen: UrineDrugScreen) -> SafeString:
    x = 22 + index * STEP
    y = 24
    day = screen.sampled_at.astimezone(screen.clinic.zone).date() if screen.clinic_id else None
    label = f"{day:%Y-%m-%d}: {screen.get_street_heroin_display()}" if day else ""
    if screen.street_heroin == StreetHeroin.DETECTED:
        shape = format_html(
            '<rect x="{}" y="{}" width="{}" height="{}" class="uds-detected"/>'
            '<text x="{}" y="{}" class="uds-letter" fill="#fff">S</text>',
            x - MARK, y - MARK, 2 * MARK, 2 * MARK, x, y + 5,
        )  # fmt: skip
    elif screen.street_heroin == StreetHeroin.NOT_DETECTED:
        shape = format_html('<circle cx="{}" cy="{}" r="{}" class="uds-clear"/>', x, y, MARK)
    else:
        shape = format_html(
            '<circle cx="{}" cy="{}" r="{}" class="uds-untested"/>'
            '<text x="{}" y="{}" class="uds-letter">?</text>',
            x, y, MARK, x, y + 5,
        )  # fmt: skip
    return format_html(
        '<g><title>{}</title>{}<text x="{}" y="{}" class="uds-day">{}</text></g>',
        label, shape, x, HEIGHT - 4, f"{day:%m-%d}" if day else "",
    )  # fmt: skip


def trend_svg(screens: Sequence[UrineDrugScreen], summary: str = "") -> SafeString:
    if not screens:
        return SafeString("")
    width = 44 + (len(screens) - 1) * STEP
    marks = format_html_join("", "{}", ((_mark(i, s),) for i, s in enumerate(screens)))
    description = summary or "; ".join(
        f"{s.sampled_at:%Y-%m-%d} {s.get_street_heroin_display().lower()}" for s in screens
    )
    return format_html(
        '<svg class="uds-trend" role="img" aria-labelledby="uds-trend-title uds-trend-desc" '
        'viewBox="0 0 {} {}" width="{}" height="{}">'
        '<title id="uds-trend-title">Street heroin in the last {} urine screens, oldest first'
        '</title><desc id="uds-trend-desc">{}</desc>{}</svg>',
        width, HEIGHT, width, HEIGHT, len(screens), description, marks,
    )  # fmt: skip
