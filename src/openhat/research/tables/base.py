"""What a table is: typed columns (the data dictionary is made from them) and rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from openhat.research.models import DateMode
from openhat.research.pseudonyms import days_since, shifted

# Column kinds: text (a code, never free text), integer, decimal (mg), yesno (1/0), choice (one of
# `choices`), day (a shifted date or a day number, as the study chose).
KINDS = ("text", "integer", "decimal", "yesno", "choice", "day")
Value = str | int | Decimal | date | None


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    label: str
    choices: tuple[tuple[str, str], ...] = ()
    unit: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: kind {self.kind!r}")
        if (self.kind == "choice") != bool(self.choices):
            raise ValueError(f"{self.name}: a choice column, and only one, has choices")


@dataclass
class Table:
    name: str  # the file name and the REDCap form name
    title: str
    description: str
    columns: list[Column]
    rows: list[dict[str, Value]] = field(default_factory=list)

    def add(self, row: dict[str, Value]) -> None:
        missing = {c.name for c in self.columns} ^ set(row)
        if missing:
            raise ValueError(f"{self.name}: row columns differ from the table's: {missing}")
        self.rows.append(row)


@dataclass(frozen=True)
class Subject:
    pseudonym: str
    shift_days: int
    first_dose: date | None  # the anchor of relative days


@dataclass
class Subjects:
    """The included people, by their survivor record id, and how their dates leave the clinic."""

    date_mode: str
    people: dict[int, Subject]
    survivor_of: dict[int, int]  # every record id of an included person -> survivor id

    def of(self, record_id: int) -> Subject:
        return self.people[self.survivor_of[record_id]]

    def day(self, record_id: int, value: date | None) -> date | int | None:
        subject = self.of(record_id)
        if self.date_mode == DateMode.SHIFTED:
            return shifted(value, subject.shift_days)
        return days_since(value, subject.first_dose)

    def day_note(self) -> str:
        if self.date_mode == DateMode.SHIFTED:
            return "YYYY-MM-DD, moved by the patient's own keyed shift (-180..+180 days)"
        return "days since the patient's first dose (day 0); empty for a patient with no dose"


def day_column(name: str, label: str, subjects: Subjects) -> Column:
    return Column(name, "day", label, note=subjects.day_note())


def yes_no(value: bool) -> int:
    return 1 if value else 0


def choices_of(enum: Any) -> tuple[tuple[str, str], ...]:
    return tuple((str(value), str(label)) for value, label in enum.choices)


def sort_rows(table: Table, *keys: str) -> Table:
    def key(row: dict[str, Value]) -> tuple[Any, ...]:
        # Within a column the values share one type; an empty value sorts last.
        return tuple((row[k] is None, row[k] if row[k] is not None else 0) for k in keys)

    table.rows.sort(key=key)
    return table
