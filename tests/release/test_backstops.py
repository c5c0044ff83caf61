"""Releases of information: their database backstops, tested directly (tests/backstops.py): a copy
of a valid release with one change, written past every service, is refused under the constraint's
name; the copy with only its document id moved is accepted. Releases refuse UPDATE, so copies are
inserted, never edited."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.db import models

from openhat.enrolment.services import record_consent
from openhat.patients.services import clinic_today
from openhat.release.models import InformationRelease
from openhat.release.services import release_information
from tests.backstops import Cases, assert_accepted, assert_refused, declared
from tests.fhir.record_world import PURPOSE, RECIPIENT

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(personas: Any, patient: Any) -> dict[str, models.Model]:
    today = clinic_today(patient.clinic)
    record_consent(
        actor=personas["physician"],
        patient=patient,
        kind="release_of_information",
        given_on=today,
        expires_on=today + timedelta(days=90),
        recipient=RECIPIENT,
        purpose=PURPOSE,
        covers=("identity",),
    )
    release = release_information(
        actor=personas["physician"],
        patient=patient,
        recipient=RECIPIENT,
        purpose=PURPOSE,
        categories=["identity"],
    )
    return {"release": release}


MOVED: dict[str, Any] = {"release": lambda row: {"document_id": uuid.uuid4()}}

CASES: Cases = {
    "release_categories_known": ("release", {"categories": ["identity", "everything"]}),
    "release_has_consent": ("release", {"consent_ids": []}),
    "release_sha256_hex": ("release", lambda row: {"package_sha256": row.package_sha256[:63]}),
    "release_names_recipient": ("release", {"recipient": ""}),
}


@pytest.mark.parametrize("constraint", sorted(CASES))
def test_the_database_refuses_a_row_that_breaks_the_constraint(
    rows: dict[str, models.Model], constraint: str
) -> None:
    assert_refused(rows, MOVED, CASES, constraint)


@pytest.mark.parametrize("name", sorted(MOVED))
def test_the_unchanged_copy_is_accepted(rows: dict[str, models.Model], name: str) -> None:
    assert_accepted(rows, MOVED, name)


@pytest.mark.parametrize(
    ("constraint", "changes"),
    [
        ("release_categories_known", {"categories": []}),
        ("release_names_recipient", {"purpose": ""}),
    ],
)
def test_no_categories_and_no_purpose_are_refused_too(
    rows: dict[str, models.Model], constraint: str, changes: dict[str, Any]
) -> None:
    assert_refused(rows, MOVED, {constraint: ("release", changes)}, constraint)


def test_every_constraint_of_this_model_has_a_case() -> None:
    assert declared([InformationRelease]) == set(CASES)
