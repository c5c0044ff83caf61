"""What an outcomes report covers: a period (first and last day, both included) and a cohort
filter (the year treatment started, the drug). Parsed from a form or a query string with a clear
message and a stable code for each mistake (pure Python: no Django)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from openhat.core.errors import DomainError


class CohortDrug:
    """The drug a patient's treatment is grouped under (outcomes.cohort says how it is found)."""

    DAM = "dam"
    HDM = "hdm"
    ORAL = "oral"
    LABELS = {DAM: "Diacetylmorphine (DAM)", HDM: "Hydromorphone (HDM)", ORAL: "Oral OAT only"}


# The earliest start year the form accepts: HAT's first trials (Switzerland, 1994) are the oldest
# treatment a clinic could import; an earlier year is a typing mistake.
EARLIEST_YEAR = 1994


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def __str__(self) -> str:
        return f"{self.first.isoformat()} to {self.last.isoformat()}"


@dataclass(frozen=True)
class Cohort:
    start_year: int | None = None  # None: every year
    drug: str | None = None  # a CohortDrug value; None: every drug

    def describe(self) -> str:
        parts = []
        if self.start_year is not None:
            parts.append(f"started in {self.start_year}")
        if self.drug is not None:
            parts.append(CohortDrug.LABELS[self.drug])
        return ", ".join(parts) if parts else "every patient"


def default_period(today: date, earliest: date | None) -> Period:
    """From the clinic's earliest treatment start (or a year back) to today."""
    first = earliest if earliest is not None and earliest <= today else today - timedelta(days=364)
    return Period(first, today)


def _day(text: str, field: str, label: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise DomainError(
            f"period_{field}_invalid", f"The {label} is not a date (write it as YYYY-MM-DD).", field
        ) from None


def parse_period(first: str, last: str, today: date) -> Period:
    if not first.strip():
        raise DomainError("period_first_missing", "Give the period's first day.", "first")
    if not last.strip():
        raise DomainError("period_last_missing", "Give the period's last day.", "last")
    period = Period(_day(first, "first", "first day"), _day(last, "last", "last day"))
    if period.last < period.first:
        raise DomainError(
            "period_last_before_first", "The last day is before the first day.", "last"
        )
    if period.first > today:
        raise DomainError(
            "period_in_future", "The period starts after today: there is nothing to show.", "first"
        )
    return period


def parse_cohort(start_year: str, drug: str, today: date) -> Cohort:
    year: int | None = None
    if start_year.strip():
        try:
            year = int(start_year.strip())
        except ValueError:
            raise DomainError(
                "cohort_year_invalid", "The start year is not a year (e.g. 2025).", "start_year"
            ) from None
        if not EARLIEST_YEAR <= year <= today.year:
            raise DomainError(
                "cohort_year_out_of_range",
                f"The start year must be from {EARLIEST_YEAR} to {today.year}.",
                "start_year",
            )
    chosen = drug.strip() or None
    if chosen is not None and chosen not in CohortDrug.LABELS:
        raise DomainError(
            "cohort_drug_unknown", "Choose DAM, HDM or oral OAT, or every drug.", "drug"
        )
    return Cohort(year, chosen)
