"""Pre-dose readings taken earlier the same day, as the engine reads them for a hold carry-over.

A breath-alcohol or sedation hold stands until a new reading, taken at least the preset's
reassessment interval later, clears it (docs/domain.md §5). The station passes the day's earlier
readings (its own session's and earlier sessions'), each with the holds decided on it; the engine
also treats a reading at or above the preset's hold level as a hold. Kept apart from context.py
(which re-exports the name) so that file stays small.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from openhat.rules.errors import ContextError
from openhat.rules.units import exact_decimal, require_aware

# The holds a reading can carry, by the area of the preset they belong to.
HOLD_RULES = {"alcohol": "breath_alcohol_hold", "sedation": "sedation_hold"}


def checked_score(value: object, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ContextError(field, "must be a whole number from 1 to 4")
    if not 1 <= value <= 4:
        raise ContextError(field, f"{value} is outside the 1-4 scale")
    return value


def checked_alcohol(value: object, field: str) -> Decimal | None:
    if value is None:
        return None
    number = exact_decimal(value, field)
    if not Decimal(0) <= number <= Decimal(5):
        raise ContextError(field, f"{number} mg/L is outside 0-5 mg/L")
    return number


@dataclass(frozen=True, slots=True)
class EarlierReading:
    """A pre-dose reading taken earlier today, and the holds decided on it (rule ids)."""

    at: datetime
    sedation_score: int | None = None
    breath_alcohol_mg_per_l: Decimal | None = None
    held: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        at = require_aware(self.at, "earlier_readings.at").astimezone(UTC)
        object.__setattr__(self, "at", at)
        checked_score(self.sedation_score, "earlier_readings.sedation_score")
        alcohol = checked_alcohol(
            self.breath_alcohol_mg_per_l, "earlier_readings.breath_alcohol_mg_per_l"
        )
        object.__setattr__(self, "breath_alcohol_mg_per_l", alcohol)
        held = frozenset(self.held)
        unknown = held - set(HOLD_RULES.values())
        if unknown:
            raise ContextError(
                "earlier_readings.held",
                f"{', '.join(sorted(unknown))} is not a hold a reading can carry; "
                f"known: {', '.join(sorted(HOLD_RULES.values()))}",
            )
        object.__setattr__(self, "held", held)

    def value(self, area: str) -> Decimal | int | None:
        return self.breath_alcohol_mg_per_l if area == "alcohol" else self.sedation_score
