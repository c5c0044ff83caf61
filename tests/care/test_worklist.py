"""The care rows of the counsellor's worklist: reviews due and referrals to follow up."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from openhat.care import services, worklist
from openhat.care.models import PartnerService
from openhat.core.clock import backdated
from openhat.core.worklist import SECTIONS
from openhat.patients.models import Patient
from openhat.patients.services import change_status
from tests.care.conftest import plan_referral, start_plan
from tests.conftest import Personas, register_zrh_patient

pytestmark = pytest.mark.django_db


def test_both_providers_are_sections_of_the_worklist() -> None:
    providers = {section.provider for section in SECTIONS}
    assert "openhat.care.worklist.reviews_due" in providers
    assert "openhat.care.worklist.referrals_to_follow_up" in providers


def test_reviews_show_two_weeks_ahead_and_overdue_ones_stay(
    personas: Personas, patient: Patient, today: date
) -> None:
    with backdated(timezone.now() - timedelta(days=120)):
        overdue = start_plan(personas, patient)
    soon_patient = register_zrh_patient(personas)
    with backdated(timezone.now() - timedelta(days=85)):
        soon = start_plan(personas, soon_patient)
    start_plan(personas, register_zrh_patient(personas))  # due in three months: not shown

    items = worklist.reviews_due(personas.clinic, today)

    assert [(i.patient_id, i.overdue) for i in items] == [
        (overdue.patient_id, True),
        (soon.patient_id, False),
    ]
    assert items[0].url == f"/care/patients/{patient.client_code}/review/"
    assert items[0].kind == "care_plan_review_due"


def test_a_review_takes_the_plan_off_the_list(
    personas: Personas, patient: Patient, today: date
) -> None:
    with backdated(timezone.now() - timedelta(days=120)):
        plan = start_plan(personas, patient)
    services.review_care_plan(actor=personas["counsellor"], plan=plan, note_text="Reviewed")

    assert worklist.reviews_due(personas.clinic, today) == []


def test_follow_ups_due_and_overdue_of_open_referrals_only(
    personas: Personas, patient: Patient, partner: PartnerService, today: date
) -> None:
    with backdated(timezone.now() - timedelta(days=10)):
        late = plan_referral(
            personas, patient, partner, sends_data=[], follow_up_on=today - timedelta(days=3)
        )
        ended = plan_referral(
            personas, patient, partner, sends_data=[], follow_up_on=today - timedelta(days=3)
        )
        services.change_referral_status(
            actor=personas["counsellor"], referral=ended, status="declined", note_text="no"
        )
    due = plan_referral(personas, patient, partner, sends_data=[], follow_up_on=today)
    plan_referral(personas, patient, partner, sends_data=[], follow_up_on=today + timedelta(1))

    items = worklist.referrals_to_follow_up(personas.clinic, today)

    assert [(i.url.rstrip("/").split("/")[-1], i.overdue) for i in items] == [
        (str(late.pk), True),
        (str(due.pk), False),
    ]
    assert "Housing First Zurich" in items[0].label


def test_other_clinics_and_exited_patients_are_left_out(
    personas: Personas, patient: Patient, other_patient: Patient, today: date
) -> None:
    with backdated(timezone.now() - timedelta(days=120)):
        start_plan(personas, patient)
    assert len(worklist.reviews_due(personas.clinic, today)) == 1
    assert worklist.reviews_due(personas.other_clinic, today) == []

    change_status(
        actor=personas["physician"],
        patient=patient,
        to_status="exited",
        effective_date=today,
        exit_reason="dropout",
        note="left town",
    )

    assert worklist.reviews_due(personas.clinic, today) == []
