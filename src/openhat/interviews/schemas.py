"""The JSON API's shapes for outcome interviews. Inputs forbid unknown fields and bound every
string; the services check the answers against the instrument version and name the item."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from ninja import Schema
from pydantic import Field, StrictBool, StrictInt, StringConstraints

from openhat.interviews.models import MissedReason
from openhat.patients.schemas import IsoDate, MultiLineText, StrictInput

TimePoint = Annotated[
    str,
    StringConstraints(
        min_length=1, max_length=16, pattern=r"^(intake|exit|month_[1-9][0-9]{0,2})$"
    ),
]
ItemCode = Annotated[
    str, StringConstraints(min_length=1, max_length=48, pattern=r"^[a-z][a-z0-9_]*$")
]
AnswerValue = Annotated[
    StrictBool
    | StrictInt
    | Annotated[str, StringConstraints(max_length=48, pattern=r"^[a-z0-9_]*$")]
    | None,
    Field(
        description="days, count or scale: a whole number; yes_no: true/false; choice: the option's code"
    ),
]
Note = Annotated[MultiLineText, Field(max_length=2000)]


class InterviewIn(StrictInput):
    time_point: TimePoint = Field(
        description="intake, month_3, month_6, month_12, month_24, ..., exit"
    )
    interviewed_on: IsoDate
    answers: dict[ItemCode, AnswerValue] = Field(max_length=200)
    outside_window_reason: Note = ""
    note: Note = ""


class MissedIn(StrictInput):
    time_point: TimePoint
    reason: str = Field(description=f"one of {', '.join(MissedReason.values)}", max_length=16)
    note: Note = ""


class PointOut(Schema):
    code: str
    label: str
    target: date
    opens: date
    closes: date
    status: str = Field(description="upcoming, due, overdue, missed, done or recorded_missed")


class InterviewOut(Schema):
    id: int
    client_code: str
    time_point: str
    target_date: date
    status: str
    instrument: str | None = Field(description="key and version, e.g. openhat-core v1")
    on_date: date
    answers: dict[str, Any]
    missed_reason: str
    outside_window_reason: str
    note: str
    recorded_at: datetime


class ScheduleOut(Schema):
    client_code: str
    schedule: list[PointOut]
    interviews: list[InterviewOut]


class ItemOut(Schema):
    code: str
    section: str
    type: str
    text: str
    required: bool
    minimum: int
    maximum: int | None
    options: list[str]


class InstrumentOut(Schema):
    key: str
    version: int
    title: str
    recall_days: int
    recall_source: str
    items: list[ItemOut]


WindowDays = Annotated[int, Field(ge=0, le=180)]


class InterviewSettingsIn(StrictInput):
    instrument_key: Annotated[str, StringConstraints(min_length=1, max_length=48)] = "openhat-core"
    intake_opens_before: WindowDays
    intake_closes_after: WindowDays
    follow_up_opens_before: WindowDays
    follow_up_closes_after: WindowDays
    exit_opens_before: WindowDays
    exit_closes_after: WindowDays


class InterviewSettingsOut(Schema):
    clinic: str
    instrument_key: str
    intake_opens_before: int
    intake_closes_after: int
    follow_up_opens_before: int
    follow_up_closes_after: int
    exit_opens_before: int
    exit_closes_after: int
