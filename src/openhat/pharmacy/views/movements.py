"""Stock movement pages: receive, transfer, reconstitute, waste, count adjustment, destruction,
expiry removal, reversal and dose return.

Each view: the access helper checks the role, a form checks the shape of the input, ONE service
records the movement (the witness, where one is needed, signs in on the same form first), and a
DomainError is shown on its form field with nothing written. Destruction and reversal cannot be
undone in practice, so they ask for a confirmation, which the witness signs.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from openhat.clinics.roles import Capability
from openhat.clinics.view_helpers import acting_user, domain_errors_as_pages
from openhat.core.errors import DomainError
from openhat.pharmacy import services
from openhat.pharmacy.forms import (
    AdjustForm,
    DestroyForm,
    DoseReturnForm,
    DoseWasteForm,
    ReceiveForm,
    ReconstituteForm,
    RemoveExpiredForm,
    ReverseForm,
    TransferForm,
    WasteForm,
    count_units_text,
)
from openhat.pharmacy.models import (
    WITNESSED_KINDS,
    EntryKind,
    LedgerEntry,
    Location,
    Lot,
    StockBalance,
)
from openhat.pharmacy.services.lookup import location_of, lot_of
from openhat.pharmacy.services.movements import Movement, returned_so_far
from openhat.pharmacy.services.quantities import to_mg
from openhat.pharmacy.views.common import (
    WITNESS_FIELDS,
    PharmacyAccess,
    describe_movement,
    field_for,
    pharmacy_access,
    show_on_form,
    signed_witness,
    visible_entry,
)

BOARD = "pharmacy:board"


def _form_page(
    request: HttpRequest,
    access: PharmacyAccess,
    form: forms.Form,
    template: str,
    record: Callable[[], Movement],
    *,
    done: Callable[[Movement], str] | None = None,
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """Show the form; on a valid POST call the service once, then go back to the board (or to
    `done(movement)`), or show the service's refusal on the form."""
    if request.method == "POST" and form.is_valid():
        try:
            movement = record()
        except DomainError as error:
            show_on_form(form, error)
        else:
            messages.success(request, describe_movement(movement))
            return redirect(done(movement) if done else reverse(BOARD))
    return render(
        request,
        template,
        {"form": form, **access.context(), **(context or {})},
        status=400 if form.is_bound else 200,
    )


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _prefill(request: HttpRequest, *names: str) -> dict[str, str]:
    """Links from the board open a form with the lot and location already chosen."""
    return {name: request.GET[name] for name in names if request.GET.get(name)}


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def receive(request: HttpRequest) -> HttpResponse:
    access = pharmacy_access(request, Capability.MOVE_STOCK)
    form = ReceiveForm(_posted(request), clinic=access.clinic, initial=_prefill(request, "product"))

    def record() -> Movement:
        data = form.cleaned_data
        return services.receive_stock(
            actor=acting_user(request),
            clinic=access.clinic,
            product_id=data["product"],
            location_id=data["location"],
            lot_number=data["lot_number"],
            supplier=data["supplier"],
            expires_on=data["expires_on"],
            receipt_document=data["receipt_document"],
            amount=data["amount"],
            unit=data["unit"],
            idempotency_key=form.key,
        )

    return _form_page(request, access, form, "pharmacy/receive.html", record)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def transfer(request: HttpRequest) -> HttpResponse:
    access = pharmacy_access(request, Capability.MOVE_STOCK)
    form = TransferForm(
        _posted(request),
        clinic=access.clinic,
        today=access.today,
        initial=_prefill(request, "stock", "to_location"),
    )

    def record() -> Movement:
        data = form.cleaned_data
        return services.transfer_stock(
            actor=acting_user(request),
            clinic=access.clinic,
            lot_id=data["stock"].lot_id,
            from_location_id=data["stock"].location_id,
            to_location_id=data["to_location"],
            amount=data["amount"],
            unit=data["unit"],
            reason=data["reason"],
            idempotency_key=form.key,
        )

    return _form_page(request, access, form, "pharmacy/transfer.html", record)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def reconstitute(request: HttpRequest) -> HttpResponse:
    access = pharmacy_access(request, Capability.MOVE_STOCK)
    form = ReconstituteForm(
        _posted(request),
        clinic=access.clinic,
        today=access.today,
        initial=_prefill(request, "stock"),
    )

    def record() -> Movement:
        data = form.cleaned_data
        return services.reconstitute(
            actor=acting_user(request),
            clinic=access.clinic,
            vial_lot_id=data["stock"].lot_id,
            location_id=data["stock"].location_id,
            vials=data["vials"],
            in_use_expires_at=data["in_use_expires_at"],
            idempotency_key=form.key,
        )

    return _form_page(request, access, form, "pharmacy/reconstitute.html", record)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def waste(request: HttpRequest) -> HttpResponse:
    access = pharmacy_access(request, Capability.MOVE_STOCK)
    form = WasteForm(
        _posted(request),
        clinic=access.clinic,
        today=access.today,
        initial=_prefill(request, "stock"),
    )

    def record() -> Movement:
        data = form.cleaned_data
        return services.record_waste(
            actor=acting_user(request),
            clinic=access.clinic,
            lot_id=data["stock"].lot_id,
            location_id=data["stock"].location_id,
            amount=data["amount"],
            unit=data["unit"],
            reason=data["reason"],
            witness=signed_witness(request, form),
            idempotency_key=form.key,
        )

    return _form_page(request, access, form, "pharmacy/waste.html", record)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def adjust(request: HttpRequest) -> HttpResponse:
    access = pharmacy_access(request, Capability.MOVE_STOCK)
    form = AdjustForm(
        _posted(request),
        clinic=access.clinic,
        today=access.today,
        initial=_prefill(request, "stock"),
    )

    def record() -> Movement:
        data = form.cleaned_data
        return services.adjust_stock(
            actor=acting_user(request),
            clinic=access.clinic,
            lot_id=data["stock"].lot_id,
            location_id=data["stock"].location_id,
            direction=data["direction"],
            amount=data["amount"],
            unit=data["unit"],
            reason=data["reason"],
            witness=signed_witness(request, form),
            idempotency_key=form.key,
        )

    return _form_page(request, access, form, "pharmacy/adjust.html", record)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def remove_expired(request: HttpRequest) -> HttpResponse:
    access = pharmacy_access(request, Capability.MOVE_STOCK)
    form = RemoveExpiredForm(
        _posted(request),
        clinic=access.clinic,
        today=access.today,
        initial=_prefill(request, "stock"),
    )

    def record() -> Movement:
        data = form.cleaned_data
        return services.remove_expired(
            actor=acting_user(request),
            clinic=access.clinic,
            lot_id=data["stock"].lot_id,
            location_id=data["stock"].location_id,
            quarantine_id=data["quarantine"],
            idempotency_key=form.key,
        )

    return _form_page(request, access, form, "pharmacy/remove_expired.html", record)


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
        _posted(request),
        clinic=access.clinic,
        today=access.today,
        initial=_prefill(request, "stock"),
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
        return f"This movement was already reversed (ledger #{undone.chain_seq})."
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
    form = ReverseForm(_posted(request))
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
                    request, f"Movement reversed: ledger #{entry.chain_seq} and its lines undone."
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


def _dose_page(
    request: HttpRequest,
    access: PharmacyAccess,
    entry: LedgerEntry,
    form: forms.Form,
    action: str,
    record: Callable[[], Movement],
) -> HttpResponse:
    is_issue = entry.kind == EntryKind.DOSE_ISSUED
    accounted = returned_so_far(entry) if is_issue else Decimal("0")
    return _form_page(
        request,
        access,
        form,
        "pharmacy/dose_action.html",
        record,
        done=lambda movement: reverse("pharmacy:entry", kwargs={"entry_id": entry.pk}),
        context={
            "entry": entry,
            "action": action,
            "is_issue": is_issue,
            "accounted_mg": accounted,
            "outstanding_mg": -entry.quantity_mg - accounted if is_issue else Decimal("0"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def dose_return(request: HttpRequest, entry_id: int) -> HttpResponse:
    access = pharmacy_access(request, Capability.ISSUE_DOSE)
    entry = visible_entry(access, entry_id)
    form = DoseReturnForm(_posted(request), initial={"unit": "mg"})

    def record() -> Movement:
        data = form.cleaned_data
        return services.return_dose(
            actor=acting_user(request),
            clinic=access.clinic,
            issued_entry_id=entry.pk,
            amount=data["amount"],
            unit=data["unit"],
            reason=data["reason"],
            idempotency_key=form.key,
        )

    return _dose_page(request, access, entry, form, "return", record)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def dose_waste(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Part of a drawn dose spilled or not given and not fit to return: witnessed waste, booked
    against the dose (the service takes it back into the lot and out again, so stock falls once)."""
    access = pharmacy_access(request, Capability.ISSUE_DOSE)
    entry = visible_entry(access, entry_id)
    form = DoseWasteForm(_posted(request), initial={"unit": "mg"})

    def record() -> Movement:
        data = form.cleaned_data
        return services.record_waste(
            actor=acting_user(request),
            clinic=access.clinic,
            lot_id=entry.lot_id,
            location_id=entry.location_id,
            amount=data["amount"],
            unit=data["unit"],
            reason=data["reason"],
            witness=signed_witness(request, form),
            issued_entry_id=entry.pk,
            idempotency_key=form.key,
        )

    return _dose_page(request, access, entry, form, "waste", record)
