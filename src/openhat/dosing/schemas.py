"""The JSON API's shapes for the dosing station: strict on the way in, mg as decimal strings out.

Input schemas forbid unknown fields. A dose is a decimal (a JSON string such as "150" or a
number); records are named by their number (`"decision_id": 12`). Every mg in an answer is a
decimal string, never a float; datetimes are ISO 8601 with their zone.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import BeforeValidator, Field, PlainSerializer, StrictBool, StrictInt

from openhat.core.bounds import BoundedAwareDatetime, DecimalBounds
from openhat.dosing.models import (
    AdverseEventKind,
    AdverseEventOutcome,
    AdverseEventSeverity,
    ExceptionKind,
    NaloxoneRoute,
)
from openhat.patients.schemas import IsoDate, MultiLineText, OneLineText, StrictInput
from openhat.rules.context import Drug, Route, SessionWindow

RecordId = Annotated[int, Field(ge=1, le=2**63 - 1)]
DoseMg = Annotated[Decimal, DecimalBounds(max_digits=10, places=3)]
Notes = Annotated[MultiLineText, Field(max_length=2000)]
SedationScore = Annotated[StrictInt, Field(ge=1, le=4, description="POSS-style, 1 (awake) to 4")]


def _blank_to_none(value: Any) -> Any:
    return None if value == "" else value


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"


OptionalId = Annotated[RecordId | None, BeforeValidator(_blank_to_none)]
OptionalMg = Annotated[DoseMg | None, BeforeValidator(_blank_to_none)]
# Out: "150", "12.5" — as plainly as a nurse reads it, always a string.
Mg = Annotated[Decimal, PlainSerializer(_plain, return_type=str)]


class StationWitnessIn(StrictInput):
    """A second staff member signs in on the same request with their own username and password."""

    witness_username: OneLineText = Field(default="", max_length=150)
    witness_password: MultiLineText = Field(default="", max_length=4096)


# --- in ----------------------------------------------------------------------------------------


class BoardQuery(Schema):
    window: SessionWindow | None = Field(default=None, description="Default: the window open now")
    day: Annotated[IsoDate | None, BeforeValidator(_blank_to_none)] = Field(
        default=None, description="The clinic's local day, YYYY-MM-DD; default today"
    )


class CheckInIn(StrictInput):
    patient_id: RecordId
    window: SessionWindow | None = Field(
        default=None,
        description="Optional: the window the station believes is open. The session's window is "
        "the one open at the clinic's time; a different one is 400 `window_not_open`.",
    )
    identity_confirmed: StrictBool = Field(
        description="The nurse compared the person with the photo"
    )


class OutOfWindowIn(StrictInput):
    patient_id: RecordId
    window: SessionWindow = Field(description="The window this session stands for")
    identity_confirmed: StrictBool = Field(
        description="The nurse compared the person with the photo"
    )
    reason: Notes
    totp_code: OneLineText = Field(max_length=12, description="The physician's current code")
    physician_username: OneLineText = Field(
        max_length=150, description="The physician signs in on the nurse's screen"
    )
    physician_password: MultiLineText = Field(max_length=4096)


class AssessmentIn(StrictInput):
    sedation_score: SedationScore | None = None
    breath_alcohol_mg_per_l: Annotated[
        Annotated[Decimal, DecimalBounds(max_digits=6, places=3)] | None,
        BeforeValidator(_blank_to_none),
    ] = None
    signs: list[Annotated[OneLineText, Field(max_length=60)]] = Field(default=[], max_length=20)
    notes: Notes = ""


class DecisionIn(StrictInput):
    drug: Drug
    route: Route
    dose_mg: OptionalMg = Field(default=None, description="The dose asked for; default the order's")


class PreparationIn(StrictInput):
    decision_id: RecordId
    dose_mg: DoseMg
    lot_id: RecordId
    location_id: RecordId


class AdministrationIn(StationWitnessIn):
    decision_id: RecordId
    dose_mg: DoseMg
    site: OneLineText = Field(default="", max_length=40, description="Empty for oral and inhaled")
    preparation_id: OptionalId = Field(
        default=None, description="The drawn dose being given (when it was prepared first)"
    )
    lot_id: OptionalId = Field(default=None, description="Without a preparation: draw from it")
    location_id: OptionalId = None
    remainder: Literal["", "return", "waste"] = Field(
        default="", description="A partial dose: what happens to the rest (witnessed)"
    )
    remainder_reason: Annotated[MultiLineText, Field(max_length=200)] = ""


class SignOffIn(StrictInput):
    sedation_score: SedationScore
    notes: Notes = ""
    physician_username: OneLineText = Field(
        default="",
        max_length=150,
        description="After a serious adverse event: the physician signs in on the nurse's screen",
    )
    physician_password: MultiLineText = Field(default="", max_length=4096)
    totp_code: OneLineText = Field(
        default="", max_length=12, description="The physician's current code"
    )


class ExceptionIn(StationWitnessIn):
    kind: ExceptionKind
    notes: Notes = ""


class OverrideIn(StrictInput):
    decision_id: RecordId
    rule_ids: list[Annotated[OneLineText, Field(max_length=60)]] = Field(
        min_length=1, max_length=20
    )
    allowed_dose_mg: DoseMg = Field(
        description="The largest dose the physician allows under the override, in mg; never "
        "above the order's dose or another limit no override can lift"
    )
    reason: Notes
    totp_code: OneLineText = Field(max_length=12, description="The physician's current code")
    physician_username: OneLineText = Field(
        default="",
        max_length=150,
        description="At the station: the physician signs in on the nurse's screen",
    )
    physician_password: MultiLineText = Field(default="", max_length=4096)


class AdverseEventIn(StrictInput):
    patient_id: RecordId
    session_id: OptionalId = None
    kind: AdverseEventKind
    severity: AdverseEventSeverity
    outcome: AdverseEventOutcome
    onset_at: Annotated[BoundedAwareDatetime | None, BeforeValidator(_blank_to_none)] = Field(
        default=None, description="When it began; default now"
    )
    description: Annotated[MultiLineText, Field(max_length=4000)] = ""
    naloxone_given: StrictBool = False
    naloxone_dose_mg: Annotated[
        Annotated[Decimal, DecimalBounds(max_digits=8, places=3)] | None,
        BeforeValidator(_blank_to_none),
    ] = None
    naloxone_route: Annotated[NaloxoneRoute | None, BeforeValidator(_blank_to_none)] = None
    oxygen_given: StrictBool = False
    ambulance_called: StrictBool = False


class AdverseSignOffIn(StrictInput):
    note: Notes


# --- out ---------------------------------------------------------------------------------------


class FindingOut(Schema):
    rule_id: str
    severity: str
    message: str
    preset_key: str | None = None
    preset_value: str | None = None
    unit: str = ""
    sources: list[Any] = []
    cap_mg: str | None = None
    overridable: bool = False
    overridden: bool = False
    loosened: Any = None


class SessionOut(Schema):
    id: int
    patient_id: int
    client_code: str
    window: str
    dosing_day: date
    state: str
    checked_in_at: datetime
    checked_in_by: str
    ended_at: datetime | None
    end_reason: str
    out_of_window_by: str | None = Field(
        description="The physician who allowed a session outside the dosing windows, if any"
    )
    out_of_window_reason: str


class AssessmentOut(Schema):
    id: int
    session_id: int
    kind: str
    sedation_score: int | None
    breath_alcohol_mg_per_l: Mg | None
    signs: list[str]
    notes: str
    at: datetime
    by: str


class DecisionOut(Schema):
    id: int
    session_id: int
    drug: str
    route: str
    requested_mg: Mg | None
    verdict: str
    max_dose_mg: Mg
    cap_mg: Mg
    observation_minutes: int
    findings: list[FindingOut]
    engine_version: str
    preset_key: str
    preset_hash: str
    at: datetime
    by: str


class PreparationOut(Schema):
    id: int
    session_id: int
    decision_id: int
    lot_id: int
    lot_number: str
    location_id: int
    dose_mg: Mg
    volume_ml: Mg | None
    ledger_entry_id: int
    at: datetime
    by: str


class AdministrationOut(Schema):
    id: int
    session_id: int
    decision_id: int
    drug: str
    route: str
    site: str
    dose_mg: Mg
    preparation_id: int | None
    ledger_entry_id: int | None
    override_id: int | None
    remainder_mg: Mg
    remainder: Literal["", "return", "waste"]
    remainder_entry_id: int | None
    remainder_witness: str | None
    administered_at: datetime
    observe_until: datetime
    nurse: str


class SignOffOut(Schema):
    id: int
    session_id: int
    sedation_score: int | None
    notes: str
    at: datetime
    by: str
    physician: str | None = Field(
        description="The physician who signed off after a serious adverse event, if any"
    )


class ExceptionOut(Schema):
    id: int
    session_id: int
    kind: str
    notes: str
    preparation_id: int | None
    waste_entry_id: int | None
    witness: str | None
    at: datetime
    by: str | None  # None: closed after its window by `openhat sessions close-stale`


class OverrideOut(Schema):
    id: int
    decision_id: int
    rule_ids: list[str]
    allowed_dose_mg: Mg | None
    reason: str
    physician: str
    via: str
    second_factor_verified_at: datetime
    at: datetime


class AdverseSignOffOut(Schema):
    id: int
    event_id: int
    physician: str
    note: str
    at: datetime


class AdverseEventOut(Schema):
    id: int
    patient_id: int
    client_code: str
    session_id: int | None
    kind: str
    severity: str
    onset_at: datetime
    description: str
    naloxone_given: bool
    naloxone_dose_mg: Mg | None
    naloxone_route: str
    oxygen_given: bool
    ambulance_called: bool
    outcome: str
    recorded_at: datetime
    recorded_by: str
    sign_off: AdverseSignOffOut | None


class SessionDetailOut(SessionOut):
    """Everything a client needs to continue the session."""

    identity_confirmed: bool
    assessments: list[AssessmentOut]
    decision: DecisionOut | None = Field(description="The latest decision")
    decision_ids: list[int] = Field(description="Every decision of the session, oldest first")
    preparation: PreparationOut | None = Field(description="The dose drawn and not yet given")
    administration: AdministrationOut | None
    sign_off: SignOffOut | None
    exceptions: list[ExceptionOut]
    overrides: list[OverrideOut]
    liftable_findings: list[FindingOut] = Field(
        description="Findings of the latest decision a physician may lift now"
    )
    sites: list[str] = Field(description="Body sites for the latest decision's route")
    adverse_events: list[AdverseEventOut]


class BoardOrderOut(Schema):
    line_id: int
    drug: str
    routes: list[str]
    dose_min_mg: Mg
    dose_max_mg: Mg
    sessions_per_day: int
    daily_max_mg: Mg
    windows: list[str] = Field(description="The windows the order covers; empty: every window")
    suspended: bool
    text: str


class DrugTodayOut(Schema):
    drug: str
    doses: int
    mg: Mg


class NextDueOut(Schema):
    kind: str = Field(
        description="now, later, tomorrow, in_session, after_observation, after_sign_off, "
        "done_today, no_order, suspended, not_today"
    )
    text: str
    at: datetime | None


class MissedOut(Schema):
    days: int
    at_least: bool
    text: str


class BoardRowOut(Schema):
    patient_id: int
    client_code: str
    state: str = Field(description="due, checked_in, observing, done, held or not_come")
    state_text: str
    session_id: int | None
    session_state: str = Field(description="The state of that session (checked_in ... no_dose)")
    checked_in_at: datetime | None
    observe_until: datetime | None
    observation_over: bool = Field(description="Observation time has passed: sign off now")
    orders: list[BoardOrderOut]
    doses_today: list[DrugTodayOut]
    next_due: NextDueOut
    missed: MissedOut | None


class BoardOut(Schema):
    day: date
    window: str
    window_start: datetime
    window_end: datetime
    counts: dict[str, int] = Field(description="Patients per state")
    rows: list[BoardRowOut]
