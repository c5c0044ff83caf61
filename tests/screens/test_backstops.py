"""The screens' and contacts' database backstops, tested directly: a copy of a valid row with one
change, written past every service, is refused under the constraint's name; the unchanged copy is
accepted. Both tables refuse UPDATE and DELETE."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, ProgrammingError, models, transaction

from openhat.screens.models import HarmReductionContact, UrineDrugScreen
from tests.pharmacy.test_backstops import copy_of, insert
from tests.screens.helpers import contact, screen

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(personas: Any, patient: Any) -> dict[str, models.Model]:
    return {"screen": screen(personas, patient), "contact": contact(personas, patient)}


CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "screen_cocaine_result_known": ("screen", {"cocaine": "maybe"}),
    "screen_setting_known": ("screen", {"setting": "kitchen"}),
    "screen_tests_something": (
        "screen",
        {
            "morphine_opiates": "not_tested",
            "monoacetylmorphine": "not_tested",
            "acetylcodeine": "not_tested",
            "papaverine": "not_tested",
            "noscapine": "not_tested",
            "cocaine": "not_tested",
            "street_heroin": "not_tested",
        },
    ),
    # the stored flag must be what the markers say
    "screen_street_flag_from_markers": ("screen", {"street_heroin": "detected"}),
    "screen_sampled_before_recorded": ("screen", {"sampled_at_delta": timedelta(hours=3)}),
    "harm_red_naloxone_kits_within_bounds": ("contact", {"naloxone_kits": 11}),
    "harm_red_injecting_equipment_within_bounds": ("contact", {"injecting_equipment": 501}),
    "harm_red_hiv_test_known": ("contact", {"hiv_test": "maybe"}),
    "harm_red_records_something": (
        "contact",
        {
            "naloxone_kits": 0,
            "injecting_equipment": 0,
            "overdose_training": False,
            "hcv_test": "not_offered",
        },
    ),
    "harm_red_given_before_recorded": ("contact", {"given_at_delta": timedelta(hours=3)}),
}


def _changes(row: models.Model, changes: dict[str, Any]) -> dict[str, Any]:
    out = dict(changes)
    for name in ("sampled_at", "given_at"):
        delta = out.pop(f"{name}_delta", None)
        if delta is not None:
            out[name] = row.recorded_at + delta  # type: ignore[attr-defined]
    return out


@pytest.mark.parametrize("constraint", sorted(CASES))
def test_the_database_refuses(rows: dict[str, models.Model], constraint: str) -> None:
    kind, changes = CASES[constraint]
    row = rows[kind]
    insert(copy_of(row))  # the unchanged copy is accepted

    with pytest.raises(IntegrityError, match=constraint):
        insert(copy_of(row, **_changes(row, changes)))


def test_negative_counts_are_refused_by_the_column_itself(rows: dict[str, models.Model]) -> None:
    with pytest.raises(IntegrityError):
        insert(copy_of(rows["contact"], naloxone_kits=-1))


@pytest.mark.parametrize("kind", ["screen", "contact"])
def test_rows_are_append_only(rows: dict[str, models.Model], kind: str) -> None:
    row = rows[kind]
    for change in (
        lambda: type(row)._default_manager.filter(pk=row.pk).update(note="changed"),
        lambda: type(row)._default_manager.filter(pk=row.pk).delete(),
    ):
        with pytest.raises(ProgrammingError, match="pgtrigger"), transaction.atomic():
            change()


# Every other result, offer and bound, one case each (tests/core/test_every_constraint_is_tested.py
# wants a case per constraint). The markers of street heroin stay tested, so the derived flag
# still matches and only the unknown result is refused.
MORE_CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "screen_morphine_opiates_result_known": ("screen", {"morphine_opiates": "maybe"}),
    "screen_monoacetylmorphine_result_known": ("screen", {"monoacetylmorphine": "maybe"}),
    "screen_acetylcodeine_result_known": ("screen", {"acetylcodeine": "maybe"}),
    "screen_papaverine_result_known": ("screen", {"papaverine": "maybe"}),
    "screen_noscapine_result_known": ("screen", {"noscapine": "maybe"}),
    "screen_methadone_eddp_result_known": ("screen", {"methadone_eddp": "maybe"}),
    "screen_buprenorphine_result_known": ("screen", {"buprenorphine": "maybe"}),
    "screen_fentanyl_result_known": ("screen", {"fentanyl": "maybe"}),
    "screen_amphetamines_result_known": ("screen", {"amphetamines": "maybe"}),
    "screen_benzodiazepines_result_known": ("screen", {"benzodiazepines": "maybe"}),
    "screen_cannabis_result_known": ("screen", {"cannabis": "maybe"}),
    "screen_alcohol_etg_result_known": ("screen", {"alcohol_etg": "maybe"}),
    "screen_does_not_correct_itself": ("screen", {"id": 987_654_321, "corrects_id": 987_654_321}),
    "harm_red_inhalation_kits_within_bounds": ("contact", {"inhalation_kits": 201}),
    "harm_red_hcv_test_known": ("contact", {"hcv_test": "maybe"}),
    "harm_red_hbv_test_known": ("contact", {"hbv_test": "maybe"}),
    "harm_red_hbv_vaccination_known": ("contact", {"hbv_vaccination": "maybe"}),
}


@pytest.mark.parametrize("constraint", sorted(MORE_CASES))
def test_the_database_refuses_each_other_unknown_or_out_of_bounds_value(
    rows: dict[str, models.Model], constraint: str
) -> None:
    kind, changes = MORE_CASES[constraint]
    with pytest.raises(IntegrityError, match=rf"\b{constraint}\b"):
        insert(copy_of(rows[kind], **changes))


def test_every_constraint_of_these_models_has_a_case() -> None:
    declared = {
        constraint.name
        for model in (UrineDrugScreen, HarmReductionContact)
        for constraint in model._meta.constraints
    }
    assert declared == set(CASES) | set(MORE_CASES)
