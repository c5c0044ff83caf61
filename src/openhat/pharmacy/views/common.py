"""What every pharmacy page shares: who may see what, errors on form fields, the witness, and
the sentence a movement is confirmed with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.http import HttpRequest

from openhat.clinics.models import Clinic, StaffMembership
from openhat.clinics.roles import Capability, role_can
from openhat.clinics.view_helpers import working_membership
from openhat.core.clock import clinic_today
from openhat.core.errors import DomainError, NotFound
from openhat.pharmacy.forms import count_units_text, quantity_text
from openhat.pharmacy.models import EntryKind, LedgerEntry, LocationKind
from openhat.pharmacy.services.lookup import entry_of
from openhat.pharmacy.services.movements import Movement
from openhat.pharmacy.services.witness import authenticate_witness

# Where a service's error field is shown on the pages' forms.
FIELD_ON_FORM = {
    "lot": "stock",
    "location": "stock",
    "from_location": "stock",
    "vial_lot": "stock",
    "quantity": "amount",
    "counted": "amount",
    "witness": "witness_username",
}
WITNESS_FIELDS = ("witness_username", "witness_password")


@dataclass(frozen=True)
class PharmacyAccess:
    """The working clinic and what the user's role may do with its stock."""

    membership: StaffMembership
    clinic: Clinic
    can_view_all: bool
    can_move: bool
    can_issue: bool

    @property
    def dosing_room_only(self) -> bool:
        """Nurses see the dosing room's stock and nothing else."""
        return not self.can_view_all

    @property
    def today(self) -> date:
        return clinic_today(self.clinic)

    def context(self) -> dict[str, Any]:
        return {
            "clinic": self.clinic,
            "can_view_all": self.can_view_all,
            "can_move": self.can_move,
            "can_issue": self.can_issue,
            "dosing_room_only": self.dosing_room_only,
        }


def pharmacy_access(request: HttpRequest, capability: Capability) -> PharmacyAccess:
    """The access helper of the pharmacy pages: raises (shown as 403/404) unless the role in the
    working clinic has `capability`."""
    membership = working_membership(request, capability)
    role = membership.role
    return PharmacyAccess(
        membership=membership,
        clinic=membership.clinic,
        can_view_all=role_can(role, Capability.VIEW_STOCK),
        can_move=role_can(role, Capability.MOVE_STOCK),
        can_issue=role_can(role, Capability.ISSUE_DOSE),
    )


def visible_entry(access: PharmacyAccess, entry_id: int) -> LedgerEntry:
    """A ledger entry of the working clinic that this role may see, or not found."""
    entry = entry_of(access.clinic, entry_id)
    if access.dosing_room_only and entry.location.kind != LocationKind.DOSING_ROOM:
        raise NotFound("unknown_ledger_entry", "No such ledger entry in the dosing room.", "entry")
    return entry


def field_for(form: forms.Form, error: DomainError) -> str | None:
    field = FIELD_ON_FORM.get(error.field or "", error.field)
    return field if field in form.fields else None


def show_on_form(form: forms.Form, error: DomainError) -> None:
    form.add_error(field_for(form, error), error.message)


def signed_witness(request: HttpRequest, form: forms.Form) -> User | None:
    """The witness who typed their own username and password on this form, or None."""
    return authenticate_witness(
        request,
        form.cleaned_data.get("witness_username", ""),
        form.cleaned_data.get("witness_password", ""),
    )


def describe_entry(entry: LedgerEntry) -> str:
    product = entry.lot.product
    amount = f"{quantity_text(abs(entry.quantity_mg))} mg"
    extra = count_units_text(product, abs(entry.quantity_mg)) or (
        f"{quantity_text(abs(entry.volume_ml))} mL" if entry.volume_ml is not None else ""
    )
    if extra:
        amount += f" ({extra})"
    direction = "into" if entry.quantity_mg > 0 else "out of"
    return (
        f"#{entry.pk}: {amount} {direction} {entry.location.name}, {product.name} lot "
        f"{entry.lot.lot_number}; balance there {quantity_text(entry.balance_mg)} mg"
    )


def describe_movement(movement: Movement) -> str:
    kind = EntryKind(movement.first.kind).label
    lines = "; ".join(describe_entry(entry) for entry in movement.entries)
    return f"{kind} recorded. Ledger {lines}."


def posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def prefill(request: HttpRequest, *names: str) -> dict[str, str]:
    """Links from the board open a form with the lot and location already chosen."""
    return {name: request.GET[name] for name in names if request.GET.get(name)}
