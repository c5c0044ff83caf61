"""The JSON API's shapes for the pharmacy: stock, movements, counts, discrepancies and the ledger.

A quantity is a decimal (a JSON string such as "2.5", or a number) with its `unit`: "mg", "ml",
or the product's unit of count ("vial", "tablet", "capsule"). The services refuse a negative or
zero quantity, a unit the product is not kept in, and part of a vial. Records are named by their
number (`"lot": 12`), and a body field has the name the services give an error's `field`. Every
quantity in an answer is a decimal string in mg (and mL for liquids), never a float.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from ninja import Schema
from pydantic import (
    BeforeValidator,
    Field,
    PlainSerializer,
    StrictBool,
    StrictInt,
)

from openhat.core.bounds import BoundedAwareDatetime, DecimalBounds
from openhat.patients.schemas import IsoDate, MultiLineText, OneLineQuery, OneLineText, StrictInput
from openhat.pharmacy.models.catalogue import MG_PLACES
from openhat.pharmacy.services.lookup import lot_is_expired, solution_is_expired
from openhat.pharmacy.services.quantities import QUANTITY_DECIMALS, QUANTITY_DIGITS

# A record number: also taken as a string ("12"), as a form would send it.
RecordId = Annotated[int, Field(ge=1, le=2**63 - 1)]
# As the services read a typed quantity (services/quantities.py): nine digits before the point,
# far above any delivery in mg, so the services' own limits speak first.
Quantity = Annotated[Decimal, DecimalBounds(max_digits=QUANTITY_DIGITS, places=QUANTITY_DECIMALS)]
Unit = Annotated[OneLineText, Field(max_length=16, description="mg, ml, vial, tablet or capsule")]
Reason = Annotated[MultiLineText, Field(max_length=500)]
ShortWord = Annotated[OneLineText, Field(max_length=24)]
MAX_COUNT_LINES = 500


def _three_places(value: Decimal) -> str:
    return f"{value.quantize(MG_PLACES):f}"


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"


# Out: mg and mL always with the ledger's three places ("9900.000"); an amount in the product's
# unit of count as plainly as it reads ("4" vials). Strings, so no client reads a float.
Mg = Annotated[Decimal, PlainSerializer(_three_places, return_type=str)]
CountOf = Annotated[Decimal, PlainSerializer(_plain, return_type=str)]


def _blank_to_none(value: Any) -> Any:
    return None if value == "" else value


OptionalDate = Annotated[IsoDate | None, BeforeValidator(_blank_to_none)]
OptionalId = Annotated[RecordId | None, BeforeValidator(_blank_to_none)]


# --- in: the catalogue -------------------------------------------------------------------------


class ProductIn(StrictInput):
    kind: ShortWord = Field(
        description="dam_vial, dam_solution, dam_tablet, hdm_injectable, methadone_solution, "
        "srom_capsule"
    )
    name: OneLineText = Field(max_length=120)
    strength: Quantity = Field(description="mg per mL for liquids; mg per vial, tablet, capsule")
    code: OneLineText = Field(default="", max_length=40, description="Default: from the name")
    reconstitutes_to: RecordId | None = Field(
        default=None, description="For a vial: the solution product it is reconstituted to"
    )
    in_use_hours: StrictInt | None = Field(
        default=None, description="For a solution: hours it may be used after reconstitution"
    )
    reorder_level_mg: Quantity = Decimal("0")


class LocationIn(StrictInput):
    code: OneLineText = Field(default="", max_length=40, description="Default: from the name")
    name: OneLineText = Field(max_length=120)
    kind: ShortWord = Field(description="safe, dosing_room or quarantine")


class ReorderLevelIn(StrictInput):
    reorder_level_mg: Quantity


# --- in: movements -----------------------------------------------------------------------------


class WitnessIn(StrictInput):
    """The witness signs in on the same request with their own username and password."""

    witness_username: OneLineText = Field(default="", max_length=150)
    witness_password: MultiLineText = Field(default="", max_length=4096)


class ReceiptIn(StrictInput):
    product: RecordId
    location: RecordId
    lot_number: OneLineText = Field(max_length=60)
    supplier: OneLineText = Field(max_length=120)
    expires_on: IsoDate
    receipt_document: OneLineText = Field(max_length=80, description="The delivery note number")
    quantity: Quantity
    unit: Unit


class TransferIn(StrictInput):
    lot: RecordId
    from_location: RecordId
    to_location: RecordId
    quantity: Quantity
    unit: Unit
    reason: Reason = ""


class ReconstitutionIn(StrictInput):
    vial_lot: RecordId
    location: RecordId
    vials: Quantity = Field(description="Whole vials")
    in_use_expires_at: BoundedAwareDatetime | None = Field(
        default=None, description="Default: now plus the solution product's in-use hours"
    )


class DoseIssueIn(StrictInput):
    lot: RecordId
    location: RecordId = Field(description="The dosing room")
    quantity: Quantity
    unit: Unit
    patient: OneLineText = Field(
        default="", max_length=20, description="Client code, e.g. ZRH-0042"
    )
    dose_reference: OneLineText = Field(default="", max_length=80)


class DoseReturnIn(StrictInput):
    issued_entry: RecordId = Field(description="The ledger entry of the dose issued")
    quantity: Quantity
    unit: Unit
    reason: Reason


class RemovalIn(WitnessIn):
    lot: RecordId
    location: RecordId
    quantity: Quantity
    unit: Unit
    reason: Reason


class WasteIn(RemovalIn):
    issued_entry: RecordId | None = Field(
        default=None, description="The dose issue the waste was drawn for, if any"
    )


class AdjustmentIn(RemovalIn):
    direction: ShortWord = Field(description="add or remove")


class ExpiryRemovalIn(StrictInput):
    lot: RecordId
    location: RecordId
    quarantine: RecordId


class ReversalIn(WitnessIn):
    reason: Reason


# --- in: counts and discrepancies --------------------------------------------------------------


class CountedLotIn(StrictInput):
    lot: RecordId
    counted: Quantity = Field(description="What is physically there; 0 for an empty shelf")
    unit: Unit


class CountIn(StrictInput):
    location: RecordId
    occasion: ShortWord = Field(description="shift_change, day_end or spot_check")
    lines: list[CountedLotIn] = Field(max_length=MAX_COUNT_LINES)
    note: Reason = ""


class ClosureIn(WitnessIn):
    investigation_note: MultiLineText = Field(max_length=4000)
    adjust: StrictBool = Field(
        default=False,
        description="Book the difference as a witnessed count adjustment (needs the witness)",
    )


# --- in: queries -------------------------------------------------------------------------------


class PageQuery(Schema):
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=10_000_000)


class LotQuery(PageQuery):
    product: OptionalId = None
    include_empty: bool = Field(default=False, description="Also lots nothing is left of")


class LedgerQuery(PageQuery):
    product: OptionalId = None
    lot: OptionalId = None
    location: OptionalId = None
    kind: OneLineQuery = Field(default="", max_length=16, description="receipt, transfer, ...")
    since: OptionalDate = Field(default=None, description="From this local day (YYYY-MM-DD)")
    until: OptionalDate = Field(default=None, description="To this local day, inclusive")


class DiscrepancyQuery(PageQuery):
    status: Literal["open", "closed"] | None = Field(default=None, description="Default: both")


# --- out ---------------------------------------------------------------------------------------


class ProductOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    drug: str
    count_unit: str
    units: list[str]
    mg_per_unit: Mg | None
    mg_per_ml: Mg | None
    reconstitutes_to_id: int | None
    in_use_hours: int | None
    reorder_level_mg: Mg
    is_active: bool


class LocationOut(Schema):
    id: int
    code: str
    name: str
    kind: str


def _blocked(lot: Any) -> bool:
    return lot_is_expired(lot, lot.clinic) or solution_is_expired(lot)


class LotBalanceOut(Schema):
    location_id: int
    location_code: str = Field(validation_alias="location.code")
    location_kind: str = Field(validation_alias="location.kind")
    balance_mg: Mg
    balance_ml: Mg | None


class LotOut(Schema):
    """Read from a Lot with `held`: its balance rows shown to the caller."""

    id: int
    product_id: int
    product_code: str = Field(validation_alias="product.code")
    lot_number: str
    supplier: str
    expires_on: date
    receipt_document: str
    source_lot_id: int | None
    in_use_expires_at: datetime | None
    blocked: bool = Field(description="Expired, or a solution past its in-use expiry")
    balance_mg: Mg = Field(description="The sum of the balances listed")
    balances: list[LotBalanceOut] = Field(validation_alias="held")

    @staticmethod
    def resolve_blocked(lot: Any) -> bool:
        return _blocked(lot)

    @staticmethod
    def resolve_balance_mg(lot: Any) -> Decimal:
        return sum((row.balance_mg for row in lot.held), start=Decimal("0"))


class BalanceOut(Schema):
    product_id: int
    product_code: str = Field(validation_alias="product.code")
    lot_id: int
    lot_number: str = Field(validation_alias="lot.lot_number")
    expires_on: date = Field(validation_alias="lot.expires_on")
    in_use_expires_at: datetime | None = Field(validation_alias="lot.in_use_expires_at")
    location_id: int
    location_code: str = Field(validation_alias="location.code")
    location_kind: str = Field(validation_alias="location.kind")
    balance_mg: Mg
    balance_ml: Mg | None
    count_unit: str = Field(validation_alias="product.count_unit")
    balance_in_count_unit: CountOf
    blocked: bool = Field(description="Expired, or a solution past its in-use expiry")

    @staticmethod
    def resolve_balance_in_count_unit(row: Any) -> Decimal:
        return Decimal(row.product.in_count_units(row.balance_mg))

    @staticmethod
    def resolve_blocked(row: Any) -> bool:
        return _blocked(row.lot)


class AlertOut(Schema):
    kind: str
    severity: str
    message: str
    link: str


class EntryOut(Schema):
    """One ledger line, with every column (an auditor can recompute its hash from these)."""

    id: int
    clinic_id: int
    chain_key: int
    chain_seq: int
    at: datetime
    movement: UUID
    kind: str
    product_id: int
    product_code: str = Field(validation_alias="product.code")
    lot_id: int
    lot_number: str = Field(validation_alias="lot.lot_number")
    location_id: int
    location_code: str = Field(validation_alias="location.code")
    quantity_mg: Mg
    volume_ml: Mg | None
    balance_mg: Mg
    balance_ml: Mg | None
    product_balance_mg: Mg
    actor_id: int
    actor_username: str
    witness_id: int | None
    witness_username: str
    reason: str
    document_number: str
    patient_id: int | None
    patient_client_code: str | None
    dose_reference: str
    reverses_id: int | None
    returns_entry_id: int | None
    prev_sha256: str
    row_sha256: str

    @staticmethod
    def resolve_patient_client_code(entry: Any) -> str | None:
        return entry.patient.client_code if entry.patient_id else None


class MovementOut(Schema):
    movement: UUID
    kind: str
    entries: list[EntryOut]


class LotPageOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[LotOut]


class LedgerPageOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[EntryOut]


class CountOut(Schema):
    id: int
    location_id: int
    location_code: str
    occasion: str
    counted_at: datetime
    counted_by: str
    note: str
    # The number of the last ledger entry the count saw (None before the first movement).
    last_ledger_entry: int | None
    lots: int
    discrepancies: int


class ReconciliationRowOut(Schema):
    """start + received - issued + returned - wasted ± adjusted = expected, against counted."""

    product_id: int
    product_code: str
    lot_id: int
    lot_number: str
    start_mg: Mg
    received_mg: Mg
    issued_mg: Mg
    returned_mg: Mg
    wasted_mg: Mg
    adjusted_mg: Mg
    expected_mg: Mg
    expected_ml: Mg | None
    counted_mg: Mg
    counted_ml: Mg | None
    difference_mg: Mg
    discrepancy_id: int | None
    discrepancy_closed: bool


class CountDetailOut(CountOut):
    previous_count_id: int | None
    rows: list[ReconciliationRowOut]


class ClosureOut(Schema):
    closed_at: datetime
    closed_by: str
    investigation_note: str
    adjustment: EntryOut | None


class DiscrepancyOut(Schema):
    id: int
    count_id: int
    product_id: int
    product_code: str
    lot_id: int
    lot_number: str
    location_id: int
    location_code: str
    expected_mg: Mg
    counted_mg: Mg
    difference_mg: Mg
    opened_at: datetime
    status: Literal["open", "closed"]
    closure: ClosureOut | None


class DiscrepancyPageOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[DiscrepancyOut]
