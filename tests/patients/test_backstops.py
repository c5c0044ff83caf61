"""The patient record's database backstops, tested directly (tests/backstops.py): a copy of a
valid row with one change, written past every service, is refused under the constraint's name;
the unchanged copy with its unique keys moved is accepted. Photos and merges refuse UPDATE, so
copies are inserted, never edited."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import models

from openhat.patients.merging import merge_patients
from openhat.patients.models import IdentityPhoto, Patient, PatientIdentity, PatientMerge
from openhat.patients.services import upload_photo
from tests.backstops import FAR, assert_accepted, assert_refused, declared, far, same
from tests.conftest import register_zrh_patient
from tests.pages.test_patient_pages import png
from tests.prescribing.conftest import totp_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(personas: Any, patient: Patient) -> dict[str, models.Model]:
    photo = upload_photo(actor=personas["nurse"], patient=patient, content=png().read())
    duplicate = register_zrh_patient(personas)
    merge = merge_patients(
        actor=personas["physician"],
        duplicate=duplicate,
        survivor=patient,
        reason="Same person: registered twice at intake, ID card checked.",
        totp_code=totp_code(personas["physician"]),
    )
    return {
        "patient": Patient.objects.get(pk=patient.pk),
        "identity": PatientIdentity.objects.get(patient=patient),
        "photo": photo,
        "merge": merge,
    }


MOVED = {
    "patient": lambda row: {**far(row, "number"), "client_code": "BACKSTOP-1"},
    "identity": lambda row: far(row, "patient_id"),
    "photo": {},
    "merge": lambda row: far(row, "duplicate_id"),
}

CASES = {
    "patient_number_per_clinic": ("patient", same("number")),
    "patient_status_known": ("patient", {"status": "vanished"}),
    # an exit date without the exit
    "patient_exit_fields_match_status": ("patient", {"exit_date": date(2026, 1, 2)}),
    "patient_not_merged_into_itself": (
        "patient",
        lambda row: {"id": row.pk + FAR, "merged_into_id": row.pk + FAR},
    ),
    "identity_sex_known": ("identity", {"sex": "unstated"}),
    "identity_name_present": ("identity", {"legal_name": ""}),
    "photo_type_allowed": ("photo", {"content_type": "image/gif"}),
    "merge_not_into_itself": ("merge", lambda row: {"survivor_id": row.duplicate_id + FAR}),
    "merge_reason_present": ("merge", {"reason": ""}),
}


@pytest.mark.parametrize("constraint", sorted(CASES))
def test_the_database_refuses_a_row_that_breaks_the_constraint(
    rows: dict[str, models.Model], constraint: str
) -> None:
    assert_refused(rows, MOVED, CASES, constraint)


@pytest.mark.parametrize(
    "changes",
    [
        {"status": "exited", "exit_date": None, "exit_reason": "dropout"},
        {"status": "exited", "exit_date": date(2026, 1, 2), "exit_reason": ""},
        {"exit_reason": "dropout"},
    ],
)
def test_every_half_of_an_exit_is_refused(
    rows: dict[str, models.Model], changes: dict[str, Any]
) -> None:
    constraint = "patient_exit_fields_match_status"
    assert_refused(rows, MOVED, {constraint: ("patient", changes)}, constraint)


def test_a_whole_exit_is_accepted(rows: dict[str, models.Model]) -> None:
    """The control for the exit cases: date, reason and status together make a valid row."""
    exited = {"status": "exited", "exit_date": date(2026, 1, 2), "exit_reason": "dropout"}
    assert_accepted(
        rows, {**MOVED, "patient": lambda row: {**MOVED["patient"](row), **exited}}, "patient"
    )


@pytest.mark.parametrize("name", sorted(MOVED))
def test_the_unchanged_copy_is_accepted(rows: dict[str, models.Model], name: str) -> None:
    assert_accepted(rows, MOVED, name)


def test_every_constraint_of_these_models_has_a_case() -> None:
    assert declared([Patient, PatientIdentity, IdentityPhoto, PatientMerge]) == set(CASES)
