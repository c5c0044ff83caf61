"""What the pages, the API, the worklist and the board read: a patient's course, schedule and
interviews, and the clinic's instrument and windows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import User
from django.db.models import Min

from openhat.audit.models import AccessedRecord
from openhat.audit.services import record_access
from openhat.clinics.models import Clinic
from openhat.core.errors import DomainError
from openhat.enrolment.checks import consent_holds
from openhat.enrolment.models import Consent, ConsentKind, Enrolment
from openhat.interviews.definition import Definition
from openhat.interviews.loader import definition_of
from openhat.interviews.models import (
    Instrument,
    Interview,
    InterviewSettings,
    InterviewStatus,
    MissedReason,
)
from openhat.interviews.schedule import DONE, RECORDED_MISSED, Course, Point, Windows, schedule
from openhat.patients.lifecycle import ExitReason, PatientStatus
from openhat.patients.models import Patient

DEFAULT_INSTRUMENT_KEY = "openhat-core"


def settings_of(clinic: Clinic | int) -> InterviewSettings | None:
    clinic_id = clinic if isinstance(clinic, int) else clinic.pk
    return InterviewSettings.objects.filter(clinic_id=clinic_id).first()


def windows_of(clinic: Clinic | int) -> Windows:
    found = settings_of(clinic)
    return found.windows() if found is not None else Windows()


def current_instrument(clinic: Clinic | int) -> Instrument:
    """The newest version of the clinic's instrument."""
    found = settings_of(clinic)
    key = found.instrument_key if found is not None else DEFAULT_INSTRUMENT_KEY
    instrument = Instrument.objects.filter(key=key).order_by("-version").first()
    if instrument is None:
        raise DomainError(
            "instrument_not_loaded",
            f"The interview instrument {key!r} is not loaded; run the migrations.",
            "instrument",
        )
    return instrument


def current_definition(clinic: Clinic | int) -> tuple[Instrument, Definition]:
    instrument = current_instrument(clinic)
    return instrument, definition_of(instrument)


def research_consent_holds(patient: Patient, on: date) -> bool:
    consents = Consent.objects.filter(patient=patient, kind=ConsentKind.RESEARCH).select_related(
        "revocation"
    )
    return any(consent_holds(consent, on) for consent in consents)


def course_of(patient: Patient, today: date) -> Course | None:
    """The patient's course for the schedule, or None before any enrolment."""
    start = Enrolment.objects.filter(patient=patient).aggregate(first=Min("start_date"))["first"]
    if start is None:
        return None
    exited = patient.status == PatientStatus.EXITED
    deceased_on = (
        Interview.objects.filter(patient=patient, missed_reason=MissedReason.DECEASED)
        .values_list("on_date", flat=True)
        .first()
    )
    if exited and patient.exit_reason == ExitReason.DEATH:
        deceased_on = min(filter(None, [deceased_on, patient.exit_date]))
    return Course(
        start=start,
        exit_on=patient.exit_date if exited else None,
        research_consent=exited and research_consent_holds(patient, today),
        deceased_on=deceased_on,
    )


def recorded_points(patient: Patient) -> dict[str, str]:
    return {
        point: DONE if status == InterviewStatus.COMPLETED else RECORDED_MISSED
        for point, status in Interview.objects.filter(patient=patient).values_list(
            "time_point", "status"
        )
    }


def schedule_of(patient: Patient, today: date) -> list[Point]:
    course = course_of(patient, today)
    if course is None:
        return []
    return schedule(course, windows_of(patient.clinic_id), today, recorded_points(patient))


@dataclass(frozen=True)
class InterviewView:
    interview: Interview
    definition: Definition | None


def interviews_of(actor: User, patient: Patient) -> list[InterviewView]:
    """The patient's recorded interviews, oldest first; the read is written to the access log."""
    interviews = list(
        Interview.objects.filter(patient=patient)
        .select_related("instrument")
        .order_by("target_date", "id")
    )
    record_access(actor=actor, patient=patient, record=AccessedRecord.INTERVIEW)
    return [
        InterviewView(
            interview,
            definition_of(interview.instrument) if interview.instrument is not None else None,
        )
        for interview in interviews
    ]
