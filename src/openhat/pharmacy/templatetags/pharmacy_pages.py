"""Quantities as the pharmacy pages show them, and the open-discrepancy notice of the dashboard."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from openhat.clinics.models import StaffMembership
from openhat.clinics.roles import Capability, role_can
from openhat.pharmacy.forms import count_units_text, quantity_text
from openhat.pharmacy.models import Discrepancy, Product

register = template.Library()


@register.filter
def qty(value: Decimal | None) -> str:
    """10000.000 -> "10,000"; None -> "" (no mL for a product that is not a liquid)."""
    return quantity_text(value)


@register.filter
def signed_qty(value: Decimal | None) -> str:
    """+50 or -50 (with a real minus sign), so it reads as a change."""
    if value is None:
        return ""
    if value > 0:
        return f"+{quantity_text(value)}"
    if value < 0:
        return f"\N{MINUS SIGN}{quantity_text(-value)}"
    return "0"


@register.filter
def count_units(quantity_mg: Decimal | None, product: Product) -> str:
    """The quantity in vials, tablets or capsules when the product is counted so."""
    if quantity_mg is None:
        return ""
    return count_units_text(product, abs(quantity_mg))


@register.filter
def ml_of(quantity_mg: Decimal | None, product: Product) -> str:
    """The quantity in mL for a liquid, else ""."""
    if quantity_mg is None or not product.is_liquid:
        return ""
    return quantity_text(product.ml_for(quantity_mg))


@register.filter
def signed_ml(quantity_mg: Decimal | None, product: Product) -> str:
    """A signed change in mg as a signed change in mL, for a liquid."""
    if quantity_mg is None or not product.is_liquid:
        return ""
    return signed_qty(product.ml_for(quantity_mg))


@register.inclusion_tag("pharmacy/dashboard_notice.html")
def open_discrepancies_notice(membership: StaffMembership | None) -> dict[str, Any]:
    """Open discrepancies of the working clinic, for roles that see all stock (docs/domain.md §6: a
    discrepancy stays on the dashboard until someone closes it)."""
    if membership is None or not role_can(membership.role, Capability.VIEW_STOCK):
        return {"count": 0}
    count = Discrepancy.objects.filter(clinic_id=membership.clinic_id, closure__isnull=True).count()
    return {"count": count}


@register.filter
def username(value: str) -> str:
    """A username that may wrap only after its separators (_ . - @), never inside a word, so a
    narrow printed column never breaks it letter by letter."""
    escaped = str(conditional_escape(value or ""))
    for separator in ("_", ".", "-", "@"):
        escaped = escaped.replace(separator, f"{separator}<wbr>")
    return mark_safe(escaped)  # noqa: S308 - escaped above; only <wbr> is added


def _cell(value: object, css: str = "") -> str:
    text = "" if value is None else conditional_escape(str(value))
    return f'<td class="{css}">{text}</td>' if css else f"<td>{text}</td>"


@register.simple_tag
def register_rows(found: Any) -> str:
    """The register's lines as table rows, built here rather than in a template loop: a month's
    register of the busiest product is thousands of rows, and the page and its PDF both print it.
    Every value is escaped; usernames wrap only after their separators (see `username`)."""
    liquid = found.is_liquid
    rows = []
    for line in found.lines:
        cells = [
            _cell(line.entry, "num"),
            _cell(line.at.strftime("%Y-%m-%d %H:%M"), "when"),
            _cell(line.kind_label),
            _cell(line.lot_number, "text"),
            _cell(line.location),
            _cell(line.in_mg, "num"),
            *([_cell(line.in_ml, "num")] if liquid else []),
            _cell(line.out_mg, "num"),
            *([_cell(line.out_ml, "num")] if liquid else []),
            _cell(line.balance_mg, "num"),
            *([_cell(line.balance_ml, "num")] if liquid else []),
            _cell(
                " · ".join(part for part in (line.supplier, line.document_number) if part), "text"
            ),
            _cell(line.patient, "code"),
            f'<td class="who">{username(line.actor)}</td>',
            f'<td class="who">{username(line.witness)}</td>',
            _cell(" · ".join(part for part in (line.reason, line.note) if part), "text"),
        ]
        css = "reversal" if line.reverses_entry else ""
        rows.append(f'<tr class="{css}" data-testid="register-line">{"".join(cells)}</tr>')
    if not rows:
        columns = 16 if liquid else 13
        rows.append(
            f'<tr><td colspan="{columns}" class="muted">No movements in this period.</td></tr>'
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - every value escaped above
