"""EQ-5D-5L: only levels and the VAS are stored; the index only with a value set a clinic loads."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from openhat.core.errors import Conflict
from openhat.interviews.eq5d import DIMENSIONS, index
from openhat.interviews.loader import load_value_set, shipped_files
from openhat.interviews.models import EQ5DValueSet

# A made-up value set for the tests (round numbers, not any country's): OpenHAT ships none.
MADE_UP = {
    "key": "test-additive",
    "title": "Test value set (made up)",
    "source": "tests only",
    "constant": "0.05",
    "decrements": {dimension: ["0", "0.05", "0.1", "0.2", "0.3"] for dimension in DIMENSIONS},
}


def levels(*values: int) -> dict[str, int]:
    return dict(zip(DIMENSIONS, values, strict=True))


def test_full_health_is_one_and_other_states_subtract_their_decrements() -> None:
    decrements = MADE_UP["decrements"]
    assert index(levels(1, 1, 1, 1, 1), Decimal("0.05"), decrements) == 1  # type: ignore[arg-type]
    assert index(levels(2, 1, 3, 1, 5), Decimal("0.05"), decrements) == Decimal("0.500")  # type: ignore[arg-type]


def test_no_index_without_all_five_levels() -> None:
    assert index({"eq5d_mobility": 2}, Decimal(0), MADE_UP["decrements"]) is None  # type: ignore[arg-type]


def test_no_value_set_and_no_euroqol_wording_is_shipped() -> None:
    for path in shipped_files():
        assert "value" not in path.name
        assert "I have no problems" not in path.read_text()  # EuroQol's own wording


@pytest.mark.django_db
def test_a_value_set_is_loaded_once_and_a_different_one_needs_a_new_key(tmp_path: Path) -> None:
    file = tmp_path / "value-set.json"
    file.write_text(json.dumps(MADE_UP))
    call_command("load_eq5d_value_set", str(file))
    call_command("load_eq5d_value_set", str(file))  # the same again: nothing new
    assert EQ5DValueSet.objects.count() == 1
    with pytest.raises(Conflict) as refused:
        load_value_set(json.dumps(dict(MADE_UP, constant="0.1")))
    assert refused.value.code == "value_set_key_in_use"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "broken",
    [
        "not json",
        json.dumps(dict(MADE_UP, decrements={"eq5d_mobility": [0, 0, 0, 0, 0]})),
        json.dumps(dict(MADE_UP, title="")),
    ],
)
def test_a_broken_value_set_is_refused_and_nothing_is_loaded(tmp_path: Path, broken: str) -> None:
    file = tmp_path / "broken.json"
    file.write_text(broken)
    with pytest.raises(CommandError, match="value_set_file_invalid"):
        call_command("load_eq5d_value_set", str(file))
    assert not EQ5DValueSet.objects.exists()


@pytest.mark.django_db
def test_the_patient_page_shows_the_index_only_once_a_value_set_is_loaded(personas: Any) -> None:
    from django.test import Client

    from openhat.core.clock import clinic_today
    from openhat.interviews.services import record_interview
    from tests.conftest import sign_in
    from tests.interviews.helpers import answers, enrolled_since

    patient = enrolled_since(personas, 2)
    record_interview(
        actor=personas["counsellor"],
        patient=patient,
        time_point="intake",
        interviewed_on=clinic_today(patient.clinic),
        answers=answers(**levels(2, 1, 3, 1, 5), eq5d_vas=55),
    )
    client = sign_in(Client(), personas["counsellor"])
    url = f"/interviews/patients/{patient.client_code}/"
    assert "EQ-5D-5L index" not in client.get(url).content.decode()
    load_value_set(json.dumps(MADE_UP))
    page = client.get(url).content.decode()
    assert "EQ-5D-5L index (test-additive)" in page
    assert "0.500" in page
