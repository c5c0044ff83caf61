from __future__ import annotations

from datetime import date, timedelta

import pytest

from openhat.core.clock import clinic_today
from openhat.core.errors import DomainError, PermissionDenied
from openhat.patients.lifecycle import ALLOWED_TRANSITIONS, NEEDS_ENROLMENT, PatientStatus
from openhat.patients.models import StatusChange
from openhat.patients.services import change_status, register_patient
from openhat.patients.validation import IdentityInput
from tests.enrolment.helpers import enrolled

pytestmark = pytest.mark.django_db

ALL_PAIRS = [(a, b) for a in PatientStatus.values for b in PatientStatus.values if a != b]


def _walk_to(patient, status, actor):
    """Walk the patient to `status`; enrolment goes through the enrolment service."""
    if status in ("enrolled", "suspended"):
        enrolled(patient, actor)
        patient.refresh_from_db()
    path = {
        "referred": [],
        "assessing": ["assessing"],
        "enrolled": [],
        "suspended": ["suspended"],
        "exited": ["exited"],
    }[status]
    today = clinic_today(patient.clinic)
    for step in path:
        patient = change_status(
            actor=actor,
            patient=patient,
            to_status=step,
            effective_date=today,
            exit_reason="dropout" if step == "exited" else "",
            note="reason given",
        )
    return patient


@pytest.mark.parametrize(("from_status", "to_status"), ALL_PAIRS)
def test_every_transition_is_allowed_or_refused_as_the_table_says(
    personas, patient, from_status, to_status
):
    physician = personas["physician"]
    patient = _walk_to(patient, from_status, physician)
    attempt = dict(
        actor=physician,
        patient=patient,
        to_status=to_status,
        effective_date=clinic_today(patient.clinic),
        exit_reason="transfer" if to_status == "exited" else "",
        note="reason given",
    )
    if (from_status, to_status) in NEEDS_ENROLMENT:
        with pytest.raises(DomainError) as error:
            change_status(**attempt)
        assert error.value.code == "enrolment_required"
    elif to_status in ALLOWED_TRANSITIONS[from_status]:
        assert change_status(**attempt).status == to_status
    else:
        before = StatusChange.objects.filter(patient=patient).count()
        with pytest.raises(DomainError) as error:
            change_status(**attempt)
        assert error.value.code == "illegal_status_transition"
        patient.refresh_from_db()
        assert patient.status == from_status
        assert StatusChange.objects.filter(patient=patient).count() == before


def test_exit_needs_a_reason_and_records_date(personas, patient):
    physician = personas["physician"]
    today = clinic_today(patient.clinic)
    with pytest.raises(DomainError) as error:
        change_status(actor=physician, patient=patient, to_status="exited", effective_date=today)
    assert error.value.code == "exit_reason_required"
    exited = change_status(
        actor=physician,
        patient=patient,
        to_status="exited",
        effective_date=today,
        exit_reason="incarceration",
    )
    assert (exited.exit_date, exited.exit_reason) == (today, "incarceration")


def test_status_date_cannot_be_in_the_future(personas, patient):
    with pytest.raises(DomainError) as error:
        change_status(
            actor=personas["physician"],
            patient=patient,
            to_status="assessing",
            effective_date=clinic_today(patient.clinic) + timedelta(days=1),
        )
    assert error.value.code == "effective_date_in_future"


def test_nurse_may_not_change_status(personas, patient):
    with pytest.raises(PermissionDenied):
        change_status(
            actor=personas["nurse"],
            patient=patient,
            to_status="assessing",
            effective_date=date.today(),
        )


def test_status_since_is_the_effective_date_not_the_typing_date(personas, patient):
    today = clinic_today(patient.clinic)
    referred = register_patient(
        actor=personas["nurse"],
        clinic=personas.clinic,
        identity=IdentityInput("Backdated Person", date(1970, 1, 1)),
        referred_on=today - timedelta(days=40),
    )
    assert referred.status_since == today - timedelta(days=40)
    assessing = change_status(
        actor=personas["physician"],
        patient=referred,
        to_status="assessing",
        effective_date=today - timedelta(days=10),
    )
    assert assessing.status_since == today - timedelta(days=10)
    with pytest.raises(DomainError) as error:
        change_status(
            actor=personas["physician"],
            patient=assessing,
            to_status="exited",
            effective_date=today - timedelta(days=20),
            exit_reason="dropout",
        )
    assert error.value.code == "effective_date_before_last_change"
