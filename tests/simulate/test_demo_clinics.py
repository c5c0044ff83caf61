"""The demo clinics as loaded (openhat.simulate.demo_clinic): staff, patients in every state,
orders, both jurisdictions. The load is the package's (tests/simulate/conftest.py); what a second
run or a partial earlier load does is tested in tests/test_demo.py, each with a load of its own.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from openhat.audit.models import AuditEvent
from openhat.audit.services import verify_chain
from openhat.clinics.models import Clinic, StaffMembership
from openhat.clinics.roles import Role
from openhat.patients.models import Patient, StatusChange
from openhat.simulate.demo_clinic import (
    CANADA_CLINIC_CODE,
    CANADA_STATE_PLAN,
    DEMO_CLINIC_CODE,
    PATIENT_COUNT,
    STATE_PLAN,
)
from openhat.simulate.demo_orders import LOADER_DEVICE_NAME, TITRATION_COUNT, prescribed_daily_mg

pytestmark = pytest.mark.django_db


def test_demo_clinic_has_every_role_and_thirty_patients_in_varied_states(demo):
    result = demo
    roles = set(StaffMembership.objects.filter(clinic=result.clinic).values_list("role", flat=True))
    assert roles == set(Role.values)
    statuses = Counter(
        Patient.objects.filter(clinic=result.clinic).values_list("status", flat=True)
    )
    assert sum(statuses.values()) == PATIENT_COUNT
    assert statuses == Counter({str(status): count for status, count in STATE_PLAN})
    assert set(result.totp_secrets) == {"demo-physician", "demo-pharmacist"}
    exited = Patient.objects.filter(clinic=result.clinic, status="exited")
    assert all(p.exit_date and p.exit_reason for p in exited)
    # Histories are dated in order, as the services demand.
    for patient in Patient.objects.filter(clinic=result.clinic):
        dates = list(
            StatusChange.objects.filter(patient=patient)
            .order_by("id")
            .values_list("effective_date", flat=True)
        )
        assert dates == sorted(dates)
    # Every patient who was ever enrolled got there through the enrolment service (CH: licensed).
    from openhat.enrolment.models import Enrolment

    for patient in Patient.objects.filter(
        clinic=result.clinic, status__in=["enrolled", "suspended", "exited"]
    ):
        enrolment = Enrolment.objects.get(patient=patient)
        assert enrolment.assessment.decision == "eligible" and enrolment.licence is not None
        assert enrolment.assessment.assessed_on <= enrolment.start_date
    assert verify_chain(AuditEvent, "audit_event")[1] is None


def test_demo_orders_are_signed_calibrated_and_follow_the_patients(demo):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from openhat.prescribing.models import OrderLine, OrderState
    from openhat.prescribing.services import active_orders, expiring_orders

    result = demo
    clinic = result.clinic
    lines = OrderLine.objects.filter(clinic=clinic).select_related("current_version", "patient")
    # Every order was signed by the demo physician with a verified second factor.
    for line in lines:
        version = line.current_version
        assert version is not None and version.signed_by.username == "demo-physician"
        assert version.second_factor_verified_at is not None
        assert version.preset_key == "ch-diaphin" and version.preset_loosenings == []
    # Every enrolled patient has an order in force.
    enrolled = Patient.objects.filter(clinic=clinic, status="enrolled")
    for patient in enrolled:
        assert active_orders(patient), patient.client_code
    active_lines = [line for line in lines if line.state == OrderState.ACTIVE]
    assert {line.patient.status for line in active_lines} == {"enrolled"}
    active = [v for line in active_lines if (v := line.current_version) is not None]
    # Maintenance DAM: three sessions, ranges around 150 mg, at most 1,000 mg a day; the mean
    # prescribed daily dose near NAOMI's 454 mg [S13].
    maintenance = [v for v in active if v.drug == "dam" and v.phase == "maintenance"]
    assert len(maintenance) >= 8
    for version in maintenance:
        assert version.sessions_per_day == 3 and version.routes == ["iv"]
        assert version.dose_min_mg < version.dose_max_mg <= version.daily_max_mg <= 1000
    mean = sum((prescribed_daily_mg(v) for v in maintenance), Decimal(0)) / len(maintenance)
    assert abs(mean - Decimal(454)) <= Decimal(454) * Decimal("0.15"), mean
    # Oral night cover: evening methadone (at most 150 mg beside DAM) or SROM.
    night = [v for v in active if v.drug in ("methadone", "srom")]
    assert len(night) >= len(enrolled) // 2
    assert all(v.windows == ["evening"] and v.routes == ["oral"] for v in night)
    assert all(v.daily_max_mg <= 150 for v in night if v.drug == "methadone")
    # Titration: recent, with a range to titrate within.
    titration = [v for v in active if v.drug == "dam" and v.phase == "titration"]
    assert len(titration) == TITRATION_COUNT
    for version in titration:
        assert version.dose_min_mg <= 15 < 100 <= version.dose_max_mg
        assert version.ends_at is not None
        assert (version.ends_at - version.starts_at).days <= 14
        assert version.starts_at >= timezone.now() - timedelta(days=10)  # started recently
    assert expiring_orders(clinic)  # one order is due for renewal: the flag shows
    # Suspended patients' orders are suspended, exited patients' orders stopped.
    for status, state in (("suspended", OrderState.SUSPENDED), ("exited", OrderState.STOPPED)):
        patients = Patient.objects.filter(clinic=clinic, status=status)
        assert patients
        for patient in patients:
            states = set(OrderLine.objects.filter(patient=patient).values_list("state", flat=True))
            assert states == {state}, patient.client_code
    # The loader's own signing device is gone; the physician's authenticator is unused.
    assert not TOTPDevice.objects.filter(name=LOADER_DEVICE_NAME).exists()
    device = TOTPDevice.objects.get(user__username="demo-physician")
    assert device.confirmed and device.drift == 0 and device.last_t == -1
    assert verify_chain(AuditEvent, "audit_event")[1] is None


def test_the_demo_physician_can_sign_with_the_printed_authenticator_after_loading(demo):
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from openhat.prescribing.services import OrderInput, sign_order

    result = demo
    physician = User.objects.get(username="demo-physician")
    device = TOTPDevice.objects.get(user=physician)
    code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    patient = Patient.objects.filter(clinic=result.clinic, status="enrolled").first()
    assert patient is not None
    order = OrderInput(
        drug="srom", routes=["oral"], dose_min=100, sessions_per_day=1, daily_max=100
    )
    assert sign_order(actor=physician, patient=patient, order=order, totp_code=f"{code:06d}")


def test_the_canadian_demo_clinic_has_hdm_orders_near_naomis_mean(demo):
    from openhat.enrolment.models import Enrolment
    from openhat.prescribing.models import OrderLine, OrderState
    from openhat.prescribing.services import active_orders

    result = demo
    clinic = Clinic.objects.get(code=CANADA_CLINIC_CODE)
    assert [c.code for c in result.clinics] == [CANADA_CLINIC_CODE, DEMO_CLINIC_CODE]
    assert clinic.jurisdiction_preset == "ca-crism" and clinic.dosing_preset == "ca-ioat"
    assert clinic.time_zone == "America/Vancouver"
    # The same demo staff, with the same role, in both clinics.
    for role in Role:
        clinics = set(
            StaffMembership.objects.filter(user__username=result.staff[role.value]).values_list(
                "clinic__code", "role"
            )
        )
        assert clinics == {(DEMO_CLINIC_CODE, role.value), (CANADA_CLINIC_CODE, role.value)}
    statuses = Counter(Patient.objects.filter(clinic=clinic).values_list("status", flat=True))
    assert statuses == Counter({str(status): count for status, count in CANADA_STATE_PLAN})
    # Enrolled under CRISM: eligible, consented, no licence (the preset requires none).
    enrolled = Patient.objects.filter(clinic=clinic, status="enrolled")
    for patient in enrolled:
        enrolment = Enrolment.objects.get(patient=patient)
        assert enrolment.assessment.decision == "eligible" and enrolment.licence is None
        assert enrolment.assessment.preset_key == "ca-crism"
        assert active_orders(patient), patient.client_code
    lines = OrderLine.objects.filter(clinic=clinic).select_related("current_version")
    assert {line.state for line in lines} == {OrderState.ACTIVE}
    versions = [v for line in lines if (v := line.current_version) is not None]
    for version in versions:
        assert version.signed_by.username == "demo-physician"
        assert version.second_factor_verified_at is not None
        assert version.preset_key == "ca-ioat" and version.preset_loosenings == []
    # HDM maintenance: three IV sessions, at most 500 mg a day (ca-ioat); the mean prescribed
    # daily dose within 15% of NAOMI's 212.6 mg [S13].
    hdm = [v for v in versions if v.drug == "hdm"]
    assert len(hdm) >= 4 and all(v.phase == "maintenance" for v in hdm)
    for version in hdm:
        assert version.sessions_per_day == 3 and version.routes == ["iv"]
        assert version.dose_min_mg < version.dose_max_mg <= version.daily_max_mg <= 500
    mean = sum((prescribed_daily_mg(v) for v in hdm), Decimal(0)) / len(hdm)
    naomi = Decimal("212.6")
    assert abs(mean - naomi) <= naomi * Decimal("0.15"), mean
    # One or two on DAM under ca-ioat; oral night cover beside (methadone at most 150 mg).
    dam = [v for v in versions if v.drug == "dam"]
    assert 1 <= len(dam) <= 2
    assert all(v.daily_max_mg <= 1000 and v.phase == "maintenance" for v in dam)
    night = [v for v in versions if v.drug in ("methadone", "srom")]
    assert night and all(v.windows == ["evening"] and v.routes == ["oral"] for v in night)
    assert all(v.daily_max_mg <= 150 for v in night if v.drug == "methadone")
    assert verify_chain(AuditEvent, "audit_event")[1] is None
