"""The idempotency table's database backstop, tested directly (tests/backstops.py): a second
result for the same user and key is refused under the constraint's name; the same row under
another key is accepted."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import models

from openhat.core.idempotency import remember_result
from openhat.core.models import IdempotencyKey
from tests.backstops import assert_accepted, assert_refused, declared, same

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(personas: Any) -> dict[str, models.Model]:
    remember_result(personas["nurse"], "backstop-key", "test", personas.clinic)
    return {"key": IdempotencyKey.objects.get(key="backstop-key")}


MOVED = {"key": {"key": "another-key"}}

CASES = {"idempotency_key_per_user": ("key", same("key"))}


@pytest.mark.parametrize("constraint", sorted(CASES))
def test_the_database_refuses_a_row_that_breaks_the_constraint(
    rows: dict[str, models.Model], constraint: str
) -> None:
    assert_refused(rows, MOVED, CASES, constraint)


@pytest.mark.parametrize("name", sorted(MOVED))
def test_the_unchanged_copy_is_accepted(rows: dict[str, models.Model], name: str) -> None:
    assert_accepted(rows, MOVED, name)


def test_every_constraint_of_this_model_has_a_case() -> None:
    assert declared([IdempotencyKey]) == set(CASES)
