"""The EQ-5D-5L index from a loaded value set: a pure function, and the value-set file's checks.

EuroQol licenses the EQ-5D-5L's wording and its national value sets; OpenHAT ships neither. A
clinic records the five levels and the VAS from its own licensed form, and loads the value set
its licence gives it (`openhat load_eq5d_value_set FILE`). Without a value set there is no index.

The form handled is the additive one most published 5L value sets take: 1 minus a constant (for
any state other than 11111) minus one decrement per dimension and level. A value set of another
form (with interaction terms) needs its own formula here before it can be loaded.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

DIMENSIONS = (
    "eq5d_mobility",
    "eq5d_self_care",
    "eq5d_usual_activities",
    "eq5d_pain_discomfort",
    "eq5d_anxiety_depression",
)
_THREE_PLACES = Decimal("0.001")


class ValueSetFileError(ValueError):
    pass


def index(
    levels: dict[str, Any], constant: Decimal, decrements: dict[str, list[str]]
) -> Decimal | None:
    """The index of the five levels, or None when any level is missing."""
    values = [levels.get(dimension) for dimension in DIMENSIONS]
    if any(not isinstance(value, int) or isinstance(value, bool) for value in values):
        return None
    if all(value == 1 for value in values):
        return Decimal(1)
    total = Decimal(1) - constant
    for dimension, level in zip(DIMENSIONS, values, strict=True):
        total -= Decimal(decrements[dimension][int(level) - 1])  # type: ignore[arg-type]
    return total.quantize(_THREE_PLACES)


def parse_value_set(raw: dict[str, Any]) -> dict[str, Any]:
    """{key, title, source, constant, decrements} checked, or ValueSetFileError."""
    for name in ("key", "title", "source"):
        if not isinstance(raw.get(name), str) or not raw[name].strip():
            raise ValueSetFileError(f"{name} is required")
    try:
        constant = Decimal(str(raw.get("constant", "0")))
    except InvalidOperation:
        raise ValueSetFileError("constant must be a number") from None
    decrements = raw.get("decrements")
    if not isinstance(decrements, dict) or sorted(decrements) != sorted(DIMENSIONS):
        raise ValueSetFileError(f"decrements must give each of {', '.join(DIMENSIONS)}")
    checked: dict[str, list[str]] = {}
    for dimension in DIMENSIONS:
        levels = decrements[dimension]
        if not isinstance(levels, list) or len(levels) != 5:
            raise ValueSetFileError(f"{dimension}: five decrements, one per level")
        try:
            checked[dimension] = [str(Decimal(str(value))) for value in levels]
        except InvalidOperation:
            raise ValueSetFileError(f"{dimension}: decrements must be numbers") from None
    return {
        "key": raw["key"].strip(),
        "title": raw["title"].strip(),
        "source": raw["source"].strip(),
        "constant": constant,
        "decrements": checked,
    }


def read_value_set(text: str) -> dict[str, Any]:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueSetFileError(f"not JSON: {error}") from None
    if not isinstance(raw, dict):
        raise ValueSetFileError("a value set is a JSON object")
    return parse_value_set(raw)
