"""Helpers for the care tests: a counsellor, a patient of ZRH, a partner and a planned referral."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User

from openhat.care import services
from openhat.care.inputs import GoalInput, PartnerInput, ReferralInput
from openhat.care.models import CarePlan, PartnerService, Referral
from openhat.core.clock import clinic_today
from openhat.enrolment.models import Consent
from openhat.enrolment.services import record_consent
from openhat.patients.models import Patient
from tests.conftest import Personas

PARTNER_NAME = "Housing First Zurich"


@pytest.fixture
def counsellor(personas: Personas) -> User:
    return personas["counsellor"]


@pytest.fixture
def today(personas: Personas) -> date:
    return clinic_today(personas.clinic)


def goal_input(**changes: Any) -> GoalInput:
    values: dict[str, Any] = {
        "domain": "housing",
        "goal": "A room of my own before winter",
        "owner": "shared",
        "target_on": date.today() + timedelta(days=90),
        "actions": "Apply for supported housing\nCollect the income statement",
        "patient_words": "I want a door I can lock.",
    }
    values.update(changes)
    return GoalInput(**values)


def make_partner(personas: Personas, **changes: Any) -> PartnerService:
    values: dict[str, Any] = {"name": PARTNER_NAME, "kinds": ["housing", "income"]}
    values.update(changes)
    return services.save_partner_service(
        actor=personas["counsellor"], clinic=personas.clinic, partner=PartnerInput(**values)
    )


def start_plan(personas: Personas, patient: Patient) -> CarePlan:
    return services.start_care_plan(actor=personas["counsellor"], patient=patient)


def plan_referral(
    personas: Personas, patient: Patient, partner: PartnerService, **changes: Any
) -> Referral:
    today = clinic_today(personas.clinic)
    values: dict[str, Any] = {
        "kind": "housing",
        "partner_id": partner.pk,
        "reason": "Sleeping rough since the summer",
        "follow_up_on": today + timedelta(days=7),
        "sends_data": ["identity"],
    }
    values.update(changes)
    return services.plan_referral(
        actor=personas["counsellor"], patient=patient, referral=ReferralInput(**values)
    )


def release_consent(
    personas: Personas, patient: Patient, *, covers: list[str], **changes: Any
) -> Consent:
    today = clinic_today(personas.clinic)
    values: dict[str, Any] = {
        "kind": "release_of_information",
        "given_on": today,
        "expires_on": today + timedelta(days=180),
        "recipient": PARTNER_NAME,
        "purpose": "Referral for supported housing",
        "covers": covers,
    }
    values.update(changes)
    return record_consent(actor=personas["counsellor"], patient=patient, **values)


@pytest.fixture
def partner(personas: Personas) -> PartnerService:
    return make_partner(personas)
