"""The shape every tests/<app>/test_backstops.py shares (as tests/pharmacy/test_backstops.py
began it): a copy of a valid row with one change, written past every service, is refused by the
database under the constraint's own name; the same copy without the change (only its unique keys
moved) is accepted, so each refusal is the change's doing.

A file names its rows (a fixture returning valid rows made by the services), `MOVED` (per row, the
changes that move its unique keys to values no row holds) and `CASES` (per constraint name, the
row and the change that breaks exactly that constraint). A change is applied on top of the moved
keys, so a unique constraint's case puts its own key back (`same`). tests/core/
test_every_constraint_is_tested.py reads these files for the constraint names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pytest
from django.db import IntegrityError, models

from tests.pharmacy.test_backstops import copy_of, insert

FAR = 10_000_000  # added to a key or id: a value no row holds (foreign keys are checked at commit)

Changes = Mapping[str, Any] | Callable[[Any], Mapping[str, Any]]
Cases = Mapping[str, tuple[str, Changes]]


def far(row: models.Model, *names: str) -> dict[str, Any]:
    """`names` (attribute names: `chain_seq`, `patient_id`) moved to values no row holds."""
    moved: dict[str, Any] = {}
    for name in names:
        value = getattr(row, name)
        moved[name] = None if value is None else value + FAR
    return moved


def same(*names: str) -> Callable[[Any], dict[str, Any]]:
    """The change for a unique constraint's case: the row's own values of its key, back."""
    return lambda row: {name: getattr(row, name) for name in names}


def _applied(changes: Changes, row: models.Model) -> Mapping[str, Any]:
    return changes(row) if callable(changes) else changes


def the_copy(
    rows: Mapping[str, models.Model], moved: Mapping[str, Changes], name: str, changes: Changes
) -> models.Model:
    row = rows[name]
    return copy_of(row, **{**_applied(moved[name], row), **_applied(changes, row)})


def assert_refused(
    rows: Mapping[str, models.Model], moved: Mapping[str, Changes], cases: Cases, constraint: str
) -> None:
    name, changes = cases[constraint]
    with pytest.raises(IntegrityError, match=rf"\b{constraint}\b"):
        insert(the_copy(rows, moved, name, changes))


def assert_accepted(
    rows: Mapping[str, models.Model], moved: Mapping[str, Changes], name: str
) -> None:
    insert(the_copy(rows, moved, name, {}))


def declared(model_classes: Iterable[type[models.Model]]) -> set[str]:
    return {
        constraint.name
        for model in model_classes
        for constraint in model._meta.constraints  # type: ignore[attr-defined]
    }
