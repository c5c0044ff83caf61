"""Registration checks for a possible earlier record of the same person (issue 12, item 12)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from openhat.audit.codes import AuditCode
from openhat.audit.models import AccessedRecord, AccessLog, AuditEvent
from openhat.core.errors import DomainError
from openhat.patients.duplicates import DuplicateConfirmation, PossibleDuplicate
from openhat.patients.identity_keys import health_number_key, name_key
from openhat.patients.models import Patient, PatientIdentity
from openhat.patients.services import register_patient, update_identity
from openhat.patients.validation import IdentityInput
from tests.conftest import Personas

pytestmark = pytest.mark.django_db

# The `patient` fixture: "Test Person", 1975-05-17, health number 756.1234.5678.97, clinic ZRH.
BORN = date(1975, 5, 17)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Test Person", "test person"),
        ("Test Person", "  TEST   PERSON "),
        ("Müller-Lüdenscheidt, Hans", "hans muller ludenscheidt"),
        ("José  Núñez", "Jose Nunez"),
        ("Anna Maria Rossi", "Rossi Anna Maria"),
        ("Ærøskøbing Åse", "ÆRØSKØBING åse"),
    ],
)
def test_name_keys_ignore_case_spacing_accents_punctuation_and_order(
    first: str, second: str
) -> None:
    assert name_key(first) == name_key(second)


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("Test Person", "Test Persson", False),
        ("Ann Lee", "Anne Lee", False),
    ],
)
def test_different_names_keep_different_keys(first: str, second: str, same: bool) -> None:
    assert (name_key(first) == name_key(second)) is same


@pytest.mark.parametrize(
    ("first", "second"),
    [("756.1234.5678.97", "7561234567897"), ("ab-12 34", "AB1234"), ("", "")],
)
def test_health_number_keys_ignore_case_and_separators(first: str, second: str) -> None:
    assert health_number_key(first) == health_number_key(second)


def _register(personas: Personas, identity: IdentityInput, **kwargs: Any) -> Patient:
    return register_patient(
        actor=kwargs.pop("actor", personas["nurse"]),
        clinic=kwargs.pop("clinic", personas.clinic),
        identity=identity,
        **kwargs,
    )


def _refusal(personas: Personas, identity: IdentityInput, **kwargs: Any) -> PossibleDuplicate:
    patients = Patient.objects.count()
    with pytest.raises(PossibleDuplicate) as caught:
        _register(personas, identity, **kwargs)
    assert Patient.objects.count() == patients, "a refused registration registered someone"
    return caught.value


@pytest.mark.parametrize(
    "identity",
    [
        IdentityInput("Test Person", BORN, "female", "756.1234.5678.97"),
        IdentityInput("  test  PERSON", BORN),  # same name and birth date, no health number
        IdentityInput("Person Test", BORN, "unknown", ""),
        IdentityInput("Someone Else", date(1990, 1, 1), "male", "7561234567897"),  # health number
    ],
)
def test_a_possible_duplicate_is_refused_and_named_to_an_identity_role(
    personas: Personas, patient: Patient, identity: IdentityInput
) -> None:
    reads = AccessLog.objects.filter(patient=patient, record=AccessedRecord.IDENTITY).count()

    refusal = _refusal(personas, identity)

    assert refusal.code == "possible_duplicate"
    assert refusal.status_code == 409
    [match] = refusal.matches
    assert match.visible
    assert match.client_code == patient.client_code
    assert match.legal_name == "Test Person"
    assert match.date_of_birth == BORN
    assert refusal.as_dict()["confirmation"] == refusal.confirmation
    # Showing the match is a read of its identity, logged like every other.
    assert (
        AccessLog.objects.filter(
            patient=patient, record=AccessedRecord.IDENTITY, actor=personas["nurse"]
        ).count()
        == reads + 1
    )


def test_the_match_says_what_matched(personas: Personas, patient: Patient) -> None:
    by_number = _refusal(
        personas, IdentityInput("Other Name", date(1990, 1, 1), "male", "7561234567897")
    )
    by_name = _refusal(personas, IdentityInput("Test Person", BORN))
    both = _refusal(personas, IdentityInput("Test Person", BORN, "female", "756 1234 5678 97"))

    assert by_number.matches[0].matched_on == ("health_number",)
    assert by_name.matches[0].matched_on == ("name_and_date_of_birth",)
    assert both.matches[0].matched_on == ("name_and_date_of_birth", "health_number")


def test_a_different_birth_date_or_name_is_no_match(personas: Personas, patient: Patient) -> None:
    _register(personas, IdentityInput("Test Person", date(1975, 5, 18)))
    _register(personas, IdentityInput("Test Persona", BORN))
    assert Patient.objects.count() == 3


def test_a_match_in_a_clinic_the_registrar_does_not_work_in_is_not_named(
    personas: Personas, other_patient: Patient
) -> None:
    """The outsider's patient ("Other Person", 1969-01-03) is in clinic OUT; the ZRH nurse is told
    a record exists, with nothing that identifies it, and no read of its identity is logged."""
    reads = AccessLog.objects.count()

    refusal = _refusal(personas, IdentityInput("other person", date(1969, 1, 3)))

    [match] = refusal.matches
    assert not match.visible
    shown = json.dumps(refusal.as_dict())
    for secret in (other_patient.client_code, "OUT", "Other Person", "1969"):
        assert secret not in shown
    assert "Other Person" not in refusal.message
    assert AccessLog.objects.count() == reads


def test_a_confirmation_with_its_token_and_a_reason_registers_and_is_audited(
    personas: Personas, patient: Patient
) -> None:
    identity = IdentityInput("Test Person", BORN, "female", "")
    refusal = _refusal(personas, identity)

    second = _register(
        personas,
        identity,
        duplicate_confirmation=DuplicateConfirmation(
            refusal.confirmation, "Twin sister, same name given at birth; checked ID card."
        ),
    )

    assert second.pk != patient.pk
    event = AuditEvent.objects.get(code=AuditCode.PATIENT_DUPLICATE_CONFIRMED)
    assert event.object_id == str(second.pk)
    assert event.data["possible_matches"] == [patient.client_code]
    assert event.data["reason"] == "Twin sister, same name given at birth; checked ID card."
    assert "Test Person" not in json.dumps(event.data["possible_matches"])


@pytest.mark.parametrize("reason", ["", "   ", "same"])
def test_a_confirmation_needs_a_reason(personas: Personas, patient: Patient, reason: str) -> None:
    identity = IdentityInput("Test Person", BORN)
    refusal = _refusal(personas, identity)
    patients = Patient.objects.count()

    with pytest.raises(DomainError) as caught:
        _register(
            personas,
            identity,
            duplicate_confirmation=DuplicateConfirmation(refusal.confirmation, reason),
        )

    assert caught.value.code == "duplicate_reason_required"
    assert Patient.objects.count() == patients


def test_a_confirmation_covers_only_the_matches_it_was_given_for(
    personas: Personas, patient: Patient
) -> None:
    """A token from before a further record appeared (or a made-up one) is refused again."""
    identity = IdentityInput("Test Person", BORN)
    first = _refusal(personas, identity)
    reason = "Different person: other parents, checked passport."
    _register(
        personas, identity, duplicate_confirmation=DuplicateConfirmation(first.confirmation, reason)
    )

    stale = _refusal(
        personas, identity, duplicate_confirmation=DuplicateConfirmation(first.confirmation, reason)
    )
    made_up = _refusal(
        personas, identity, duplicate_confirmation=DuplicateConfirmation("0" * 32, reason)
    )

    assert len(stale.matches) == 2
    assert "changed since you confirmed" in stale.message
    assert stale.confirmation != first.confirmation
    assert made_up.confirmation == stale.confirmation


def test_the_identity_keys_follow_a_correction(personas: Personas, patient: Patient) -> None:
    update_identity(
        actor=personas["nurse"],
        patient=patient,
        identity=IdentityInput("Renamed Persön", BORN, "female", "XY-1"),
    )
    stored = PatientIdentity.objects.get(patient=patient)
    assert (stored.name_key, stored.health_number_key) == (
        "persön renamed".replace("ö", "o"),
        "XY1",
    )

    refusal = _refusal(personas, IdentityInput("renamed person", BORN))
    assert refusal.matches[0].client_code == patient.client_code
    _register(personas, IdentityInput("Test Person", BORN))  # the old name no longer matches
