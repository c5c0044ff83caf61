"""Stock movement pages that record in one step: receive, transfer, reconstitute, waste, count
adjustment, expiry removal, and the return or waste of part of a dose.

One table row per movement names its form, its template, the capability it needs and how the
form's data becomes ONE service call; one view shape serves them all: the access helper checks
the role, the form checks the shape of the input, the witness (where the form has one) signs in on
the same form, the service records the movement, and a DomainError is shown on its form field with
nothing written. Destruction and reversal ask for a confirmation first (views.confirmed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from openhat.clinics.models import Clinic
from openhat.clinics.roles import Capability
from openhat.clinics.view_helpers import acting_user, domain_errors_as_pages
from openhat.core.errors import DomainError
from openhat.pharmacy import services
from openhat.pharmacy.forms import (
    AdjustForm,
    DoseReturnForm,
    DoseWasteForm,
    KeyedForm,
    ReceiveForm,
    ReconstituteForm,
    RemoveExpiredForm,
    TransferForm,
    WasteForm,
    WitnessFields,
)
from openhat.pharmacy.models import EntryKind, LedgerEntry
from openhat.pharmacy.services.movements import Movement, returned_so_far
from openhat.pharmacy.views.common import (
    PharmacyAccess,
    describe_movement,
    pharmacy_access,
    posted,
    prefill,
    show_on_form,
    signed_witness,
    visible_entry,
)

BOARD = "pharmacy:board"


@dataclass(frozen=True)
class Recording:
    """Who records, in which clinic, with which witness and key; for a dose, its issue entry."""

    actor: User
    clinic: Clinic
    witness: User | None
    key: str | None
    entry: LedgerEntry | None = None

    @property
    def common(self) -> dict[str, Any]:
        return {"actor": self.actor, "clinic": self.clinic, "idempotency_key": self.key}

    @property
    def issued(self) -> LedgerEntry:
        assert self.entry is not None, "a dose page always has its issue entry"
        return self.entry


Data = dict[str, Any]


@dataclass(frozen=True)
class MovementPage:
    form: type[KeyedForm]
    template: str
    record: Callable[[Data, Recording], Movement]
    capability: Capability = Capability.MOVE_STOCK
    # Query parameters a link from the board may preselect.
    prefill: tuple[str, ...] = ("stock",)
    # Forms that list the clinic's stock mark expired lots against the clinic's today.
    form_kwargs: Callable[[PharmacyAccess], dict[str, Any]] = field(
        default=lambda access: {"clinic": access.clinic, "today": access.today}
    )


def _receive(data: Data, on: Recording) -> Movement:
    return services.receive_stock(
        **on.common,
        product_id=data["product"],
        location_id=data["location"],
        lot_number=data["lot_number"],
        supplier=data["supplier"],
        expires_on=data["expires_on"],
        receipt_document=data["receipt_document"],
        amount=data["amount"],
        unit=data["unit"],
    )


def _transfer(data: Data, on: Recording) -> Movement:
    return services.transfer_stock(
        **on.common,
        lot_id=data["stock"].lot_id,
        from_location_id=data["stock"].location_id,
        to_location_id=data["to_location"],
        amount=data["amount"],
        unit=data["unit"],
        reason=data["reason"],
    )


def _reconstitute(data: Data, on: Recording) -> Movement:
    return services.reconstitute(
        **on.common,
        vial_lot_id=data["stock"].lot_id,
        location_id=data["stock"].location_id,
        vials=data["vials"],
        in_use_expires_at=data["in_use_expires_at"],
    )


def _waste(data: Data, on: Recording) -> Movement:
    return services.record_waste(
        **on.common,
        lot_id=data["stock"].lot_id,
        location_id=data["stock"].location_id,
        amount=data["amount"],
        unit=data["unit"],
        reason=data["reason"],
        witness=on.witness,
    )


def _adjust(data: Data, on: Recording) -> Movement:
    return services.adjust_stock(
        **on.common,
        lot_id=data["stock"].lot_id,
        location_id=data["stock"].location_id,
        direction=data["direction"],
        amount=data["amount"],
        unit=data["unit"],
        reason=data["reason"],
        witness=on.witness,
    )


def _remove_expired(data: Data, on: Recording) -> Movement:
    return services.remove_expired(
        **on.common,
        lot_id=data["stock"].lot_id,
        location_id=data["stock"].location_id,
        quarantine_id=data["quarantine"],
    )


def _dose_return(data: Data, on: Recording) -> Movement:
    return services.return_dose(
        **on.common,
        issued_entry_id=on.issued.pk,
        amount=data["amount"],
        unit=data["unit"],
        reason=data["reason"],
    )


def _dose_waste(data: Data, on: Recording) -> Movement:
    """Part of a drawn dose spilled or not given and not fit to return: witnessed waste, booked
    against the dose (the service takes it back into the lot and out again, so stock falls once)."""
    return services.record_waste(
        **on.common,
        lot_id=on.issued.lot_id,
        location_id=on.issued.location_id,
        amount=data["amount"],
        unit=data["unit"],
        reason=data["reason"],
        witness=on.witness,
        issued_entry_id=on.issued.pk,
    )


# The pages at /pharmacy/<path>/, by URL name.
STOCK_MOVEMENTS: dict[str, MovementPage] = {
    "receive": MovementPage(
        ReceiveForm,
        "pharmacy/receive.html",
        _receive,
        prefill=("product",),
        form_kwargs=lambda access: {"clinic": access.clinic},
    ),
    "transfer": MovementPage(
        TransferForm,
        "pharmacy/transfer.html",
        _transfer,
        prefill=("stock", "to_location"),
    ),
    "reconstitute": MovementPage(ReconstituteForm, "pharmacy/reconstitute.html", _reconstitute),
    "waste": MovementPage(WasteForm, "pharmacy/waste.html", _waste),
    "adjust": MovementPage(AdjustForm, "pharmacy/adjust.html", _adjust),
    "remove_expired": MovementPage(
        RemoveExpiredForm, "pharmacy/remove_expired.html", _remove_expired
    ),
}

# The pages at /pharmacy/entries/<id>/<path>/, acting on a dose issued, by URL name.
DOSE_MOVEMENTS: dict[str, MovementPage] = {
    "dose_return": MovementPage(
        DoseReturnForm,
        "pharmacy/dose_action.html",
        _dose_return,
        capability=Capability.ISSUE_DOSE,
        form_kwargs=lambda access: {"initial": {"unit": "mg"}},
    ),
    "dose_waste": MovementPage(
        DoseWasteForm,
        "pharmacy/dose_action.html",
        _dose_waste,
        capability=Capability.ISSUE_DOSE,
        form_kwargs=lambda access: {"initial": {"unit": "mg"}},
    ),
}


def _record_on_form(
    request: HttpRequest,
    access: PharmacyAccess,
    form: KeyedForm,
    page: MovementPage,
    *,
    entry: LedgerEntry | None = None,
    done: str | None = None,
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """Show the form; on a valid POST call the service once, then go back to the board (or to
    `done`), or show the service's refusal on the form."""
    if request.method == "POST" and form.is_valid():
        try:
            # The witness signs in first: a wrong password is shown on the form, nothing written.
            witness = signed_witness(request, form) if isinstance(form, WitnessFields) else None
            on = Recording(acting_user(request), access.clinic, witness, form.key, entry)
            movement = page.record(form.cleaned_data, on)
        except DomainError as error:
            show_on_form(form, error)
        else:
            messages.success(request, describe_movement(movement))
            return redirect(done or reverse(BOARD))
    return render(
        request,
        page.template,
        {"form": form, **access.context(), **(context or {})},
        status=400 if form.is_bound else 200,
    )


def stock_movement_view(page: MovementPage) -> Callable[[HttpRequest], HttpResponse]:
    @login_required
    @require_http_methods(["GET", "POST"])
    @domain_errors_as_pages
    def view(request: HttpRequest) -> HttpResponse:
        access = pharmacy_access(request, page.capability)
        kwargs = page.form_kwargs(access)
        form = page.form(posted(request), **kwargs, initial=prefill(request, *page.prefill))
        return _record_on_form(request, access, form, page)

    return view


def dose_movement_view(page: MovementPage, action: str) -> Callable[..., HttpResponse]:
    @login_required
    @require_http_methods(["GET", "POST"])
    @domain_errors_as_pages
    def view(request: HttpRequest, entry_id: int) -> HttpResponse:
        access = pharmacy_access(request, page.capability)
        entry = visible_entry(access, entry_id)
        form = page.form(posted(request), **page.form_kwargs(access))
        is_issue = entry.kind == EntryKind.DOSE_ISSUED
        accounted = returned_so_far(entry) if is_issue else Decimal("0")
        return _record_on_form(
            request,
            access,
            form,
            page,
            entry=entry,
            done=reverse("pharmacy:entry", kwargs={"entry_id": entry.pk}),
            context={
                "entry": entry,
                "action": action,
                "is_issue": is_issue,
                "accounted_mg": accounted,
                "outstanding_mg": -entry.quantity_mg - accounted if is_issue else Decimal("0"),
            },
        )

    return view


receive = stock_movement_view(STOCK_MOVEMENTS["receive"])
transfer = stock_movement_view(STOCK_MOVEMENTS["transfer"])
reconstitute = stock_movement_view(STOCK_MOVEMENTS["reconstitute"])
waste = stock_movement_view(STOCK_MOVEMENTS["waste"])
adjust = stock_movement_view(STOCK_MOVEMENTS["adjust"])
remove_expired = stock_movement_view(STOCK_MOVEMENTS["remove_expired"])
dose_return = dose_movement_view(DOSE_MOVEMENTS["dose_return"], "return")
dose_waste = dose_movement_view(DOSE_MOVEMENTS["dose_waste"], "waste")
