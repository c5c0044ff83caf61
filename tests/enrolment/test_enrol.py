"""Enrolment: assessing -> enrolled, only with a signed assessment, a consent and (CH) a licence."""

from __future__ import annotations

from datetime import timedelta

import pytest

from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.core.errors import DomainError, NotFound, PermissionDenied
from openhat.enrolment.models import Enrolment
from openhat.enrolment.services import enrol, record_licence, revoke_consent
from openhat.patients.models import StatusChange
from openhat.patients.services import change_status, clinic_today
from tests.enrolment.helpers import (
    assess,
    facts,
    licence,
    patient_referred_days_ago,
    ready_for_enrolment,
    to_assessing,
    treatment_consent,
)

pytestmark = pytest.mark.django_db


def refused(physician, patient, code, start=None):
    before = StatusChange.objects.filter(patient=patient).count()
    with pytest.raises(DomainError) as error:
        enrol(actor=physician, patient=patient, start_date=start or clinic_today(patient.clinic))
    assert error.value.code == code
    patient.refresh_from_db()
    assert patient.status == "assessing"
    assert StatusChange.objects.filter(patient=patient).count() == before
    assert not Enrolment.objects.exists()
    assert not AuditEvent.objects.filter(code=AuditCode.PATIENT_ENROLLED).exists()
    return error.value


def test_enrolment_with_everything_in_place(personas, patient):
    physician = personas["physician"]
    patient = ready_for_enrolment(patient, physician)
    today = clinic_today(patient.clinic)
    enrolment = enrol(actor=physician, patient=patient, start_date=today)
    patient.refresh_from_db()
    assert (patient.status, patient.status_since) == ("enrolled", today)
    assert enrolment.assessment.version == 1 and enrolment.licence is not None
    assert enrolment.status_change.to_status == "enrolled"
    assert enrolment.treatment_consent.kind == "treatment"
    event = AuditEvent.objects.get(code=AuditCode.PATIENT_ENROLLED)
    assert event.data["start_date"] == today.isoformat()
    assert event.data["assessment_version"] == 1
    assert AuditEvent.objects.filter(code=AuditCode.PATIENT_STATUS_CHANGED).count() == 2


def test_enrolment_without_consent_is_refused(personas, patient):
    physician = personas["physician"]
    patient = to_assessing(patient, physician)
    assess(patient, physician)
    licence(patient, physician)
    error = refused(physician, patient, "treatment_consent_required")
    assert error.message == "No treatment consent yet: record it before enrolment."


def test_enrolment_without_a_signed_assessment_is_refused(personas, patient):
    physician = personas["physician"]
    patient = to_assessing(patient, physician)
    treatment_consent(patient, physician)
    licence(patient, physician)
    error = refused(physician, patient, "eligibility_assessment_required")
    assert "No signed eligibility assessment yet" in error.message


def test_enrolment_after_a_not_eligible_assessment_is_refused(personas, patient):
    physician = personas["physician"]
    patient = ready_for_enrolment(patient, physician)
    assess(patient, physician, facts=facts(years_dependent="1"), decision="not_eligible")
    error = refused(physician, patient, "not_assessed_eligible")
    assert "version 2" in error.message


def test_enrolment_by_exception_is_allowed(personas, patient):
    physician = personas["physician"]
    patient = ready_for_enrolment(patient, physician)
    assess(
        patient,
        physician,
        facts=facts(years_dependent="1"),
        decision="exception",
        exception_reason="Severe dependence for 18 months with repeated overdoses.",
    )
    enrolment = enrol(actor=physician, patient=patient, start_date=clinic_today(patient.clinic))
    assert enrolment.assessment.version == 2 and enrolment.assessment.decision == "exception"


def test_enrolment_without_a_licence_in_switzerland_is_refused(personas, patient):
    physician = personas["physician"]
    patient = to_assessing(patient, physician)
    assess(patient, physician)
    treatment_consent(patient, physician)
    error = refused(physician, patient, "licence_required")
    assert "No patient licence yet" in error.message and "(S1)" in error.message


def test_enrolment_with_an_expired_licence_is_refused(personas):
    physician = personas["physician"]
    patient = patient_referred_days_ago(personas.clinic, personas["nurse"], 60)
    today = clinic_today(patient.clinic)
    patient = to_assessing(patient, physician, on=today - timedelta(days=10))
    assess(patient, physician)
    treatment_consent(patient, physician)
    licence(
        patient,
        physician,
        valid_from=today - timedelta(days=400),
        valid_until=today - timedelta(days=35),
    )
    refused(physician, patient, "licence_not_valid")


def test_enrolment_with_a_revoked_consent_is_refused(personas, patient):
    physician = personas["physician"]
    patient = ready_for_enrolment(patient, physician)
    consent = patient.consents.get()
    revoke_consent(actor=personas["nurse"], consent=consent, reason="changed their mind")
    error = refused(physician, patient, "treatment_consent_not_valid")
    assert "revoked" in error.message


def test_enrolment_before_the_consent_was_given_is_refused(personas):
    physician = personas["physician"]
    patient = patient_referred_days_ago(personas.clinic, personas["nurse"], 60)
    today = clinic_today(patient.clinic)
    patient = to_assessing(patient, physician, on=today - timedelta(days=10))
    assess(patient, physician, assessed_on=today - timedelta(days=9))
    treatment_consent(patient, physician, given_on=today)
    licence(patient, physician, valid_from=today - timedelta(days=30))
    refused(physician, patient, "treatment_consent_not_valid", start=today - timedelta(days=5))


def test_enrolment_before_the_assessment_is_refused(personas, patient):
    physician = personas["physician"]
    today = clinic_today(patient.clinic)
    patient = ready_for_enrolment(patient, physician)
    refused(physician, patient, "start_before_assessment", start=today - timedelta(days=1))


def test_an_assessment_from_before_a_readmission_does_not_count(personas):
    physician = personas["physician"]
    patient = patient_referred_days_ago(personas.clinic, personas["nurse"], 60)
    today = clinic_today(patient.clinic)
    patient = to_assessing(patient, physician, on=today - timedelta(days=20))
    assess(patient, physician, assessed_on=today - timedelta(days=20))
    for step, reason in (("exited", "dropout"), ("referred", ""), ("assessing", "")):
        patient = change_status(
            actor=physician,
            patient=patient,
            to_status=step,
            effective_date=today - timedelta(days=5),
            exit_reason=reason,
            note="back again" if step == "referred" else "",
        )
    treatment_consent(patient, physician)
    licence(patient, physician)
    refused(physician, patient, "assessment_predates_referral")


def test_only_an_assessing_patient_is_enrolled(personas, patient):
    with pytest.raises(DomainError) as error:
        enrol(actor=personas["physician"], patient=patient, start_date=clinic_today(patient.clinic))
    assert error.value.code == "enrolment_needs_assessing"
    assert "referred" in error.value.message


@pytest.mark.parametrize("role", ["nurse", "manager", "counsellor", "pharmacist"])
def test_only_physicians_enrol(personas, patient, role):
    patient = ready_for_enrolment(patient, personas["physician"])
    with pytest.raises(PermissionDenied):
        enrol(actor=personas[role], patient=patient, start_date=clinic_today(patient.clinic))


def test_an_outsider_cannot_enrol(personas, patient):
    patient = ready_for_enrolment(patient, personas["physician"])
    with pytest.raises(NotFound):
        enrol(actor=personas.outsider, patient=patient, start_date=clinic_today(patient.clinic))


def test_change_status_refuses_enrolment_without_the_enrolment_service(personas, patient):
    physician = personas["physician"]
    patient = ready_for_enrolment(patient, physician)
    with pytest.raises(DomainError) as error:
        change_status(
            actor=physician,
            patient=patient,
            to_status="enrolled",
            effective_date=clinic_today(patient.clinic),
        )
    assert (error.value.code, error.value.field) == ("enrolment_required", "to_status")
    assert "enrols" in error.value.message


def test_a_suspended_patient_resumes_without_re_enrolment(personas, patient):
    physician = personas["physician"]
    patient = ready_for_enrolment(patient, physician)
    today = clinic_today(patient.clinic)
    enrol(actor=physician, patient=patient, start_date=today)
    patient.refresh_from_db()
    for step in ("suspended", "enrolled"):
        patient = change_status(
            actor=physician, patient=patient, to_status=step, effective_date=today, note="why"
        )
    assert patient.status == "enrolled" and Enrolment.objects.count() == 1


# --- licences -----------------------------------------------------------------------------------


def test_a_licence_is_recorded_with_its_audit_event(personas, patient):
    recorded = licence(patient, personas["nurse"], number="  BAG 2026 / 17 ")
    assert recorded.number == "BAG 2026 / 17" and recorded.clinic == personas.clinic
    event = AuditEvent.objects.get(code=AuditCode.LICENCE_RECORDED)
    assert event.object_id == str(recorded.pk) and "BAG" not in str(event.data)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"number": " "}, "licence_number_invalid"),
        ({"number": "x" * 41}, "licence_number_invalid"),
        ({"authority": ""}, "licence_authority_invalid"),
        ({"valid_from": "future"}, "valid_from_in_future"),
        ({"valid_until": "before"}, "licence_ends_before_start"),
    ],
)
def test_bad_licences_are_refused(personas, patient, changes, code):
    today = clinic_today(patient.clinic)
    if changes.get("valid_from") == "future":
        changes = {
            "valid_from": today + timedelta(days=1),
            "valid_until": today + timedelta(days=9),
        }
    if changes.get("valid_until") == "before":
        changes = {"valid_until": today - timedelta(days=3)}
    with pytest.raises(DomainError) as error:
        licence(patient, personas["physician"], **changes)
    assert error.value.code == code
    assert not patient.licences.exists()


def test_no_licence_is_recorded_where_the_preset_requires_none(personas, other_patient):
    today = clinic_today(other_patient.clinic)
    with pytest.raises(DomainError) as error:
        record_licence(
            actor=personas.outsider,
            patient=other_patient,
            number="X-1",
            authority="Health Canada",
            valid_from=today,
            valid_until=today,
        )
    assert error.value.code == "licence_not_required"


def test_outside_switzerland_enrolment_needs_no_licence(personas, other_patient):
    from django.contrib.auth.models import User

    from openhat.clinics.roles import Role
    from openhat.clinics.services import add_membership

    physician = User.objects.create_user(username="physician_out")
    add_membership(actor=None, user=physician, clinic=personas.other_clinic, role=Role.PHYSICIAN)
    patient = to_assessing(other_patient, physician)
    assess(patient, physician, facts=facts(flags={}), decision="exception", exception_reason="r")
    treatment_consent(patient, physician)
    enrolment = enrol(actor=physician, patient=patient, start_date=clinic_today(patient.clinic))
    assert enrolment.licence is None
    # ca-crism provides for no exceptions: the exception is stored, flagged as outside the preset.
    assert enrolment.assessment.result["exception_outside_preset"] is True
