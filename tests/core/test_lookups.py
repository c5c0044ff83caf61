"""`field__any_of`: the same rows as `__in`, with the list sent as one array parameter."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openhat.patients.models import IdentityPhoto, Patient
from openhat.patients.services import register_patient
from openhat.patients.validation import IdentityInput
from tests.conftest import Personas

pytestmark = pytest.mark.django_db


def _patients(personas: Personas, count: int) -> list[Patient]:
    return [
        register_patient(
            actor=personas["nurse"],
            clinic=personas.clinic,
            identity=IdentityInput(f"Person Number{n}", date(1970, 1, 1 + n), "unknown", ""),
        )
        for n in range(count)
    ]


def test_any_of_finds_what_in_finds_with_one_short_query_text(personas: Personas) -> None:
    patients = _patients(personas, 4)
    wanted = [patients[0].pk, patients[2].pk, 10**12]  # and an id that does not exist

    with CaptureQueriesContext(connection) as captured:
        found = set(Patient.objects.filter(pk__any_of=wanted).values_list("pk", flat=True))

    assert found == set(Patient.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    assert found == {patients[0].pk, patients[2].pk}
    assert "= ANY(" in captured.captured_queries[0]["sql"]
    assert " IN (" not in captured.captured_queries[0]["sql"]


def test_any_of_works_on_a_foreign_key_and_an_empty_list_finds_nothing(
    personas: Personas,
) -> None:
    patients = _patients(personas, 2)

    assert list(IdentityPhoto.objects.filter(patient_id__any_of=[p.pk for p in patients])) == []
    assert Patient.objects.filter(pk__any_of=[]).count() == 0
    assert Patient.objects.filter(clinic_id__any_of=[personas.clinic.pk]).count() == 2
