"""Dates and numbers: whole months and years counted the conservative way, and evidence wording.

A period that starts on a day the target month lacks (29 February, the 31st) completes on the 1st
of the next month, so nobody reaches an age or a duration a day early.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any


def _add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier); a day the month lacks becomes the 1st of the next."""
    total = day.year * 12 + (day.month - 1) + months
    year, month = divmod(total, 12)
    try:
        return date(year, month + 1, day.day)
    except ValueError:
        return date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)


def _whole_months(start: date, end_exclusive: date) -> int:
    months = (end_exclusive.year - start.year) * 12 + end_exclusive.month - start.month
    if _add_months(start, months) > end_exclusive:
        months -= 1
    return months


def _age(born: date, on: date) -> int:
    # Tuple comparison puts a 29 February birthday on 1 March in other years, as _add_months does.
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _or_list(items: frozenset[Any]) -> str:
    names = sorted(str(item) for item in items)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
