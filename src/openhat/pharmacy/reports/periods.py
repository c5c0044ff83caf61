"""What a report asks for, parsed once for pages and the API alike: dates, periods, months, the
product, and where a period cuts the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Q

from openhat.clinics.models import Clinic
from openhat.core.clock import clinic_today
from openhat.core.errors import DomainError
from openhat.pharmacy.models import LedgerEntry, Product
from openhat.pharmacy.services.lookup import product_of

ZERO = Decimal("0.000")  # mg, to the ledger's 0.001 mg
# A year's register of the busiest product is tens of thousands of rows: enough for one page.
MAX_REGISTER_DAYS = 366
MAX_CONSUMPTION_MONTHS = 60
# Dates far outside this range cannot be turned into a moment in every time zone.
EARLIEST = date(1900, 1, 1)
LATEST = date(9998, 12, 31)
MAX_ID_DIGITS = 18


# --- parsing what was asked ---------------------------------------------------------------------


def parse_date(text: str | None, field_name: str) -> date | None:
    """An ISO date (YYYY-MM-DD), None when blank, or a refusal naming the field."""
    value = (text or "").strip()
    if not value:
        return None
    try:
        if len(value) != len("YYYY-MM-DD"):
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        raise DomainError(
            "invalid_date", f"{value[:40]!r} is not a date; write YYYY-MM-DD.", field_name
        ) from None
    return _in_range(day, field_name, "invalid_date")


def _in_range(day: date, field_name: str, code: str) -> date:
    if not EARLIEST <= day <= LATEST:
        raise DomainError(code, f"Choose a date from {EARLIEST:%Y} to {LATEST:%Y}.", field_name)
    return day


@dataclass(frozen=True)
class Period:
    """Clinic-local calendar days, both ends included."""

    since: date
    until: date

    def start(self, clinic: Clinic) -> datetime:
        return local_midnight(clinic, self.since)

    def end(self, clinic: Clinic) -> datetime:
        """The first moment after the period: local midnight after the last day."""
        return local_midnight(clinic, self.until + timedelta(days=1))


def local_midnight(clinic: Clinic, day: date) -> datetime:
    return datetime.combine(day, time.min, clinic.zone)


def _ordered(since: date, until: date, max_days: int | None) -> Period:
    if until < since:
        raise DomainError(
            "period_reversed",
            f"The period ends ({until:%Y-%m-%d}) before it starts ({since:%Y-%m-%d}).",
            "until",
        )
    if max_days is not None and (until - since).days + 1 > max_days:
        raise DomainError(
            "period_too_long",
            f"Choose a period of at most {max_days} days; split a longer one.",
            "until",
        )
    return Period(since, until)


def parse_period(
    clinic: Clinic,
    since_text: str | None,
    until_text: str | None,
    *,
    max_days: int | None = MAX_REGISTER_DAYS,
) -> Period:
    """The period asked for; by default from the first of the current month to today."""
    since = parse_date(since_text, "since")
    until = parse_date(until_text, "until")
    if until is None:
        until = max(clinic_today(clinic), since or EARLIEST)
    if since is None:
        since = until.replace(day=1)
    return _ordered(since, until, max_days)


def parse_open_period(
    clinic: Clinic, since_text: str | None, until_text: str | None
) -> Period | None:
    """An optional period (None: all records); a missing start is open, a missing end is today."""
    since = parse_date(since_text, "since")
    until = parse_date(until_text, "until")
    if since is None and until is None:
        return None
    since = since or EARLIEST
    return _ordered(since, until or max(clinic_today(clinic), since), None)


def parse_month(text: str | None, field_name: str) -> date | None:
    """YYYY-MM as the first day of that month, None when blank."""
    value = (text or "").strip()
    if not value:
        return None
    try:
        if len(value) != len("YYYY-MM"):
            raise ValueError(value)
        month = date.fromisoformat(f"{value}-01")
    except ValueError:
        raise DomainError(
            "invalid_month", f"{value[:40]!r} is not a month; write YYYY-MM.", field_name
        ) from None
    return _in_range(month, field_name, "invalid_month")


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class MonthRange:
    first: date  # first day of the first month
    last: date  # first day of the last month

    @property
    def months(self) -> list[date]:
        months = [self.first]
        while months[-1] < self.last:
            months.append(add_months(months[-1], 1))
        return months

    def start(self, clinic: Clinic) -> datetime:
        return local_midnight(clinic, self.first)

    def end(self, clinic: Clinic) -> datetime:
        return local_midnight(clinic, add_months(self.last, 1))


def parse_months(
    clinic: Clinic, year_text: str | None, since_text: str | None, until_text: str | None
) -> MonthRange:
    """A year (YYYY), or a range of months (YYYY-MM to YYYY-MM); by default the current year."""
    year_value = (year_text or "").strip()
    since = parse_month(since_text, "since")
    until = parse_month(until_text, "until")
    if year_value:
        if since or until:
            raise DomainError(
                "period_ambiguous", "Give either a year or a range of months, not both.", "year"
            )
        if not (year_value.isascii() and year_value.isdigit() and len(year_value) == 4):
            raise DomainError(
                "invalid_year", f"{year_value[:40]!r} is not a year; write YYYY.", "year"
            )
        year = int(year_value)
        if not EARLIEST.year <= year <= LATEST.year:
            raise DomainError(
                "invalid_year", f"Choose a year from {EARLIEST:%Y} to {LATEST:%Y}.", "year"
            )
        return MonthRange(date(year, 1, 1), date(year, 12, 1))
    this_month = clinic_today(clinic).replace(day=1)
    if since is None and until is None:
        return MonthRange(this_month.replace(month=1), this_month.replace(month=12))
    if since is None:
        assert until is not None
        since = until.replace(month=1)
    if until is None:
        until = max(since, this_month)
    if until < since:
        raise DomainError(
            "period_reversed",
            f"The range ends ({until:%Y-%m}) before it starts ({since:%Y-%m}).",
            "until",
        )
    span = (until.year - since.year) * 12 + until.month - since.month + 1
    if span > MAX_CONSUMPTION_MONTHS:
        raise DomainError(
            "period_too_long",
            f"Choose at most {MAX_CONSUMPTION_MONTHS} months; split a longer range.",
            "until",
        )
    return MonthRange(since, until)


def report_product(clinic: Clinic, product_id: object) -> Product:
    """The clinic's product asked for: 400 when missing or not a number, 404 when unknown."""
    text = "" if product_id is None else str(product_id).strip()
    if not text:
        raise DomainError("product_required", "Choose a product.", "product")
    if not (text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS):
        raise DomainError("invalid_id", f"{text[:40]!r} is not a product number.", "product")
    return product_of(clinic, text)


def parse_on_date(clinic: Clinic, text: str | None) -> date:
    """The inventory date: today when blank, never in the future."""
    day = parse_date(text, "on")
    today = clinic_today(clinic)
    if day is None:
        return today
    if day > today:
        raise DomainError(
            "date_in_future",
            f"An inventory is of stock on hand; {day:%Y-%m-%d} is after today.",
            "on",
        )
    return day


# --- where a period cuts the ledger ---------------------------------------------------------------


def cut(clinic: Clinic, moment: datetime) -> int | None:
    """The chain position of the first entry written at or after `moment` (None: none yet)."""
    return (
        LedgerEntry.objects.filter(clinic=clinic, at__gte=moment)
        .order_by("at", "chain_seq")
        .values_list("chain_seq", flat=True)
        .first()
    )


def before(cut: int | None) -> Q:
    return Q() if cut is None else Q(chain_seq__lt=cut)
