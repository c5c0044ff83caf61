"""Forms of the pharmacy pages. They check the shape of what was typed; the services hold the rules.

Amounts and units stay as typed, so a negative quantity or a quantity in a unit the product is not
kept in is explained by the service in its own words (the API gives the same message). Choices of
stock, products and locations are drawn from the working clinic only; a value that is not among
them still reaches the service, which answers "no such lot in this clinic".

Every form that writes carries a one-time key made when the form is shown: a second submit of the
same form (a double click, a retried request) returns the first movement instead of posting twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms

from openhat.clinics.models import Clinic
from openhat.pharmacy.models import (
    CountOccasion,
    CountUnit,
    EntryKind,
    Location,
    LocationKind,
    Lot,
    Product,
    ProductKind,
    StockBalance,
)
from openhat.pharmacy.services import CountedLot
from openhat.pharmacy.services.lookup import lot_is_expired, solution_is_expired

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_NOTE = forms.Textarea(attrs={"rows": 2})
UNIT_CHOICES = [(unit.value, unit.label) for unit in CountUnit]
MAX_COUNT_ROWS = 500


def quantity_text(value: Decimal | None) -> str:
    """10000.000 -> "10,000"; 98.500 -> "98.5"."""
    if value is None:
        return ""
    normal = value.normalize()
    if normal == normal.to_integral_value():
        normal = normal.quantize(Decimal("1"))
    return format(normal, ",f")


def count_units_text(product: Product, quantity_mg: Decimal) -> str:
    """The quantity in the product's unit of count when it has one: "4 vials", "12 tablets"."""
    if product.mg_per_unit is None:
        return ""
    units = product.in_count_units(quantity_mg)
    label = CountUnit(product.count_unit).label
    plural = "" if units == 1 else "s"
    return f"{quantity_text(units)} {label}{plural}"


def stock_label(row: StockBalance, today: date) -> str:
    lot = row.lot
    amount = count_units_text(row.product, row.balance_mg) or (
        f"{quantity_text(row.balance_ml)} mL" if row.balance_ml is not None else ""
    )
    held = f"{quantity_text(row.balance_mg)} mg" + (f", {amount}" if amount else "")
    expired = " — EXPIRED" if lot.expires_on < today or solution_is_expired(lot) else ""
    return (
        f"{row.location.name} · {row.product.name} · lot {lot.lot_number} "
        f"(exp. {lot.expires_on:%Y-%m-%d}) · {held}{expired}"
    )


def stock_value(lot_id: int, location_id: int) -> str:
    return f"{lot_id}:{location_id}"


@dataclass(frozen=True)
class StockRow:
    """A lot at a location, as chosen on a form: the ids go to the service unchanged."""

    lot_id: str
    location_id: str


class StockField(forms.CharField):
    """A lot at a location, chosen from a list ("lot id:location id")."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", "Stock")
        kwargs.setdefault("widget", forms.Select)
        kwargs.setdefault("error_messages", {"required": "Choose the stock (lot and location)."})
        super().__init__(**kwargs)

    def clean(self, value: Any) -> StockRow:
        text = super().clean(value)
        lot_id, _, location_id = str(text).partition(":")
        if not lot_id.strip() or not location_id.strip():
            raise forms.ValidationError("Choose the stock (lot and location).")
        return StockRow(lot_id.strip(), location_id.strip())


def _amount(label: str = "Quantity", required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=24,
        error_messages={"required": "Enter the quantity."},
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


def _unit() -> forms.ChoiceField:
    return forms.ChoiceField(
        label="Unit",
        choices=UNIT_CHOICES,
        help_text="mg always; mL for liquids; vials, tablets or capsules for what is counted so.",
    )


def _reason(label: str = "Reason", required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=500,
        widget=_NOTE,
        error_messages={"required": "Enter the reason."},
    )


class KeyedForm(forms.Form):
    """A form that carries a one-time idempotency key, made when the form is first shown."""

    key_prefix = "pharmacy"
    idempotency_key = forms.CharField(max_length=100, widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["idempotency_key"] = f"{self.key_prefix}-{uuid.uuid4()}"

    @property
    def key(self) -> str | None:
        return self.cleaned_data.get("idempotency_key") or None


class WitnessFields(forms.Form):
    """The witness signs on the same screen with their own username and password."""

    witness_username = forms.CharField(
        label="Witness's username",
        required=False,
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
        help_text="A second staff member (nurse, pharmacist, pharmacy technician or physician), "
        "never you.",
    )
    witness_password = forms.CharField(
        label="Witness's password",
        required=False,
        max_length=200,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text="Typed by the witness; it is checked and not stored.",
    )


def _stock_choices(rows: list[StockBalance], today: date, empty: str) -> list[tuple[str, str]]:
    return [("", empty)] + [
        (stock_value(row.lot_id, row.location_id), stock_label(row, today)) for row in rows
    ]


def held_rows(clinic: Clinic) -> list[StockBalance]:
    return list(
        StockBalance.objects.filter(clinic=clinic, balance_mg__gt=0)
        .select_related("product", "lot", "location")
        .order_by("location__code", "product__code", "lot__expires_on", "lot__lot_number")
    )


def _location_choices(locations: list[Location], empty: str) -> list[tuple[str, str]]:
    def label(location: Location) -> str:
        kind = location.get_kind_display()
        return location.name if location.name == kind else f"{location.name} ({kind})"

    return [("", empty)] + [(str(location.pk), label(location)) for location in locations]


def clinic_locations(clinic: Clinic, *kinds: str) -> list[Location]:
    locations = Location.objects.filter(clinic=clinic).order_by("kind", "code")
    if kinds:
        locations = locations.filter(kind__in=kinds)
    return list(locations)


class ReceiveForm(KeyedForm):
    key_prefix = "receive"
    product = forms.CharField(
        label="Product", widget=forms.Select, error_messages={"required": "Choose the product."}
    )
    location = forms.CharField(
        label="Into", widget=forms.Select, error_messages={"required": "Choose where it goes."}
    )
    lot_number = forms.CharField(label="Lot number", max_length=60)
    supplier = forms.CharField(label="Supplier", max_length=120)
    expires_on = forms.DateField(
        label="Expiry date", widget=_DATE, error_messages={"required": "Enter the lot's expiry."}
    )
    receipt_document = forms.CharField(
        label="Delivery note / receipt number",
        max_length=80,
        help_text="The document the delivery came with; it appears in the register.",
    )
    amount = _amount()
    unit = _unit()

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        products = Product.objects.filter(clinic=clinic, is_active=True).exclude(
            kind=ProductKind.DAM_SOLUTION
        )
        self.fields["product"].widget.choices = [("", "Choose a product")] + [
            (str(p.pk), f"{p.name} (in {', '.join(p.units)})") for p in products.order_by("name")
        ]
        self.fields["location"].widget.choices = _location_choices(
            clinic_locations(clinic, LocationKind.SAFE, LocationKind.DOSING_ROOM),
            "Choose a location",
        )
        self.fields["unit"].initial = CountUnit.VIAL


class TransferForm(KeyedForm):
    key_prefix = "transfer"
    stock = StockField(label="From (lot and location)")
    to_location = forms.CharField(
        label="To", widget=forms.Select, error_messages={"required": "Choose the destination."}
    )
    amount = _amount()
    unit = _unit()
    reason = _reason("Note", required=False)

    def __init__(self, *args: Any, clinic: Clinic, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stock"].widget.choices = _stock_choices(
            held_rows(clinic), today, "Choose the stock to move"
        )
        self.fields["to_location"].widget.choices = _location_choices(
            clinic_locations(clinic), "Choose the destination"
        )


class ReconstituteForm(KeyedForm):
    key_prefix = "reconstitute"
    stock = StockField(label="Vials (lot and location)")
    vials = forms.CharField(
        label="Number of vials",
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"required": "Enter how many vials are reconstituted."},
    )
    in_use_expires_at = forms.DateTimeField(
        label="Solution usable until",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args: Any, clinic: Clinic, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rows = [
            row
            for row in held_rows(clinic)
            if row.product.kind == ProductKind.DAM_VIAL
            and row.location.kind != LocationKind.QUARANTINE
        ]
        self.fields["stock"].widget.choices = _stock_choices(rows, today, "Choose the vials")
        hours = sorted(
            {
                p.in_use_hours
                for p in Product.objects.filter(clinic=clinic, kind=ProductKind.DAM_SOLUTION)
                if p.in_use_hours
            }
        )
        default = (
            f"{' or '.join(str(h) for h in hours)} hours after reconstitution (the solution "
            "product's in-use time)"
            if hours
            else "none set for the solution product, so enter it"
        )
        self.fields[
            "in_use_expires_at"
        ].help_text = f"Clinic time. Leave empty for the default: {default}."


class WasteForm(KeyedForm, WitnessFields):
    key_prefix = "waste"
    stock = StockField(label="Wasted from (lot and location)")
    amount = _amount()
    unit = _unit()
    reason = _reason("What happened")

    def __init__(self, *args: Any, clinic: Clinic, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stock"].widget.choices = _stock_choices(
            held_rows(clinic), today, "Choose the stock"
        )


class AdjustForm(KeyedForm, WitnessFields):
    key_prefix = "adjust"
    stock = StockField(label="Lot and location")
    direction = forms.ChoiceField(
        label="Adjustment",
        choices=[("remove", "Remove: less is there than the ledger says"), ("add", "Add: more")],
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the adjustment adds or removes stock."},
    )
    amount = _amount()
    unit = _unit()
    reason = _reason("Why (what the count or investigation found)")

    def __init__(self, *args: Any, clinic: Clinic, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Stock can be found again of a lot the ledger says is gone, so empty rows are offered too.
        rows = list(
            StockBalance.objects.filter(clinic=clinic)
            .select_related("product", "lot", "location")
            .order_by("location__code", "product__code", "lot__expires_on", "lot__lot_number")
        )
        self.fields["stock"].widget.choices = _stock_choices(rows, today, "Choose the stock")


class DestroyForm(KeyedForm, WitnessFields):
    """Two steps: the details, then a confirmation the witness signs."""

    key_prefix = "destroy"
    stock = StockField(label="Destroyed from (lot and location)")
    amount = _amount()
    unit = _unit()
    reason = _reason("How and why it was destroyed")

    def __init__(self, *args: Any, clinic: Clinic, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rows = sorted(
            held_rows(clinic), key=lambda row: row.location.kind != LocationKind.QUARANTINE
        )
        self.fields["stock"].widget.choices = _stock_choices(rows, today, "Choose the stock")


class RemoveExpiredForm(KeyedForm):
    key_prefix = "remove-expired"
    stock = StockField(label="Expired stock (lot and location)")
    quarantine = forms.CharField(
        label="Into quarantine",
        widget=forms.Select,
        error_messages={"required": "Choose the quarantine location."},
    )

    def __init__(self, *args: Any, clinic: Clinic, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rows = [
            row
            for row in held_rows(clinic)
            if row.location.kind != LocationKind.QUARANTINE
            and (lot_is_expired(row.lot, clinic) or solution_is_expired(row.lot))
        ]
        self.expired_rows = rows
        self.fields["stock"].widget.choices = _stock_choices(rows, today, "Choose the stock")
        quarantines = clinic_locations(clinic, LocationKind.QUARANTINE)
        self.fields["quarantine"].widget.choices = _location_choices(quarantines, "Choose")
        if len(quarantines) == 1 and not self.is_bound:
            self.initial["quarantine"] = str(quarantines[0].pk)


class ReverseForm(KeyedForm, WitnessFields):
    """Two steps: the reason, then a confirmation (signed by a witness when the original was)."""

    key_prefix = "reverse"
    reason = _reason("Why the movement was a mistake")


class DoseReturnForm(KeyedForm):
    key_prefix = "dose-return"
    amount = _amount("Quantity returned")
    unit = _unit()
    reason = _reason("Why it was not given")


class DoseWasteForm(KeyedForm, WitnessFields):
    key_prefix = "dose-waste"
    amount = _amount("Quantity wasted")
    unit = _unit()
    reason = _reason("What happened (spilled, refused after drawing up ...)")


class CloseDiscrepancyForm(KeyedForm, WitnessFields):
    key_prefix = "close-discrepancy"
    investigation_note = forms.CharField(
        label="What the investigation found",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Write what the investigation found."},
    )
    adjust = forms.BooleanField(
        label="Book the difference as a witnessed count adjustment",
        required=False,
        help_text="Tick when the stock really is missing or extra, so the ledger matches the "
        "shelf. A witness must sign.",
    )


class ReorderLevelForm(forms.Form):
    reorder_level_mg = forms.CharField(
        label="Reorder level (mg)",
        max_length=24,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={"required": "Enter the reorder level in mg (0 for none)."},
    )


class CountLocationForm(forms.Form):
    location = forms.CharField(
        label="Location to count",
        widget=forms.Select,
        error_messages={"required": "Choose the location to count."},
    )

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].widget.choices = _location_choices(
            clinic_locations(clinic), "Choose a location"
        )


@dataclass
class CountRow:
    """One lot on the count sheet, with the names of its inputs."""

    index: int
    lot_id: str
    lot: Lot | None

    @property
    def units(self) -> list[str]:
        return self.lot.product.units if self.lot else [unit.value for unit in CountUnit]


class CountForm(KeyedForm):
    """A count sheet: one row per lot (lot_N, amount_N, unit_N), blind to the expected figures."""

    key_prefix = "count"
    location = forms.CharField(widget=forms.HiddenInput)
    occasion = forms.ChoiceField(
        label="Occasion", choices=CountOccasion.choices, initial=CountOccasion.SHIFT_CHANGE
    )
    note = forms.CharField(label="Note", required=False, max_length=500, widget=_NOTE)

    def __init__(
        self, *args: Any, clinic: Clinic, location: Location, held: list[Lot], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.initial["location"] = str(location.pk)
        self.rows: list[CountRow] = []
        lot_ids: list[str] = []
        if self.is_bound:
            for index in range(MAX_COUNT_ROWS):
                value = self.data.get(f"lot_{index}")
                if value is None:
                    break
                lot_ids.append(str(value).strip())
        # Lots held now that the sheet did not list (moved in meanwhile) are added to the sheet.
        added = [str(lot.pk) for lot in held if str(lot.pk) not in lot_ids]
        if self.is_bound and added:
            data = {key: self.data.get(key) for key in self.data}
            for index, lot_id in enumerate(added, start=len(lot_ids)):
                data[f"lot_{index}"] = lot_id
            self.data = data
        lot_ids += added
        known = {
            str(lot.pk): lot
            for lot in Lot.objects.filter(
                clinic=clinic, pk__in=[int(i) for i in lot_ids if i.isdigit()]
            ).select_related("product")
        }
        for index, lot_id in enumerate(lot_ids):
            lot = known.get(lot_id)
            self.rows.append(CountRow(index, lot_id, lot))
            unit_choices = [
                (unit, CountUnit(unit).label if unit in CountUnit.values else unit)
                for unit in (lot.product.units if lot else CountUnit.values)
            ]
            self.fields[f"lot_{index}"] = forms.CharField(widget=forms.HiddenInput, initial=lot_id)
            self.fields[f"amount_{index}"] = forms.CharField(
                label="Counted",
                max_length=24,
                error_messages={"required": "Enter what is there (0 if none)."},
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            )
            # The units offered are the lot's; one it is not kept in is explained by the service.
            self.fields[f"unit_{index}"] = forms.CharField(
                label="Unit",
                max_length=10,
                widget=forms.Select(choices=unit_choices),
                initial=lot.product.count_unit if lot else CountUnit.MG,
            )

    def row_fields(self) -> list[tuple[CountRow, Any, Any, Any]]:
        return [
            (row, self[f"lot_{row.index}"], self[f"amount_{row.index}"], self[f"unit_{row.index}"])
            for row in self.rows
        ]

    def counted(self) -> list[CountedLot]:
        return [
            CountedLot(
                self.cleaned_data[f"lot_{row.index}"],
                self.cleaned_data[f"amount_{row.index}"],
                self.cleaned_data[f"unit_{row.index}"],
            )
            for row in self.rows
        ]


class LedgerFilterForm(forms.Form):
    product = forms.TypedChoiceField(label="Product", required=False, coerce=int, empty_value=None)
    lot = forms.TypedChoiceField(label="Lot", required=False, coerce=int, empty_value=None)
    location = forms.TypedChoiceField(
        label="Location", required=False, coerce=int, empty_value=None
    )
    kind = forms.ChoiceField(
        label="Kind", required=False, choices=[("", "All kinds"), *EntryKind.choices]
    )
    since = forms.DateField(label="From", required=False, widget=_DATE)
    until = forms.DateField(label="To", required=False, widget=_DATE)

    def __init__(self, *args: Any, clinic: Clinic, dosing_room_only: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        products = Product.objects.filter(clinic=clinic).order_by("name")
        lots = Lot.objects.filter(clinic=clinic).select_related("product")
        locations = clinic_locations(clinic)
        if dosing_room_only:
            locations = [loc for loc in locations if loc.kind == LocationKind.DOSING_ROOM]
            lots = lots.filter(entries__location__kind=LocationKind.DOSING_ROOM).distinct()
        self._choices("product", [("", "All products")] + [(p.pk, p.name) for p in products])
        self._choices(
            "lot",
            [("", "All lots")]
            + [
                (lot.pk, f"{lot.lot_number} · {lot.product.name}")
                for lot in lots.order_by("product__name", "lot_number")
            ],
        )
        self._choices(
            "location", [("", "All locations")] + [(loc.pk, loc.name) for loc in locations]
        )

    def _choices(self, name: str, choices: list[tuple[Any, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "The end date is before the start date.")
        return data
