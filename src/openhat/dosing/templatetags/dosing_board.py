"""Filters for the board, the day sheet and the chart's dosing section: mg without trailing
zeros, short drug and route names, body sites and the engine's verdicts in words."""

from __future__ import annotations

from decimal import Decimal

from django import template

from openhat.dosing.services.board_orders import drug_short, mg_text
from openhat.dosing.sites import site_label
from openhat.prescribing.forms import ROUTE_LABELS

register = template.Library()

VERDICTS = {
    "dose": "dose",
    "dose_reduced": "dose reduced",
    "hold": "hold",
    "not_due": "not yet due",
    "no_valid_order": "no valid order",
    "physician_review": "physician review",
}


@register.filter
def mg(value: Decimal | None) -> str:
    """150.000 -> 150, 67.500 -> 67.5 (empty for no value)."""
    return "" if value is None else mg_text(Decimal(value))


@register.filter
def drug(value: str) -> str:
    return drug_short(value)


@register.filter
def route(value: str) -> str:
    return ROUTE_LABELS.get(value, value).split()[0]


@register.filter
def site(value: str) -> str:
    return site_label(value) if value else ""


@register.filter
def verdict(value: str) -> str:
    return VERDICTS.get(value, value.replace("_", " "))
