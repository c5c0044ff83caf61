"""Patients in treatment since a given number of days, and a complete set of answers."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from openhat.core.clock import clinic_today
from openhat.enrolment import services as enrolment
from openhat.patients.models import Patient
from openhat.patients.services import change_status, register_patient
from openhat.patients.validation import IdentityInput
from tests.conftest import Personas
from tests.enrolment.helpers import assess, to_assessing

_serial = itertools.count(1)


def enrolled_since(personas: Personas, days_ago: int) -> Patient:
    """A ZRH patient whose treatment started `days_ago` days before the clinic's today."""
    physician, nurse = personas["physician"], personas["nurse"]
    today = clinic_today(personas.clinic)
    start = today - timedelta(days=days_ago)
    assessed = start - timedelta(days=7)
    # A new person each time (the same name and birthday twice would be a possible duplicate).
    number = next(_serial)
    patient = register_patient(
        actor=nurse,
        clinic=personas.clinic,
        identity=IdentityInput(
            f"Interview Person {number}", date(1970, 1, 1) + timedelta(days=number), "male", ""
        ),
        referred_on=today - timedelta(days=days_ago + 20),
    )
    patient = to_assessing(patient, physician, assessed)
    assess(patient, physician, assessed_on=assessed)
    enrolment.record_consent(actor=nurse, patient=patient, kind="treatment", given_on=assessed)
    enrolment.record_licence(
        actor=physician,
        patient=patient,
        number=f"BAG-TEST-{patient.number:04d}",
        authority="Federal Office of Public Health",
        valid_from=assessed,
        valid_until=today + timedelta(days=365),
    )
    enrolment.enrol(actor=physician, patient=patient, start_date=start)
    patient.refresh_from_db()
    return patient


def exit_patient(
    personas: Personas, patient: Patient, on: date, reason: str = "dropout"
) -> Patient:
    return change_status(
        actor=personas["physician"],
        patient=patient,
        to_status="exited",
        effective_date=on,
        exit_reason=reason,
    )


def answers(**changes: Any) -> dict[str, Any]:
    """Every required item answered (a plausible month early in treatment)."""
    base: dict[str, Any] = {
        "street_heroin_days": 20,
        "other_opioids_days": 2,
        "cocaine_crack_days": 6,
        "benzodiazepines_days": 3,
        "alcohol_intoxication_days": 1,
        "cannabis_days": 10,
        "injecting_days": 18,
        "shared_needles": False,
        "shared_other_equipment": True,
        "shoplifting_days": 5,
        "selling_drugs_days": 8,
        "theft_days": 0,
        "fraud_days": 0,
        "violence_days": 1,
        "illegal_activity_days": 12,
        "arrests": 1,
        "custody_days": 2,
        "housing_status": "shelter",
        "housing_at_risk": True,
        "paid_work_days": 0,
        "education_days": 0,
        "physical_health": 8,
        "psychological_health": 7,
        "quality_of_life": 6,
        "overdoses": 0,
    }
    base.update(changes)
    return base
