"""Consents: treatment, research, release of information (US 42 CFR Part 2 style), revocation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from openhat.enrolment.checks import (
    release_allowed,
    release_consent,
    research_consent_valid,
    treatment_consent_on,
)
from openhat.enrolment.models import Consent, ConsentRevocation
from openhat.enrolment.services import record_consent, revoke_consent
from openhat.patients.services import clinic_today

pytestmark = pytest.mark.django_db

GP = "Dr. Family Practice, Zurich"
CARE = "continuity of care"


def release(patient, actor, **kwargs):
    today = clinic_today(patient.clinic)
    kwargs.setdefault("given_on", today)
    kwargs.setdefault("expires_on", today + timedelta(days=180))
    kwargs.setdefault("recipient", GP)
    kwargs.setdefault("purpose", CARE)
    kwargs.setdefault("covers", ["dosing_records", "prescriptions"])
    return record_consent(actor=actor, patient=patient, kind="release_of_information", **kwargs)


@pytest.mark.parametrize("role", ["nurse", "counsellor", "physician", "manager"])
def test_staff_who_may_record_a_treatment_consent(personas, patient, role):
    today = clinic_today(patient.clinic)
    consent = record_consent(
        actor=personas[role], patient=patient, kind="treatment", given_on=today
    )
    assert (consent.kind, consent.given_on, consent.expires_on) == ("treatment", today, None)
    assert consent.clinic == personas.clinic and consent.recorded_by == personas[role]
    event = AuditEvent.objects.get(code=AuditCode.CONSENT_RECORDED)
    assert event.object_id == str(consent.pk) and event.data["kind"] == "treatment"
    assert treatment_consent_on(patient, today) == consent


@pytest.mark.parametrize("role", ["pharmacist", "pharmacy_technician", "auditor", "researcher"])
def test_roles_that_may_not_record_consents(personas, patient, role):
    with pytest.raises(PermissionDenied):
        record_consent(
            actor=personas[role],
            patient=patient,
            kind="treatment",
            given_on=clinic_today(patient.clinic),
        )


def test_an_outsider_gets_not_found(personas, patient):
    with pytest.raises(NotFound):
        record_consent(
            actor=personas.outsider,
            patient=patient,
            kind="treatment",
            given_on=clinic_today(patient.clinic),
        )


def test_a_consent_with_an_expiry_in_the_past_is_refused(personas, patient):
    today = clinic_today(patient.clinic)
    with pytest.raises(DomainError) as error:
        record_consent(
            actor=personas["nurse"],
            patient=patient,
            kind="treatment",
            given_on=today - timedelta(days=30),
            expires_on=today - timedelta(days=1),
        )
    assert (error.value.code, error.value.field) == ("consent_expiry_in_past", "expires_on")
    assert not Consent.objects.exists()
    assert not AuditEvent.objects.filter(code=AuditCode.CONSENT_RECORDED).exists()


def test_a_consent_given_in_the_future_is_refused(personas, patient):
    with pytest.raises(DomainError) as error:
        record_consent(
            actor=personas["nurse"],
            patient=patient,
            kind="treatment",
            given_on=clinic_today(patient.clinic) + timedelta(days=1),
        )
    assert error.value.code == "given_on_in_future"


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"recipient": "  "}, "consent_recipient_required", "recipient"),
        ({"purpose": ""}, "consent_purpose_required", "purpose"),
        ({"expires_on": None}, "consent_expiry_required", "expires_on"),
        ({"covers": []}, "consent_covers_required", "covers"),
        ({"covers": ["horoscope"]}, "consent_category_unknown", "covers"),
        ({"recipient": "x" * 201}, "consent_recipient_too_long", "recipient"),
        ({"purpose": "x" * 301}, "consent_purpose_too_long", "purpose"),
        (
            {"covers": ["medical_notes", "counselling_notes"]},
            "counselling_notes_need_own_consent",
            "covers",
        ),
    ],
)
def test_an_incomplete_release_is_refused(personas, patient, changes, code, field):
    with pytest.raises(DomainError) as error:
        release(patient, personas["counsellor"], **changes)
    assert (error.value.code, error.value.field) == (code, field)
    assert not Consent.objects.exists()


def test_counselling_notes_mixed_into_a_broader_release_says_why(personas, patient):
    with pytest.raises(DomainError) as error:
        release(patient, personas["counsellor"], covers=["dosing_records", "counselling_notes"])
    assert "separate consent" in error.value.message


def test_counselling_notes_alone_are_consented_and_released(personas, patient):
    today = clinic_today(patient.clinic)
    release(patient, personas["counsellor"], covers=["counselling_notes"])
    assert release_allowed(patient, GP, CARE, "counselling_notes", today)
    assert not release_allowed(patient, GP, CARE, "dosing_records", today)


def test_release_fields_do_not_belong_to_a_treatment_consent(personas, patient):
    with pytest.raises(DomainError) as error:
        record_consent(
            actor=personas["nurse"],
            patient=patient,
            kind="treatment",
            given_on=clinic_today(patient.clinic),
            covers=["dosing_records"],
        )
    assert error.value.code == "consent_release_fields_not_applicable"


def test_an_unknown_kind_is_refused(personas, patient):
    with pytest.raises(DomainError) as error:
        record_consent(
            actor=personas["nurse"],
            patient=patient,
            kind="marketing",
            given_on=clinic_today(patient.clinic),
        )
    assert error.value.code == "consent_kind_unknown"


def test_release_allowed_true_and_false_cases(personas, patient):
    today = clinic_today(patient.clinic)
    consent = release(patient, personas["counsellor"], recipient="  dr.   family practice, ZURICH ")
    assert consent.recipient == "dr. family practice, ZURICH"
    assert consent.covers == ["dosing_records", "prescriptions"]
    assert release_allowed(patient, GP, CARE, "dosing_records", today)
    assert release_allowed(patient, GP, "Continuity  of care", "prescriptions", today)
    assert (
        release_consent(patient, recipient=GP, purpose=CARE, category="prescriptions", on=today)
        == consent
    )
    refusals = [
        (("Cantonal police", CARE, "dosing_records", today), "release_not_consented"),
        ((GP, "insurance claim", "dosing_records", today), "release_purpose_not_consented"),
        ((GP, CARE, "medical_notes", today), "release_category_not_covered"),
        ((GP, CARE, "counselling_notes", today), "release_category_not_covered"),
        ((GP, CARE, "horoscope", today), "release_category_unknown"),
        ((GP, CARE, "dosing_records", today - timedelta(days=1)), "release_consent_not_yet_given"),
        ((GP, CARE, "dosing_records", today + timedelta(days=181)), "release_consent_expired"),
    ]
    for (recipient, purpose, category, on), code in refusals:
        assert not release_allowed(patient, recipient, purpose, category, on)
        with pytest.raises(DomainError) as error:
            release_consent(patient, recipient=recipient, purpose=purpose, category=category, on=on)
        assert error.value.code == code
    with pytest.raises(DomainError) as error:
        release_consent(patient, recipient=GP, purpose=CARE, category="counselling_notes", on=today)
    assert "Counselling notes need a consent of their own" in error.value.message


def test_another_patients_consent_releases_nothing(personas, patient, other_patient):
    release(patient, personas["counsellor"])
    assert not release_allowed(
        other_patient, GP, CARE, "dosing_records", clinic_today(patient.clinic)
    )


def test_a_revoked_release_stops_releases_and_keeps_the_consent_row(personas, patient):
    today = clinic_today(patient.clinic)
    consent = release(patient, personas["counsellor"])
    before = Consent.objects.filter(pk=consent.pk).values().get()
    revocation = revoke_consent(
        actor=personas["nurse"], consent=consent, reason="Patient withdrew consent at the desk."
    )
    assert (revocation.revoked_on, revocation.revoked_by) == (today, personas["nurse"])
    assert Consent.objects.filter(pk=consent.pk).values().get() == before
    assert not release_allowed(patient, GP, CARE, "dosing_records", today)
    with pytest.raises(DomainError) as error:
        release_consent(patient, recipient=GP, purpose=CARE, category="dosing_records", on=today)
    assert error.value.code == "release_consent_revoked"
    # Before the revocation, the consent held (for the record of what was sent then).
    event = AuditEvent.objects.get(code=AuditCode.CONSENT_REVOKED)
    assert event.object_id == str(consent.pk) and event.data["kind"] == "release_of_information"


def test_a_consent_is_revoked_once_and_with_a_reason(personas, patient):
    consent = release(patient, personas["counsellor"])
    with pytest.raises(DomainError) as error:
        revoke_consent(actor=personas["nurse"], consent=consent, reason="  ")
    assert error.value.code == "revocation_reason_required"
    revoke_consent(actor=personas["nurse"], consent=consent, reason="withdrawn")
    with pytest.raises(Conflict) as conflict:
        revoke_consent(actor=personas["nurse"], consent=consent, reason="again")
    assert conflict.value.code == "consent_already_revoked"
    assert ConsentRevocation.objects.count() == 1


def test_only_staff_of_the_clinic_with_the_capability_revoke(personas, patient):
    consent = release(patient, personas["counsellor"])
    with pytest.raises(PermissionDenied):
        revoke_consent(actor=personas["pharmacist"], consent=consent, reason="x")
    with pytest.raises(NotFound):
        revoke_consent(actor=personas.outsider, consent=consent, reason="x")
    assert not ConsentRevocation.objects.exists()


def test_research_consent_valid(personas, patient):
    today = clinic_today(patient.clinic)
    assert not research_consent_valid(patient, today)
    consent = record_consent(
        actor=personas["physician"],
        patient=patient,
        kind="research",
        given_on=today - timedelta(days=10),
        expires_on=today + timedelta(days=10),
        purpose="HAT pilot cohort study",
    )
    assert consent.purpose == "HAT pilot cohort study"
    assert research_consent_valid(patient, today)
    assert not research_consent_valid(patient, today - timedelta(days=11))
    assert not research_consent_valid(patient, today + timedelta(days=11))
    revoke_consent(actor=personas["physician"], consent=consent, reason="left the study")
    assert not research_consent_valid(patient, today)
    assert research_consent_valid(patient, today - timedelta(days=1))
