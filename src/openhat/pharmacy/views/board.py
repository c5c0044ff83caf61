"""The pharmacy board (balances, product totals, alerts, open discrepancies) and one ledger entry
with the rest of its movement. Nurses see the dosing room's stock only."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from itertools import groupby
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from openhat.clinics.roles import Capability
from openhat.clinics.view_helpers import domain_errors_as_pages
from openhat.core import clock
from openhat.pharmacy import services
from openhat.pharmacy.models import EntryKind, LedgerEntry, LocationKind, StockBalance
from openhat.pharmacy.services.lookup import lot_is_expired, solution_is_expired
from openhat.pharmacy.services.movements import returned_so_far
from openhat.pharmacy.services.queries import expiry_warning_days
from openhat.pharmacy.views.common import PharmacyAccess, pharmacy_access, visible_entry


def _row(access: PharmacyAccess, balance: StockBalance, horizon: Any) -> dict[str, Any]:
    lot = balance.lot
    expired = lot_is_expired(lot, access.clinic)
    solution_expired = solution_is_expired(lot)
    in_quarantine = balance.location.kind == LocationKind.QUARANTINE
    return {
        "balance": balance,
        "blocked": expired or solution_expired,
        "solution_expired": solution_expired,
        # A solution's last day is its in-use expiry, shown as such: not a lot "expiring soon".
        "expiring": not (expired or solution_expired)
        and lot.in_use_expires_at is None
        and lot.expires_on <= horizon,
        "in_quarantine": in_quarantine,
        "reconstitutable": balance.product.reconstitutes_to_id is not None and not in_quarantine,
        "stock": f"{lot.pk}:{balance.location_id}",
    }


@login_required
@require_GET
@domain_errors_as_pages
def board(request: HttpRequest) -> HttpResponse:
    access = pharmacy_access(request, Capability.VIEW_DOSING_ROOM_STOCK)
    clinic = access.clinic
    horizon = access.today + timedelta(days=expiry_warning_days())
    balances = list(services.balances(clinic, dosing_room_only=access.dosing_room_only))
    by_location = [
        (location, [_row(access, balance, horizon) for balance in rows])
        for location, rows in groupby(balances, key=lambda balance: balance.location)
    ]
    return render(
        request,
        "pharmacy/board.html",
        {
            "by_location": by_location,
            "alerts": services.alerts(clinic, dosing_room_only=access.dosing_room_only),
            "totals": services.product_totals(clinic) if access.can_view_all else [],
            "discrepancies": services.open_discrepancies(clinic) if access.can_view_all else [],
            "now": clock.now(),
            **access.context(),
        },
    )


@login_required
@require_GET
@domain_errors_as_pages
def entry(request: HttpRequest, entry_id: int) -> HttpResponse:
    access = pharmacy_access(request, Capability.VIEW_DOSING_ROOM_STOCK)
    shown = visible_entry(access, entry_id)
    lines = LedgerEntry.objects.filter(movement=shown.movement).select_related(
        "lot__product", "location", "patient", "reverses"
    )
    if access.dosing_room_only:
        lines = lines.filter(location__kind=LocationKind.DOSING_ROOM)
    reversed_by = (
        LedgerEntry.objects.filter(reverses__movement=shown.movement).order_by("chain_seq").first()
    )
    returns = (
        LedgerEntry.objects.filter(returns_entry=shown).order_by("chain_seq")
        if shown.kind == EntryKind.DOSE_ISSUED
        else LedgerEntry.objects.none()
    )
    movement_is_reversal = any(line.kind == EntryKind.REVERSAL for line in lines)
    outstanding = (
        -shown.quantity_mg - returned_so_far(shown)
        if shown.kind == EntryKind.DOSE_ISSUED
        else Decimal("0")
    )
    accounted_for = LedgerEntry.objects.filter(
        returns_entry__movement=shown.movement, reversed_by__isnull=True
    ).exists()
    return render(
        request,
        "pharmacy/entry.html",
        {
            "entry": shown,
            "lines": lines.order_by("chain_seq"),
            "reversed_by": reversed_by,
            "returns": returns,
            "may_reverse": access.can_move
            and reversed_by is None
            and not movement_is_reversal
            and not accounted_for,
            "may_return": access.can_issue
            and shown.kind == EntryKind.DOSE_ISSUED
            and reversed_by is None
            and outstanding > 0,
            "outstanding_mg": outstanding,
            **access.context(),
        },
    )
