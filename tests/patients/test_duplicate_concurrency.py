"""Registrations of the same person at the same moment, in real concurrent transactions: one is
registered, every other is told about it (never two records registered silently)."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import User

from openhat.clinics.models import Clinic
from openhat.patients import duplicates
from openhat.patients import services as patient_services
from openhat.patients.duplicates import PossibleDuplicate
from openhat.patients.models import Patient
from openhat.patients.validation import IdentityInput
from tests.audit.concurrent import run_together
from tests.conftest import Personas

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]


def _slow_search(monkeypatch: pytest.MonkeyPatch) -> None:
    """Widen the gap between the search and the insert, where two registrations would pass."""
    real = duplicates.find_matches

    def slow(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        time.sleep(0.3)
        return found

    monkeypatch.setattr(patient_services, "find_matches", slow)


def _register_in(clinic_pk: int, user_pk: int, index: int) -> str:
    # Names differ in spelling only: the keys make them one person.
    spelling = ["Sam Same", "SAM SAME", "sam  same", "Same Sam"][index % 4]
    try:
        patient = patient_services.register_patient(
            actor=User.objects.get(pk=user_pk),
            clinic=Clinic.objects.get(pk=clinic_pk),
            identity=IdentityInput(spelling, date(1981, 3, 4)),
        )
    except PossibleDuplicate as refused:
        return f"refused:{len(refused.matches)}"
    return f"registered:{patient.client_code}"


def test_concurrent_registrations_of_one_person_register_one(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    _slow_search(monkeypatch)
    clinic, nurse = personas.clinic.pk, personas["nurse"].pk

    results, errors = run_together(4, lambda index: _register_in(clinic, nurse, index))

    assert errors == []
    assert sorted(result.split(":")[0] for result in results) == [
        "refused",
        "refused",
        "refused",
        "registered",
    ]
    assert Patient.objects.count() == 1


def test_concurrent_registrations_in_two_clinics_register_one(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clinic's row lock does not cover another clinic; the identity lock does."""
    _slow_search(monkeypatch)
    places = [
        (personas.clinic.pk, personas["nurse"].pk),
        (personas.other_clinic.pk, personas.outsider.pk),
    ]

    results, errors = run_together(2, lambda index: _register_in(*places[index], index))

    assert errors == []
    assert sorted(result.split(":")[0] for result in results) == ["refused", "registered"]
    assert Patient.objects.count() == 1


def test_without_the_identity_lock_both_would_register(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The harness really overlaps the two: with the lock removed, both pass the search."""
    _slow_search(monkeypatch)
    monkeypatch.setattr(patient_services, "lock_identity", lambda keys: None)
    places = [
        (personas.clinic.pk, personas["nurse"].pk),
        (personas.other_clinic.pk, personas.outsider.pk),
    ]

    results, errors = run_together(2, lambda index: _register_in(*places[index], index))

    assert errors == []
    assert sorted(result.split(":")[0] for result in results) == ["registered", "registered"]
