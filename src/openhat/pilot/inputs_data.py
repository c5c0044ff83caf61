"""Local inputs from JSON (a scenario file or the API): the shape checked before the model sees it.

The model's `validate` judges the values (shares between 0 and 1, costs not negative, ...). Before
that, JSON can hold what no form can send: a key the model does not know, citations that are not
text, a number too large to compute with, a control character. Each is refused here with a stable
code and the key named, so nothing odd reaches the model (where it would fail as a 500).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from openhat import planner
from openhat.core.bounds import has_control_character
from openhat.core.errors import DomainError

# Bounds of what a city could type (local: twelve digits before the point is more than any
# population or budget in any currency; the form's number fields hold the same).
LARGEST_NUMBER = 1e12
LONGEST_TEXT = 200
LONGEST_CITATION = 500
MOST_CITATIONS = 100

_NAMES = frozenset(field.name for field in dataclasses.fields(planner.LocalInputs))


def _checked_value(key: str, value: Any) -> None:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int | float):
        if not math.isfinite(value) or abs(value) > LARGEST_NUMBER:
            raise DomainError(
                "number_too_large", f"{key}: at most {LARGEST_NUMBER:,.0f} is accepted.", key
            )
        return
    if isinstance(value, str):
        if len(value) > LONGEST_TEXT:
            raise DomainError("text_too_long", f"{key}: at most {LONGEST_TEXT} characters.", key)
        if has_control_character(value):
            raise DomainError("control_character", f"{key} holds a control character.", key)
        return
    raise DomainError("not_a_number", f"{key} must be a number or a word, not a list.", key)


def _checked_citations(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or len(value) > MOST_CITATIONS:
        raise DomainError(
            "invalid_sources",
            f"sources is an object of at most {MOST_CITATIONS} citations, input name to text.",
            "sources",
        )
    for name, text in value.items():
        if name not in _NAMES or not isinstance(text, str) or len(text) > LONGEST_CITATION:
            raise DomainError(
                "invalid_sources",
                f"sources.{name}: a citation names an input and is text of at most "
                f"{LONGEST_CITATION} characters.",
                "sources",
            )
    return dict(value)


def local_inputs_from(data: Any) -> planner.LocalInputs:
    """LocalInputs from JSON data, not yet validated by the model (the caller does that)."""
    if not isinstance(data, dict):
        raise DomainError("inputs_not_an_object", "The inputs are a JSON object.", "inputs")
    for key, value in data.items():
        if key not in _NAMES:
            raise DomainError("unknown_input", f"{key} is not one of the planner's inputs.", key)
        if key != "sources":
            _checked_value(key, value)
    values = dict(data)
    if "sources" in values:
        values["sources"] = _checked_citations(values["sources"])
    return planner.LocalInputs.from_dict(values)
