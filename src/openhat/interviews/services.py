"""The only writers of outcome interviews, missed interviews, counsellor calls and the clinic's
interview settings.

Each checks the actor's role in the patient's clinic (another clinic's patient is NotFound),
refuses bad input with a stable code before anything is written, and writes its row and its audit
event in one transaction. An answer is checked against the instrument version it answers
(interviews.definition): more days than the recall period, a negative count, a total below its
parts are each refused, naming the item.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.models import User

from openhat.audit.codes import AuditCode
from openhat.audit.services import record_event
from openhat.clinics.access import require
from openhat.clinics.models import Clinic
from openhat.clinics.roles import Capability
from openhat.core import clock, idempotency
from openhat.core.bounds import check_date, check_text
from openhat.core.clock import clinic_today
from openhat.core.errors import Conflict, DomainError
from openhat.interviews.models import (
    CounsellorCall,
    Instrument,
    Interview,
    InterviewSettings,
    InterviewStatus,
    MissedReason,
)
from openhat.interviews.reading import course_of, current_definition, schedule_of, windows_of
from openhat.interviews.schedule import OPEN_STATUSES, Point, Windows, scheduled_point
from openhat.patients.models import Patient

RECORD_OPERATION = "interviews.record"
MISSED_OPERATION = "interviews.missed"
CALL_OPERATION = "interviews.call"
SETTINGS_OPERATION = "interviews.settings"
NOTE_MAX_LENGTH = 2000


def _locked(patient: Patient) -> Patient:
    # Serialises the writers of one patient's interviews: two counsellors saving the same time
    # point at once meet here, and the second is told it is already recorded (not a 500 from the
    # unique constraint).
    return Patient.objects.select_for_update(no_key=True, of=("self",)).get(pk=patient.pk)


def _point(patient: Patient, time_point: str, today: date) -> Point:
    course = course_of(patient, today)
    if course is None:
        raise DomainError(
            "no_interview_schedule",
            "This patient has not started treatment, so no interview is scheduled yet.",
            "time_point",
        )
    point = scheduled_point(course, windows_of(patient.clinic_id), today, time_point)
    if point is None:
        raise DomainError(
            "time_point_not_scheduled",
            f"No {time_point.replace('_', ' ')} interview is scheduled for this patient "
            "(after an exit, follow-ups continue only with a research consent).",
            "time_point",
        )
    return point


def _text(value: str, field: str, *, multi_line: bool = True) -> str:
    text = check_text((value or "").strip(), field, multi_line=multi_line)
    if len(text) > NOTE_MAX_LENGTH:
        raise DomainError(
            f"{field}_too_long", f"At most {NOTE_MAX_LENGTH} characters, please.", field
        )
    return text


def _not_recorded(patient: Patient, point: Point) -> None:
    if Interview.objects.filter(patient=patient, time_point=point.code).exists():
        raise Conflict(
            "interview_already_recorded",
            f"The {point.label.lower()} interview is already recorded.",
            "time_point",
        )


def record_interview(
    *,
    actor: User,
    patient: Patient,
    time_point: str,
    interviewed_on: date,
    answers: dict[str, Any],
    outside_window_reason: str = "",
    note: str = "",
    idempotency_key: str | None = None,
) -> Interview:
    """Record the answers of one time point's interview, in the clinic's current instrument.

    Counsellors (Capability.RECORD_INTERVIEWS). A day outside the point's window needs
    `outside_window_reason`. A repeat with the same `idempotency_key` returns the first record.
    """
    require(actor, patient.clinic_id, Capability.RECORD_INTERVIEWS)
    today = clinic_today(patient.clinic)
    check_date(interviewed_on, "interviewed_on", today)
    if interviewed_on > today:
        raise DomainError(
            "interviewed_on_in_future",
            "The interview's day cannot be in the future.",
            "interviewed_on",
        )
    reason = _text(outside_window_reason, "outside_window_reason")
    note = _text(note, "note")
    instrument, definition = current_definition(patient.clinic_id)
    checked = definition.check_answers(answers if isinstance(answers, dict) else {})

    def work() -> Interview:
        current = _locked(patient)
        point = _point(current, time_point, today)
        inside = point.contains(interviewed_on)
        if not inside and not reason:
            raise DomainError(
                "interview_outside_window",
                f"{interviewed_on:%d %b %Y} is outside the {point.label.lower()} window "
                f"({point.opens:%d %b} to {point.closes:%d %b %Y}): give the reason.",
                "outside_window_reason",
            )
        _not_recorded(current, point)
        interview = Interview.objects.create(
            clinic_id=current.clinic_id,
            patient=current,
            time_point=point.code,
            target_date=point.target,
            status=InterviewStatus.COMPLETED,
            instrument=instrument,
            on_date=interviewed_on,
            answers=checked,
            outside_window_reason="" if inside else reason,
            note=note,
            recorded_by=actor,
            recorded_at=clock.now(),
        )
        record_event(
            AuditCode.INTERVIEW_RECORDED,
            actor=actor,
            clinic=current.clinic,
            target=interview,
            data={
                "client_code": current.client_code,
                "time_point": point.code,
                "instrument": f"{instrument.key} v{instrument.version}",
                "on_date": interviewed_on,
                "outside_window": not inside,
            },
        )
        return interview

    return idempotency.once(actor, idempotency_key, RECORD_OPERATION, Interview, work)


def record_missed(
    *,
    actor: User,
    patient: Patient,
    time_point: str,
    reason: str,
    note: str = "",
    idempotency_key: str | None = None,
) -> Interview:
    """Record that a time point's interview will not happen, and why (MissedReason).

    Allowed once the point's window has opened (a refusal is known before it closes).
    """
    require(actor, patient.clinic_id, Capability.RECORD_INTERVIEWS)
    if not reason:
        raise DomainError(
            "missed_reason_required",
            "Say why the interview was missed: refused, not reachable, in custody or deceased.",
            "reason",
        )
    if reason not in MissedReason.values:
        raise DomainError(
            "missed_reason_unknown",
            f"Choose one of: {', '.join(MissedReason.values)}.",
            "reason",
        )
    note = _text(note, "note")
    today = clinic_today(patient.clinic)

    def work() -> Interview:
        current = _locked(patient)
        point = _point(current, time_point, today)
        if today < point.opens:
            raise DomainError(
                "interview_not_yet_due",
                f"The {point.label.lower()} window opens on {point.opens:%d %b %Y}.",
                "time_point",
            )
        _not_recorded(current, point)
        interview = Interview.objects.create(
            clinic_id=current.clinic_id,
            patient=current,
            time_point=point.code,
            target_date=point.target,
            status=InterviewStatus.MISSED,
            on_date=today,
            missed_reason=reason,
            note=note,
            recorded_by=actor,
            recorded_at=clock.now(),
        )
        record_event(
            AuditCode.INTERVIEW_MISSED,
            actor=actor,
            clinic=current.clinic,
            target=interview,
            data={"client_code": current.client_code, "time_point": point.code, "reason": reason},
        )
        return interview

    return idempotency.once(actor, idempotency_key, MISSED_OPERATION, Interview, work)


def call_counsellor(
    *, actor: User, patient: Patient, idempotency_key: str | None = None
) -> CounsellorCall:
    """A nurse at the dosing board tells the counsellors that this patient, due for an interview,
    is in the building now (Capability.RUN_SESSIONS). Shown on the counsellor's worklist."""
    require(actor, patient.clinic_id, Capability.RUN_SESSIONS)
    today = clinic_today(patient.clinic)
    open_points = [p for p in schedule_of(patient, today) if p.status in OPEN_STATUSES]
    if not open_points:
        raise DomainError("no_interview_due", "This patient has no interview due.", "client_code")

    def work() -> CounsellorCall:
        call = CounsellorCall.objects.create(
            clinic_id=patient.clinic_id,
            patient=patient,
            time_point=open_points[0].code,
            called_by=actor,
            called_at=clock.now(),
        )
        record_event(
            AuditCode.COUNSELLOR_CALLED_FOR_INTERVIEW,
            actor=actor,
            clinic=patient.clinic,
            target=call,
            data={"client_code": patient.client_code, "time_point": call.time_point},
        )
        return call

    return idempotency.once(actor, idempotency_key, CALL_OPERATION, CounsellorCall, work)


WINDOW_FIELDS = tuple(Windows.__dataclass_fields__)
# The largest value of each window field (the model's check constraints hold the same).
WINDOW_LIMITS = {
    "intake_opens_before": 180,
    "intake_closes_after": 30,
    "follow_up_opens_before": 45,
    "follow_up_closes_after": 45,
    "exit_opens_before": 90,
    "exit_closes_after": 90,
}


def update_settings(
    *,
    actor: User,
    clinic: Clinic,
    instrument_key: str,
    windows: Windows,
    idempotency_key: str | None = None,
) -> InterviewSettings:
    """The clinic's instrument and windows (Capability.MANAGE_SETTINGS)."""
    require(actor, clinic, Capability.MANAGE_SETTINGS)
    for name in WINDOW_FIELDS:
        value = getattr(windows, name)
        if not isinstance(value, int) or not 0 <= value <= WINDOW_LIMITS[name]:
            raise DomainError(
                "window_out_of_range",
                f"{name.replace('_', ' ')}: give 0 to {WINDOW_LIMITS[name]} days.",
                name,
            )
    if not Instrument.objects.filter(key=instrument_key).exists():
        raise DomainError(
            "instrument_unknown", f"No instrument {instrument_key!r} is loaded.", "instrument_key"
        )

    def work() -> InterviewSettings:
        found, _ = InterviewSettings.objects.select_for_update().get_or_create(
            clinic=clinic, defaults={"updated_by": actor}
        )
        found.instrument_key = instrument_key
        for name in WINDOW_FIELDS:
            setattr(found, name, getattr(windows, name))
        found.updated_by = actor
        found.save()
        record_event(
            AuditCode.INTERVIEW_SETTINGS_CHANGED,
            actor=actor,
            clinic=clinic,
            target=found,
            data={
                "instrument_key": instrument_key,
                **{n: getattr(windows, n) for n in WINDOW_FIELDS},
            },
        )
        return found

    return idempotency.once(actor, idempotency_key, SETTINGS_OPERATION, InterviewSettings, work)
