"""Enrolment's database backstops, tested directly (tests/backstops.py): a copy of a valid row
with one change, written past every service, is refused under the constraint's name; the
unchanged copy with its unique keys moved is accepted. These tables refuse UPDATE, so copies are
inserted, never edited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import models

from openhat.enrolment import services
from openhat.enrolment.models import (
    Consent,
    ConsentRevocation,
    EligibilityAssessment,
    PatientLicence,
)
from openhat.patients.models import Patient
from openhat.patients.services import clinic_today
from tests.backstops import assert_accepted, assert_refused, declared, far, same
from tests.enrolment.helpers import assess, licence, to_assessing, treatment_consent

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(personas: Any, patient: Patient) -> dict[str, models.Model]:
    physician = personas["physician"]
    patient = to_assessing(patient, physician)
    today = clinic_today(patient.clinic)
    release = services.record_consent(
        actor=physician,
        patient=patient,
        kind="release_of_information",
        given_on=today,
        expires_on=today + timedelta(days=180),
        recipient="The patient's family doctor",
        purpose="Continuity of care",
        covers=["dosing_records"],
    )
    research = services.record_consent(
        actor=physician, patient=patient, kind="research", given_on=today, purpose="A study"
    )
    return {
        "assessment": assess(patient, physician),
        "licence": licence(patient, physician),
        "treatment": treatment_consent(patient, physician),
        "release": release,
        "revocation": services.revoke_consent(
            actor=physician, consent=research, reason="No longer wishes to take part"
        ),
    }


MOVED = {
    "assessment": lambda row: far(row, "version"),
    "licence": {},
    "treatment": {},
    "release": {},
    "revocation": lambda row: far(row, "consent_id"),
}

CASES = {
    "one_assessment_version_per_patient": ("assessment", same("version")),
    "assessment_decision_known": ("assessment", {"decision": "perhaps"}),
    "assessment_engine_verdict_known": ("assessment", {"engine_verdict": "perhaps"}),
    "assessment_exception_has_reason": ("assessment", {"decision": "exception"}),
    "licence_valid_until_after_from": (
        "licence",
        lambda row: {"valid_until": row.valid_from - timedelta(days=1)},
    ),
    "licence_number_and_authority": ("licence", {"number": ""}),
    "consent_kind_known": ("treatment", {"kind": "general"}),
    "consent_expires_after_given": (
        "treatment",
        lambda row: {"expires_on": row.given_on - timedelta(days=1)},
    ),
    "consent_covers_known_categories": ("release", {"covers": ["dosing_records", "bank"]}),
    "consent_release_is_complete": ("release", {"recipient": ""}),
    "consent_counselling_notes_alone": (
        "release",
        {"covers": ["counselling_notes", "dosing_records"]},
    ),
    "revocation_has_reason": ("revocation", {"reason": ""}),
}


@pytest.mark.parametrize("constraint", sorted(CASES))
def test_the_database_refuses_a_row_that_breaks_the_constraint(
    rows: dict[str, models.Model], constraint: str
) -> None:
    assert_refused(rows, MOVED, CASES, constraint)


@pytest.mark.parametrize(
    ("name", "changes", "constraint"),
    [
        ("assessment", {"exception_reason": "why not"}, "assessment_exception_has_reason"),
        ("licence", {"authority": ""}, "licence_number_and_authority"),
        ("release", {"purpose": ""}, "consent_release_is_complete"),
        ("release", {"expires_on": None}, "consent_release_is_complete"),
        ("release", {"covers": []}, "consent_release_is_complete"),
        ("treatment", {"covers": ["identity"]}, "consent_release_is_complete"),
        ("treatment", {"recipient": "A neighbour"}, "consent_release_is_complete"),
    ],
)
def test_each_other_half_is_refused_too(
    rows: dict[str, models.Model], name: str, changes: dict[str, Any], constraint: str
) -> None:
    assert_refused(rows, MOVED, {constraint: (name, changes)}, constraint)


def test_counselling_notes_released_alone_are_accepted(rows: dict[str, models.Model]) -> None:
    """The control for the notes case: the same release covering the notes alone is valid."""
    alone = {**MOVED, "release": {"covers": ["counselling_notes"]}}
    assert_accepted(rows, alone, "release")


@pytest.mark.parametrize("name", sorted(MOVED))
def test_the_unchanged_copy_is_accepted(rows: dict[str, models.Model], name: str) -> None:
    assert_accepted(rows, MOVED, name)


def test_every_constraint_of_these_models_has_a_case() -> None:
    models_ = [EligibilityAssessment, PatientLicence, Consent, ConsentRevocation]
    assert declared(models_) == set(CASES)
