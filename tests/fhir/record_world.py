"""A patient with a record of every kind the FHIR Bundle and a release carry: an order, a dose
given with its sedation and breath-alcohol readings, a urine screen, an answered interview, a care
plan with a goal, a treatment consent and a release-of-information consent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from openhat.care.inputs import GoalInput
from openhat.care.services import add_goal, start_care_plan
from openhat.dosing.models import Administration
from openhat.dosing.services.administer import administer
from openhat.enrolment.models import Consent
from openhat.enrolment.services import record_consent
from openhat.interviews.models import Interview, InterviewStatus
from openhat.interviews.reading import current_definition
from openhat.patients.models import Patient
from openhat.patients.services import clinic_today
from tests.dosing.factories import decided
from tests.interviews.helpers import answers
from tests.screens.helpers import screen

RECIPIENT = "Dr Ada Example, family practice"
PURPOSE = "Continuity of care"


@dataclass(frozen=True)
class Record:
    patient: Patient
    dose: Administration
    release_consent: Consent


def full_record(personas: Any, station: Any, covers: tuple[str, ...] = ()) -> Record:
    patient = station.patient
    session, decision = decided(personas, patient, sedation_score=2, breath_alcohol="0.12")
    dose = administer(
        actor=personas["nurse"],
        session_id=session.pk,
        decision_id=decision.pk,
        dose_mg="10",
        site="left_arm",
        lot_id=station.solution.pk,
        location_id=station.formulary.dosing_room.pk,
    )
    screen(personas, patient)
    today = clinic_today(patient.clinic)
    # The station's patient is enrolled by status alone (no Enrolment row, so no interview
    # schedule): its intake interview is written as record_interview would write it.
    instrument, definition = current_definition(patient.clinic_id)
    Interview.objects.create(
        clinic_id=patient.clinic_id,
        patient=patient,
        time_point="intake",
        target_date=today,
        status=InterviewStatus.COMPLETED,
        instrument=instrument,
        on_date=today,
        answers=definition.check_answers(answers()),
        recorded_by=personas["counsellor"],
        recorded_at=timezone.now(),
    )
    record_consent(actor=personas["nurse"], patient=patient, kind="treatment", given_on=today)
    plan = start_care_plan(actor=personas["counsellor"], patient=patient)
    add_goal(
        actor=personas["counsellor"],
        plan=plan,
        goal=GoalInput("housing", "A room of my own", "shared", today + timedelta(days=60)),
    )
    consent = record_consent(
        actor=personas["physician"],
        patient=patient,
        kind="release_of_information",
        given_on=today,
        expires_on=today + timedelta(days=90),
        recipient=RECIPIENT,
        purpose=PURPOSE,
        covers=covers or ("dosing_records", "prescriptions"),
    )
    return Record(patient, dose, consent)
