from __future__ import annotations

from collections import Counter

import pytest
from django.core.management import call_command

from openhat.audit.models import AuditEvent
from openhat.audit.services import verify_chain
from openhat.clinics.models import StaffMembership
from openhat.clinics.roles import Role
from openhat.patients.models import Patient, StatusChange
from openhat.simulate.demo_clinic import (
    DEMO_CLINIC_CODE,
    PATIENT_COUNT,
    STATE_PLAN,
    load_demo_clinic,
)

pytestmark = pytest.mark.django_db


def test_demo_clinic_has_every_role_and_thirty_patients_in_varied_states():
    result = load_demo_clinic()
    assert result.created
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


def test_loading_the_demo_twice_adds_nothing(capsys):
    call_command("load_demo")
    counts = (Patient.objects.count(), StatusChange.objects.count(), AuditEvent.objects.count())
    call_command("load_demo")
    assert (Patient.objects.count(), StatusChange.objects.count()) == counts[:2]
    assert Patient.objects.filter(clinic__code=DEMO_CLINIC_CODE).count() == PATIENT_COUNT
    assert "already loaded" in capsys.readouterr().out


def test_demo_command_prepares_without_serving(capsys):
    call_command("demo", no_serve=True)
    output = capsys.readouterr().out
    for role in Role:
        assert f"demo-{role.value.replace('_', '-')}" in output
    assert "http://127.0.0.1:8000/" in output
