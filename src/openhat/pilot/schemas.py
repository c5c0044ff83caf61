"""The pilot planner's JSON shapes (pilot/api.py). Inputs are the model's LocalInputs as a JSON
object (the same object a scenario file holds under "inputs")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from openhat.pilot.models import TITLE_MAX_LENGTH


class InputsIn(Schema):
    inputs: dict[str, Any] = Field(
        description="LocalInputs as JSON, e.g. GET /api/planner/example; keys left out keep the "
        "model's defaults."
    )


class QuotedReportIn(Schema):
    """One version of a clinic's frozen public report, quoted on the brief (pilot.quote)."""

    clinic: str = Field(min_length=1, max_length=20, description="The clinic's code")
    period: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}$", description="The month, YYYY-MM")
    version: int = Field(ge=1, le=100_000)


class QuotedReportOut(QuotedReportIn):
    sha256: str


class ScenarioIn(InputsIn):
    title: str = Field(min_length=1, max_length=TITLE_MAX_LENGTH)
    quoted_report: QuotedReportIn | None = Field(
        default=None,
        description="A clinic's published report to quote beside the model's figures (GET "
        "/public/clinics/{code}/reports/ lists a clinic's months); unknown: quoted_report_unknown",
    )


class BesideOut(Schema):
    text: str
    source: str


class QuoteRowOut(Schema):
    key: str
    label: str
    clinic: str
    beside: list[BesideOut]


class QuoteOut(Schema):
    """The quoted report's figures as the clinic published them, and what the brief sets beside."""

    clinic_code: str
    clinic_name: str
    period: str
    version: int
    latest_version: int
    sha256: str
    address: str
    threshold: int
    source: str
    rows: list[QuoteRowOut]


class InputErrorOut(Schema):
    code: str
    message: str
    field: str | None


class PlannerErrorOut(Schema):
    """The first problem as code/message/field (like every error), and all of them in `errors`."""

    code: str
    message: str
    field: str | None
    errors: list[InputErrorOut] = Field(default_factory=list)


class IntervalOut(Schema):
    estimate: float
    low: float
    high: float


class CeacPointOut(Schema):
    willingness_to_pay: float
    probability_cost_effective: float


class TornadoRowOut(Schema):
    name: str
    label: str
    kind: str
    low_value: float
    high_value: float
    output_low: float
    output_high: float


class PlanOut(Schema):
    parameters_version: str
    draws: int
    seed: int
    currency: str
    price_year: int | None
    horizon_years: int
    verdict: str
    people: float
    people_treated: float
    operating_budget_per_year: float
    net_cost: IntervalOut
    qalys_gained: IntervalOut
    deaths_averted: IntervalOut
    overdoses_averted: IntervalOut
    crimes_averted: IntervalOut
    cost_per_qaly: IntervalOut | None
    probability_cost_saving: float
    ceac: list[CeacPointOut]
    tornado: list[TornadoRowOut]
    sources: dict[str, str]
    limits: list[str]
    quoted_report: QuoteOut | None = None


class ScenarioOut(Schema):
    share_key: str
    title: str
    parameters_version: str
    created_at: datetime
    page: str
    pdf: str
    json_file: str
    plan: str


class ScenarioDocumentOut(Schema):
    format: str
    format_version: int
    title: str
    parameters_version: str
    inputs: dict[str, Any]
    quoted_report: QuotedReportOut | None = None
