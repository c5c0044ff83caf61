"""The instrument as data: the shipped file loads, and answers are checked against it (no DB)."""

from __future__ import annotations

from typing import Any

import pytest

from openhat.core.errors import DomainError
from openhat.interviews.definition import InstrumentFileError, parse, read_file
from openhat.interviews.loader import shipped_files
from tests.interviews.helpers import answers

CORE = read_file(next(path for path in shipped_files() if path.name == "openhat-core-1.toml"))


def test_the_core_interview_asks_about_the_last_30_days() -> None:
    assert (CORE.key, CORE.version, CORE.recall_days) == ("openhat-core", 1, 30)
    assert "30 days" in CORE.recall_source


def test_the_core_interview_covers_every_domain_the_issue_names() -> None:
    codes = {item.code for item in CORE.items}
    assert {
        "street_heroin_days",
        "other_opioids_days",
        "cocaine_crack_days",
        "benzodiazepines_days",
        "alcohol_intoxication_days",
        "cannabis_days",
        "injecting_days",
        "shared_needles",
        "shoplifting_days",
        "selling_drugs_days",
        "theft_days",
        "fraud_days",
        "violence_days",
        "arrests",
        "custody_days",
        "housing_status",
        "paid_work_days",
        "education_days",
        "physical_health",
        "psychological_health",
        "quality_of_life",
        "overdoses",
        "eq5d_mobility",
        "eq5d_vas",
    } <= codes


def test_no_eq5d_item_carries_euroqol_wording() -> None:
    for item in CORE.items_of("eq5d5l"):
        assert "licensed form" in item.text
        assert not item.required


def test_complete_answers_are_accepted_and_optional_ones_stored_empty() -> None:
    checked = CORE.check_answers(answers())
    assert checked["street_heroin_days"] == 20
    assert checked["eq5d_mobility"] is None


BAD = [
    ("more days than the recall period", {"street_heroin_days": 31}, "days_exceed_recall_period"),
    ("a negative count of days", {"cannabis_days": -1}, "answer_negative"),
    ("a negative number of arrests", {"arrests": -2}, "answer_negative"),
    ("an unanswered required item", {"street_heroin_days": None}, "answer_required"),
    ("a self-rating above 20", {"quality_of_life": 21}, "answer_out_of_range"),
    ("an EQ-5D level of 0", {"eq5d_mobility": 0}, "answer_out_of_range"),
    ("a VAS above 100", {"eq5d_vas": 101}, "answer_out_of_range"),
    ("a fraction of a day", {"injecting_days": 2.5}, "answer_not_a_whole_number"),
    ("a yes/no given as a number", {"shared_needles": 1}, "answer_not_yes_no"),
    ("a number of days given as yes", {"injecting_days": True}, "answer_not_a_whole_number"),
    ("housing not among the options", {"housing_status": "castle"}, "answer_not_an_option"),
    ("a total below one of its kinds", {"illegal_activity_days": 4}, "total_below_its_parts"),
    ("an item the instrument lacks", {"favourite_colour": 3}, "answer_item_unknown"),
]


@pytest.mark.parametrize(("case", "change", "code"), BAD, ids=[row[0] for row in BAD])
def test_a_bad_answer_is_refused_with_its_code(
    case: str, change: dict[str, Any], code: str
) -> None:
    with pytest.raises(DomainError) as refused:
        CORE.check_answers(answers(**change))
    assert refused.value.code == code
    assert refused.value.field == f"answers.{next(iter(change))}"


def test_a_28_day_version_refuses_29_days() -> None:
    raw = dict(CORE.raw, key="openhat-core-top", recall_days=28)
    top = parse(raw)
    top.check_answers(answers(street_heroin_days=28, illegal_activity_days=28))
    with pytest.raises(DomainError) as refused:
        top.check_answers(answers(street_heroin_days=29))
    assert refused.value.code == "days_exceed_recall_period"


@pytest.mark.parametrize(
    "change",
    [
        {"recall_days": 7},
        {"version": 0},
        {"key": "Not A Key"},
        {"items": []},
    ],
)
def test_an_instrument_file_with_a_mistake_is_not_loaded(change: dict[str, Any]) -> None:
    with pytest.raises(InstrumentFileError):
        parse(dict(CORE.raw, **change))


def test_the_fingerprint_follows_the_content() -> None:
    same = parse(dict(CORE.raw))
    changed = parse(dict(CORE.raw, title="Another title"))
    assert same.sha256 == CORE.sha256
    assert changed.sha256 != CORE.sha256
