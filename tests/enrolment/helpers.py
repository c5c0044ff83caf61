"""Builders for enrolment tests: facts that meet the Swiss criteria, and a patient made ready."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import User

from openhat.enrolment import services
from openhat.enrolment.facts import FactsInput, PriorTreatmentInput
from openhat.enrolment.models import Consent, EligibilityAssessment, Enrolment, PatientLicence
from openhat.patients.models import Patient
from openhat.patients.services import change_status, clinic_today, register_patient
from openhat.patients.validation import IdentityInput

# The test patient is born 1975-05-17 (tests/conftest.py).
ELIGIBLE_IN_CH = FactsInput(
    date_of_birth=date(1975, 5, 17),
    years_dependent="12",
    years_injecting="10",
    prior_treatments=[
        PriorTreatmentInput("methadone", date(2015, 1, 1), date(2016, 6, 30), "failed", "90"),
        PriorTreatmentInput("residential", date(2018, 3, 1), date(2018, 5, 31), "abandoned"),
    ],
    heroin_route="injecting",
    flags={"severe_heroin_dependence": True, "has_deficits": True},
    use_pattern="Street heroin IV three times a day.",
    health_and_social_problems="Hepatitis C; unstable housing.",
)


def facts(**changes: Any) -> FactsInput:
    return replace(ELIGIBLE_IN_CH, **changes)


def patient_referred_days_ago(clinic: Any, nurse: User, days: int) -> Patient:
    """A patient (born 1975-05-17, as the conftest one) whose referral was `days` ago."""
    return register_patient(
        actor=nurse,
        clinic=clinic,
        identity=IdentityInput("Early Person", date(1975, 5, 17), "male", ""),
        referred_on=clinic_today(clinic) - timedelta(days=days),
    )


def to_assessing(patient: Patient, physician: User, on: date | None = None) -> Patient:
    return change_status(
        actor=physician,
        patient=patient,
        to_status="assessing",
        effective_date=on or clinic_today(patient.clinic),
    )


def assess(patient: Patient, physician: User, **kwargs: Any) -> EligibilityAssessment:
    kwargs.setdefault("facts", ELIGIBLE_IN_CH)
    kwargs.setdefault("decision", "eligible")
    return services.assess_eligibility(actor=physician, patient=patient, **kwargs)


def treatment_consent(patient: Patient, actor: User, **kwargs: Any) -> Consent:
    kwargs.setdefault("given_on", clinic_today(patient.clinic))
    return services.record_consent(actor=actor, patient=patient, kind="treatment", **kwargs)


def licence(patient: Patient, actor: User, **kwargs: Any) -> PatientLicence:
    today = clinic_today(patient.clinic)
    kwargs.setdefault("number", "BAG-2026-0042")
    kwargs.setdefault("authority", "Federal Office of Public Health")
    kwargs.setdefault("valid_from", today - timedelta(days=1))
    kwargs.setdefault("valid_until", today + timedelta(days=365))
    return services.record_licence(actor=actor, patient=patient, **kwargs)


def ready_for_enrolment(patient: Patient, physician: User) -> Patient:
    """Assessing, assessed eligible, consented and licensed, all dated today."""
    patient = to_assessing(patient, physician)
    assess(patient, physician)
    treatment_consent(patient, physician)
    licence(patient, physician)
    return patient


def enrolled(patient: Patient, physician: User) -> Enrolment:
    patient = ready_for_enrolment(patient, physician)
    return services.enrol(actor=physician, patient=patient, start_date=clinic_today(patient.clinic))
