"""The two movements that cannot be undone in practice, destruction and the reversal of a
ledger entry's movement: details first, then a confirmation that the witness signs.

A DomainError is shown on its form field with nothing written; a refused confirmation goes back to
the details unless the witness is what was wrong.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from openhat.clinics.roles import Capability
from openhat.clinics.view_helpers import acting_user, domain_errors_as_pages
from openhat.core.errors import DomainError
from openhat.pharmacy import services
from openhat.pharmacy.forms import DestroyForm, ReverseForm, count_units_text
from openhat.pharmacy.models import (
    WITNESSED_KINDS,
    EntryKind,
    LedgerEntry,
    Location,
    Lot,
    StockBalance,
)
from openhat.pharmacy.services.lookup import location_of, lot_of
from openhat.pharmacy.services.quantities import to_mg
from openhat.pharmacy.views.common import (
    WITNESS_FIELDS,
    describe_movement,
    field_for,
    pharmacy_access,
    posted,
    prefill,
    show_on_form,
    signed_witness,
    visible_entry,
)

BOARD = "pharmacy:board"


# --- two steps: details, then a confirmation the witness signs -------------------------------

CONFIRM = "confirm"


def _step(request: HttpRequest) -> str:
    """ "details" (back to editing), "confirm" (the confirmation was submitted) or "" (checking)."""
    return request.POST.get("step", "") if request.method == "POST" else ""


def _stage_after(form: forms.Form, error: DomainError) -> str:
    """A refused confirmation goes back to the details, unless the witness is what was wrong."""
    field = field_for(form, error)
    return "confirm" if field in WITNESS_FIELDS else "details"


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def destroy(request: HttpRequest) -> HttpResponse:
    access = pharmacy_access(request, Capability.MOVE_STOCK)
    form = DestroyForm(
        posted(request),
        clinic=access.clinic,
        today=access.today,
        initial=prefill(request, "stock"),
    )
    stage = "details"
    preview: dict[str, Any] = {}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            # Read-only checks, so the confirmation shows exactly what will be destroyed.
            lot = lot_of(access.clinic, data["stock"].lot_id)
            location = location_of(access.clinic, data["stock"].location_id)
            preview = _destruction_preview(lot, location, data["amount"], data["unit"])
        except DomainError as error:
            show_on_form(form, error)
        else:
            stage = "details" if _step(request) == "details" else "confirm"
            if _step(request) == CONFIRM:
                try:
                    movement = services.destroy_stock(
                        actor=acting_user(request),
                        clinic=access.clinic,
                        lot_id=lot.pk,
                        location_id=location.pk,
                        amount=data["amount"],
                        unit=data["unit"],
                        reason=data["reason"],
                        witness=signed_witness(request, form),
                        idempotency_key=form.key,
                    )
                except DomainError as error:
                    show_on_form(form, error)
                    stage = _stage_after(form, error)
                else:
                    messages.success(request, describe_movement(movement))
                    return redirect(BOARD)
    status = 400 if form.errors else 200
    return render(
        request,
        "pharmacy/destroy.html",
        {"form": form, "stage": stage, "preview": preview, **access.context()},
        status=status,
    )


def _destruction_preview(lot: Lot, location: Location, amount: str, unit: str) -> dict[str, Any]:
    quantity_mg = to_mg(lot.product, amount, unit)
    held = (
        StockBalance.objects.filter(lot=lot, location=location)
        .values_list("balance_mg", flat=True)
        .first()
    ) or Decimal("0")
    return {
        "lot": lot,
        "location": location,
        "quantity_mg": quantity_mg,
        "quantity_ml": lot.product.ml_for(quantity_mg),
        "count_units": count_units_text(lot.product, quantity_mg),
        "held_mg": held,
        "after_mg": held - quantity_mg,
    }


def _reversal_blocked(entry: LedgerEntry, lines: list[LedgerEntry]) -> str:
    if any(line.kind == EntryKind.REVERSAL for line in lines):
        return (
            "This entry is itself a reversal, and a reversal cannot be reversed. If the "
            "reversal was wrong, record the movement again."
        )
    undone = LedgerEntry.objects.filter(reverses__movement=entry.movement).first()
    if undone is not None:
        return f"This movement was already reversed (ledger #{undone.pk})."
    if LedgerEntry.objects.filter(
        returns_entry__movement=entry.movement, reversed_by__isnull=True
    ).exists():
        return "Part of this dose was returned or wasted; reverse that first."
    return ""


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def reverse_entry(request: HttpRequest, entry_id: int) -> HttpResponse:
    access = pharmacy_access(request, Capability.MOVE_STOCK)
    entry = visible_entry(access, entry_id)
    lines = list(
        LedgerEntry.objects.filter(movement=entry.movement)
        .select_related("lot__product", "location")
        .order_by("chain_seq")
    )
    held = {
        (row.lot_id, row.location_id): row.balance_mg
        for row in StockBalance.objects.filter(lot__in=[line.lot_id for line in lines])
    }
    preview = [
        {
            "line": line,
            "undo_mg": -line.quantity_mg,
            "held_mg": held.get((line.lot_id, line.location_id), Decimal("0")),
            "after_mg": held.get((line.lot_id, line.location_id), Decimal("0")) - line.quantity_mg,
        }
        for line in lines
    ]
    witness_needed = any(line.kind in WITNESSED_KINDS for line in lines)
    form = ReverseForm(posted(request))
    stage = "details"
    if request.method == "POST" and form.is_valid():
        stage = "details" if _step(request) == "details" else "confirm"
        if _step(request) == CONFIRM:
            try:
                services.reverse_movement(
                    actor=acting_user(request),
                    clinic=access.clinic,
                    entry_id=entry.pk,
                    reason=form.cleaned_data["reason"],
                    witness=signed_witness(request, form),
                    idempotency_key=form.key,
                )
            except DomainError as error:
                show_on_form(form, error)
                stage = _stage_after(form, error)
            else:
                messages.success(
                    request, f"Movement reversed: ledger #{entry.pk} and its lines undone."
                )
                return redirect("pharmacy:entry", entry_id=entry.pk)
    status = 400 if form.errors else 200
    return render(
        request,
        "pharmacy/reverse.html",
        {
            "form": form,
            "stage": stage,
            "entry": entry,
            "preview": preview,
            "witness_needed": witness_needed,
            "blocked": _reversal_blocked(entry, lines),
            **access.context(),
        },
        status=status,
    )
