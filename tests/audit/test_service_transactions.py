"""Every service writes its audit event in the same transaction as its change: either both are
stored or neither is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.db import models
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from openhat.audit.codes import AuditCode
from openhat.audit.models import AccessLog, AuditEvent
from openhat.clinics import services as clinic_services
from openhat.clinics.models import ApiToken, Clinic, StaffMembership
from openhat.clinics.roles import Role
from openhat.core.errors import DomainError
from openhat.patients import services as patient_services
from openhat.patients.models import IdentityPhoto, Patient, PatientIdentity, StatusChange
from openhat.patients.validation import IdentityInput
from tests.audit.images import png_bytes
from tests.conftest import Personas, make_user

pytestmark = pytest.mark.django_db

WATCHED: list[type[models.Model]] = [
    AuditEvent,
    AccessLog,
    Clinic,
    StaffMembership,
    ApiToken,
    TOTPDevice,
    Patient,
    PatientIdentity,
    StatusChange,
    IdentityPhoto,
]


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table a service writes, to compare before and after a failure."""
    return {m._meta.label: list(m._default_manager.order_by("pk").values()) for m in WATCHED}


Action = Callable[[], Any]


@dataclass(frozen=True)
class ServiceCase:
    module: Any
    code: AuditCode
    # Does any set-up, then returns the one service call under test.
    prepare: Callable[[Personas, Patient], Action]


def _token_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _confirm_device(p: Personas, patient: Patient) -> Action:
    user = p["physician"]
    device = clinic_services.totp_device_for(user)
    code = _token_code(device)
    return lambda: clinic_services.verify_second_factor(actor=user, device=device, token=code)


def _revoke_token(p: Personas, patient: Patient) -> Action:
    token, _secret = clinic_services.create_api_token(actor=p["manager"], name="tablet 1")
    return lambda: clinic_services.revoke_api_token(actor=p["manager"], token_id=token.pk)


def _add_membership(p: Personas, patient: Patient) -> Action:
    user = make_user("new_nurse")
    return lambda: clinic_services.add_membership(
        actor=p["manager"], user=user, clinic=p.clinic, role=Role.NURSE
    )


CASES = {
    "register_patient": ServiceCase(
        patient_services,
        AuditCode.PATIENT_REGISTERED,
        lambda p, _: (
            lambda: patient_services.register_patient(
                actor=p["nurse"],
                clinic=p.clinic,
                identity=IdentityInput("New Person", date(1980, 2, 2), "male", ""),
            )
        ),
    ),
    "update_identity": ServiceCase(
        patient_services,
        AuditCode.PATIENT_IDENTITY_UPDATED,
        lambda p, patient: (
            lambda: patient_services.update_identity(
                actor=p["nurse"],
                patient=patient,
                identity=IdentityInput("Renamed Person", date(1975, 5, 17), "female", ""),
            )
        ),
    ),
    "change_status": ServiceCase(
        patient_services,
        AuditCode.PATIENT_STATUS_CHANGED,
        lambda p, patient: (
            lambda: patient_services.change_status(
                actor=p["physician"],
                patient=patient,
                to_status="assessing",
                effective_date=patient_services.clinic_today(patient.clinic),
            )
        ),
    ),
    "upload_photo": ServiceCase(
        patient_services,
        AuditCode.PATIENT_PHOTO_UPLOADED,
        lambda p, patient: (
            lambda: patient_services.upload_photo(
                actor=p["nurse"], patient=patient, content=png_bytes()
            )
        ),
    ),
    "create_clinic": ServiceCase(
        clinic_services,
        AuditCode.CLINIC_CREATED,
        lambda p, _: (
            lambda: clinic_services.create_clinic(
                actor=None,
                code="BSL",
                name="Basel",
                time_zone="Europe/Zurich",
                jurisdiction_preset="ch",
            )
        ),
    ),
    "add_membership": ServiceCase(
        clinic_services, AuditCode.STAFF_MEMBERSHIP_ADDED, _add_membership
    ),
    "create_api_token": ServiceCase(
        clinic_services,
        AuditCode.API_TOKEN_CREATED,
        lambda p, _: lambda: clinic_services.create_api_token(actor=p["manager"], name="tablet 1"),
    ),
    "revoke_api_token": ServiceCase(clinic_services, AuditCode.API_TOKEN_REVOKED, _revoke_token),
    "verify_second_factor": ServiceCase(
        clinic_services, AuditCode.SECOND_FACTOR_DEVICE_CONFIRMED, _confirm_device
    ),
}


class AuditStoreFailed(Exception):
    pass


@pytest.mark.parametrize("name", list(CASES))
def test_a_failing_audit_write_undoes_the_whole_change(
    name: str, personas: Personas, patient: Patient, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = CASES[name]
    action = case.prepare(personas, patient)
    real_record_event = case.module.record_event
    written: list[AuditCode] = []

    def record_then_fail(code: AuditCode, **kwargs: Any) -> AuditEvent:
        event = real_record_event(code, **kwargs)
        written.append(code)
        if code == case.code:
            raise AuditStoreFailed
        return event

    before = snapshot()
    monkeypatch.setattr(case.module, "record_event", record_then_fail)
    with pytest.raises(AuditStoreFailed):
        action()
    assert case.code in written, "the service should have written its audit event before failing"
    assert snapshot() == before


@pytest.mark.parametrize("name", list(CASES))
def test_a_successful_service_writes_its_event_and_its_change(
    name: str, personas: Personas, patient: Patient
) -> None:
    case = CASES[name]
    action = case.prepare(personas, patient)
    before_events = set(AuditEvent.objects.values_list("pk", flat=True))
    before = snapshot()
    action()
    new_codes = list(
        AuditEvent.objects.exclude(pk__in=before_events)
        .order_by("pk")
        .values_list("code", flat=True)
    )
    assert case.code in new_codes
    after = snapshot()
    changed = {
        label for label in after if label != "audit.AuditEvent" and after[label] != before[label]
    }
    assert changed, "the service should have changed something besides the audit trail"


def test_register_patient_records_who_registered_whom(personas: Personas) -> None:
    nurse = personas["nurse"]
    patient = patient_services.register_patient(
        actor=nurse,
        clinic=personas.clinic,
        identity=IdentityInput("Some Body", date(1979, 9, 9), "other", ""),
    )
    event = AuditEvent.objects.get(code=AuditCode.PATIENT_REGISTERED, object_id=str(patient.pk))
    assert event.actor == nurse
    assert event.actor_username == nurse.username
    assert event.clinic == personas.clinic
    assert event.chain_key == personas.clinic.pk
    assert event.object_type == "patients.Patient"
    assert event.data == {"client_code": patient.client_code}
    # Identifying data never enters the audit trail.
    assert "Some Body" not in str(event.data)


def test_a_refused_status_change_leaves_no_audit_row(personas: Personas, patient: Patient) -> None:
    before = snapshot()
    with pytest.raises(DomainError) as refused:
        patient_services.change_status(
            actor=personas["physician"],
            patient=patient,
            to_status="enrolled",  # a referred patient must be assessed first
            effective_date=patient_services.clinic_today(patient.clinic),
        )
    assert refused.value.code == "illegal_status_transition"
    assert snapshot() == before


def test_a_refused_clinic_leaves_no_audit_row(personas: Personas) -> None:
    before = snapshot()
    with pytest.raises(DomainError):
        clinic_services.create_clinic(
            actor=None,
            code="ZRH",
            name="Duplicate",
            time_zone="Europe/Zurich",
            jurisdiction_preset="ch",
        )
    with pytest.raises(DomainError):
        clinic_services.create_clinic(
            actor=None,
            code="XYZ",
            name="Bad zone",
            time_zone="Mars/Olympus",
            jurisdiction_preset="ch",
        )
    assert snapshot() == before


def test_a_refused_registration_leaves_no_audit_row(personas: Personas) -> None:
    before = snapshot()
    with pytest.raises(DomainError):
        patient_services.register_patient(
            actor=personas["nurse"],
            clinic=personas.clinic,
            identity=IdentityInput("Not Born Yet", date(2999, 1, 1), "female", ""),
        )
    with pytest.raises(DomainError):
        patient_services.register_patient(
            actor=personas["pharmacist"],  # may not register patients
            clinic=personas.clinic,
            identity=IdentityInput("Some Body", date(1970, 1, 1), "female", ""),
        )
    assert snapshot() == before
