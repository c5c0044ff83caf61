"""A correction of identifying data that would make the record a second chart of another patient is
checked like a registration (issue 12, item 12): refused with the possible matches, or saved with
a confirmation and a reason that are audited."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from openhat.audit.codes import AuditCode
from openhat.audit.models import AccessedRecord, AccessLog, AuditEvent
from openhat.core.errors import DomainError
from openhat.patients.duplicates import DuplicateConfirmation, PossibleDuplicate
from openhat.patients.models import Patient, PatientIdentity
from openhat.patients.services import register_patient, update_identity
from openhat.patients.validation import IdentityInput
from tests.conftest import Personas

pytestmark = pytest.mark.django_db

# The `patient` fixture: "Test Person", 1975-05-17, health number 756.1234.5678.97, clinic ZRH.
BORN = date(1975, 5, 17)
REASON = "Different person: other parents, checked the passport."


@pytest.fixture
def second(personas: Personas) -> Patient:
    """Another ZRH patient, registered under a different identity."""
    return register_patient(
        actor=personas["nurse"],
        clinic=personas.clinic,
        identity=IdentityInput("Sam Second", date(1980, 1, 1), "male", ""),
    )


def _correct(personas: Personas, patient: Patient, identity: IdentityInput, **kwargs: Any) -> Any:
    return update_identity(actor=personas["nurse"], patient=patient, identity=identity, **kwargs)


def _stored(patient: Patient) -> tuple[str, date, str]:
    identity = PatientIdentity.objects.get(patient=patient)
    return (identity.legal_name, identity.date_of_birth, identity.health_number)


def _refusal(
    personas: Personas, patient: Patient, identity: IdentityInput, **kwargs: Any
) -> PossibleDuplicate:
    before = _stored(patient)
    events = AuditEvent.objects.count()
    with pytest.raises(PossibleDuplicate) as caught:
        _correct(personas, patient, identity, **kwargs)
    assert _stored(patient) == before, "a refused correction saved something"
    assert AuditEvent.objects.count() == events, "a refused correction wrote an audit event"
    return caught.value


def test_a_correction_matching_a_patient_of_the_same_clinic_is_refused_and_names_it(
    personas: Personas, patient: Patient, second: Patient
) -> None:
    reads = AccessLog.objects.filter(patient=patient, record=AccessedRecord.IDENTITY).count()

    refusal = _refusal(personas, second, IdentityInput("person TEST", BORN, "male", ""))

    assert (refusal.code, refusal.status_code) == ("possible_duplicate", 409)
    assert "Nothing was saved" in refusal.message
    [match] = refusal.matches
    assert (match.visible, match.client_code, match.legal_name) == (
        True,
        patient.client_code,
        "Test Person",
    )
    assert match.matched_on == ("name_and_date_of_birth",)
    assert (
        AccessLog.objects.filter(
            patient=patient, record=AccessedRecord.IDENTITY, actor=personas["nurse"]
        ).count()
        == reads + 1
    )


def test_a_correction_to_another_patients_health_number_is_refused(
    personas: Personas, patient: Patient, second: Patient
) -> None:
    refusal = _refusal(
        personas, second, IdentityInput("Sam Second", date(1980, 1, 1), "male", "7561234567897")
    )

    assert refusal.matches[0].client_code == patient.client_code
    assert refusal.matches[0].matched_on == ("health_number",)


def test_a_match_in_a_clinic_the_actor_does_not_work_in_is_not_named(
    personas: Personas, second: Patient, other_patient: Patient
) -> None:
    """The OUT patient is "Other Person", 1969-01-03: the ZRH nurse learns only that it exists."""
    reads = AccessLog.objects.count()

    refusal = _refusal(personas, second, IdentityInput("Other Person", date(1969, 1, 3)))

    [match] = refusal.matches
    assert not match.visible
    shown = json.dumps(refusal.as_dict())
    for secret in (other_patient.client_code, "OUT", "Other Person", "1969"):
        assert secret not in shown
    assert AccessLog.objects.count() == reads


def test_a_correction_that_keeps_the_keys_is_not_checked(
    personas: Personas, patient: Patient
) -> None:
    """A twin registered with a confirmation shares the name keys: correcting the sex, the spelling
    or the health number of one of them brings no new match and is saved without a question."""
    identity = IdentityInput("Test Person", BORN, "female", "")
    with pytest.raises(PossibleDuplicate) as first:
        register_patient(actor=personas["nurse"], clinic=personas.clinic, identity=identity)
    twin = register_patient(
        actor=personas["nurse"],
        clinic=personas.clinic,
        identity=identity,
        duplicate_confirmation=DuplicateConfirmation(first.value.confirmation, REASON),
    )
    confirmed = AuditEvent.objects.filter(code=AuditCode.PATIENT_DUPLICATE_CONFIRMED).count()

    _correct(personas, twin, IdentityInput("Test Person", BORN, "male", ""))
    _correct(personas, twin, IdentityInput("TEST  PERSON", BORN, "male", ""))
    _correct(personas, twin, IdentityInput("TEST  PERSON", BORN, "male", "ZZ-99"))

    assert _stored(twin) == ("TEST PERSON", BORN, "ZZ-99")
    updates = AuditEvent.objects.filter(
        code=AuditCode.PATIENT_IDENTITY_UPDATED, object_id=str(twin.pk)
    )
    assert updates.count() == 3
    assert (
        AuditEvent.objects.filter(code=AuditCode.PATIENT_DUPLICATE_CONFIRMED).count() == confirmed
    )


def test_the_patient_itself_is_no_match(personas: Personas, patient: Patient) -> None:
    """Correcting the birth date keeps the patient's own health number: that is not a duplicate."""
    _correct(
        personas,
        patient,
        IdentityInput("Test Person", date(1975, 5, 18), "female", "756.1234.5678.97"),
    )

    assert _stored(patient)[1] == date(1975, 5, 18)


def test_a_confirmation_with_its_token_and_a_reason_saves_and_is_audited(
    personas: Personas, patient: Patient, second: Patient
) -> None:
    identity = IdentityInput("Test Person", BORN, "male", "")
    refusal = _refusal(personas, second, identity)

    _correct(
        personas,
        second,
        identity,
        duplicate_confirmation=DuplicateConfirmation(refusal.confirmation, f"  {REASON}  "),
    )

    assert _stored(second) == ("Test Person", BORN, "")
    event = AuditEvent.objects.get(code=AuditCode.PATIENT_DUPLICATE_CONFIRMED)
    assert event.object_id == str(second.pk)
    assert event.data["possible_matches"] == [patient.client_code]
    assert event.data["reason"] == REASON
    assert event.data["on"] == "identity_correction"
    assert "Test Person" not in json.dumps(event.data)
    assert "1975" not in json.dumps(event.data)
    assert AuditEvent.objects.filter(
        code=AuditCode.PATIENT_IDENTITY_UPDATED, object_id=str(second.pk)
    ).exists()


def test_a_stale_confirmation_is_refused_again(
    personas: Personas, patient: Patient, second: Patient
) -> None:
    """A token given before a further record of the person appeared does not cover it."""
    identity = IdentityInput("Test Person", BORN, "male", "")
    first = _refusal(personas, second, identity)
    with pytest.raises(PossibleDuplicate) as at_registration:
        register_patient(actor=personas["nurse"], clinic=personas.clinic, identity=identity)
    register_patient(
        actor=personas["nurse"],
        clinic=personas.clinic,
        identity=identity,
        duplicate_confirmation=DuplicateConfirmation(at_registration.value.confirmation, REASON),
    )

    stale = _refusal(
        personas,
        second,
        identity,
        duplicate_confirmation=DuplicateConfirmation(first.confirmation, REASON),
    )

    assert len(stale.matches) == 2
    assert "changed since you confirmed" in stale.message
    assert stale.confirmation != first.confirmation


@pytest.mark.parametrize("reason", ["", "   ", "same"])
def test_a_confirmation_needs_a_reason(
    personas: Personas, patient: Patient, second: Patient, reason: str
) -> None:
    identity = IdentityInput("Test Person", BORN, "male", "")
    refusal = _refusal(personas, second, identity)
    before = _stored(second)

    with pytest.raises(DomainError) as caught:
        _correct(
            personas,
            second,
            identity,
            duplicate_confirmation=DuplicateConfirmation(refusal.confirmation, reason),
        )

    assert (caught.value.code, caught.value.field) == (
        "duplicate_reason_required",
        "duplicate_reason",
    )
    assert _stored(second) == before
