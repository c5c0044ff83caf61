"""Quantities as the pharmacy pages show them, and the open-discrepancy notice of the dashboard."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

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
    """Open discrepancies of the working clinic, for roles that see all stock (CLINIC.md §6: a
    discrepancy stays on the dashboard until someone closes it)."""
    if membership is None or not role_can(membership.role, Capability.VIEW_STOCK):
        return {"count": 0}
    count = Discrepancy.objects.filter(clinic_id=membership.clinic_id, closure__isnull=True).count()
    return {"count": count}
