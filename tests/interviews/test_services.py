"""Recording interviews and missed interviews on real PostgreSQL: every refusal writes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, transaction

from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.core.clock import clinic_today
from openhat.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from openhat.enrolment import services as enrolment
from openhat.interviews import services
from openhat.interviews.models import Interview, InterviewStatus
from openhat.interviews.reading import schedule_of
from openhat.interviews.schedule import DONE, DUE, MISSED, RECORDED_MISSED, Windows
from tests.conftest import Personas
from tests.interviews.helpers import answers, enrolled_since, exit_patient

pytestmark = pytest.mark.django_db


def _record(personas: Personas, patient: Any, **kwargs: Any) -> Interview:
    kwargs.setdefault("time_point", "intake")
    kwargs.setdefault("interviewed_on", clinic_today(patient.clinic))
    kwargs.setdefault("answers", answers())
    return services.record_interview(actor=personas["counsellor"], patient=patient, **kwargs)


def test_a_counsellor_records_the_intake_interview(personas: Personas) -> None:
    patient = enrolled_since(personas, 3)
    interview = _record(personas, patient)
    assert interview.status == InterviewStatus.COMPLETED
    assert interview.answers["street_heroin_days"] == 20
    assert interview.instrument is not None and interview.instrument.key == "openhat-core"
    statuses = {p.code: p.status for p in schedule_of(patient, clinic_today(patient.clinic))}
    assert statuses["intake"] == DONE
    event = AuditEvent.objects.get(code=AuditCode.INTERVIEW_RECORDED)
    assert event.data["time_point"] == "intake"


BAD_INPUT = [
    (
        "more days than the recall period",
        {"answers": answers(cannabis_days=31)},
        "days_exceed_recall_period",
    ),
    ("a negative count", {"answers": answers(overdoses=-1)}, "answer_negative"),
    ("an interview in the future", {"interviewed_on": "tomorrow"}, "interviewed_on_in_future"),
    ("a time point not scheduled", {"time_point": "month_9"}, "time_point_not_scheduled"),
    ("a time point far ahead", {"time_point": "month_6"}, "interview_outside_window"),
    (
        "a reason too long",
        {"time_point": "month_6", "outside_window_reason": "x" * 2001},
        "outside_window_reason_too_long",
    ),
]


@pytest.mark.parametrize(("case", "change", "code"), BAD_INPUT, ids=[row[0] for row in BAD_INPUT])
def test_bad_input_is_refused_and_nothing_is_written(
    personas: Personas, case: str, change: dict[str, Any], code: str
) -> None:
    patient = enrolled_since(personas, 3)
    if change.get("interviewed_on") == "tomorrow":
        change["interviewed_on"] = clinic_today(patient.clinic) + timedelta(days=1)
    events = AuditEvent.objects.count()
    with pytest.raises(DomainError) as refused:
        _record(personas, patient, **change)
    assert refused.value.code == code
    assert not Interview.objects.exists()
    assert AuditEvent.objects.count() == events


def test_an_interview_outside_its_window_needs_a_reason(personas: Personas) -> None:
    patient = enrolled_since(personas, 40)  # intake window closed 26 days ago
    today = clinic_today(patient.clinic)
    with pytest.raises(DomainError) as refused:
        _record(personas, patient, interviewed_on=today)
    assert refused.value.code == "interview_outside_window"
    assert refused.value.field == "outside_window_reason"
    assert not Interview.objects.exists()
    late = _record(personas, patient, interviewed_on=today, outside_window_reason="Came back late")
    assert late.outside_window_reason == "Came back late"


def test_a_reason_is_not_stored_for_an_interview_inside_its_window(personas: Personas) -> None:
    patient = enrolled_since(personas, 3)
    interview = _record(personas, patient, outside_window_reason="not needed")
    assert interview.outside_window_reason == ""


def test_the_same_time_point_twice_is_a_conflict(personas: Personas) -> None:
    patient = enrolled_since(personas, 3)
    _record(personas, patient)
    with pytest.raises(Conflict) as refused:
        _record(personas, patient)
    assert refused.value.code == "interview_already_recorded"
    assert Interview.objects.count() == 1


def test_a_retry_with_the_same_key_returns_the_first_interview(personas: Personas) -> None:
    patient = enrolled_since(personas, 3)
    first = _record(personas, patient, idempotency_key="interview-key-1")
    again = _record(personas, patient, idempotency_key="interview-key-1")
    assert again.pk == first.pk
    assert Interview.objects.count() == 1


@pytest.mark.parametrize("role", ["nurse", "physician", "manager", "researcher", "pharmacist"])
def test_only_counsellors_record_interviews(personas: Personas, role: str) -> None:
    patient = enrolled_since(personas, 3)
    with pytest.raises(PermissionDenied):
        services.record_interview(
            actor=personas[role],
            patient=patient,
            time_point="intake",
            interviewed_on=clinic_today(patient.clinic),
            answers=answers(),
        )


def test_another_clinics_patient_is_not_found(personas: Personas, other_patient: Any) -> None:
    with pytest.raises(NotFound):
        _record(personas, other_patient)


def test_a_patient_not_yet_in_treatment_has_no_schedule(personas: Personas, patient: Any) -> None:
    with pytest.raises(DomainError) as refused:
        _record(personas, patient)
    assert refused.value.code == "no_interview_schedule"


# --- missed ---------------------------------------------------------------------------------------


def test_a_missed_interview_needs_a_reason(personas: Personas) -> None:
    patient = enrolled_since(personas, 40)
    for reason, code in (("", "missed_reason_required"), ("forgot", "missed_reason_unknown")):
        with pytest.raises(DomainError) as refused:
            services.record_missed(
                actor=personas["counsellor"], patient=patient, time_point="intake", reason=reason
            )
        assert refused.value.code == code
    assert not Interview.objects.exists()
    missed = services.record_missed(
        actor=personas["counsellor"], patient=patient, time_point="intake", reason="in_custody"
    )
    assert missed.status == InterviewStatus.MISSED
    today = clinic_today(patient.clinic)
    assert {p.code: p.status for p in schedule_of(patient, today)}["intake"] == RECORDED_MISSED


def test_an_interview_cannot_be_missed_before_its_window_opens(personas: Personas) -> None:
    patient = enrolled_since(personas, 3)
    with pytest.raises(DomainError) as refused:
        services.record_missed(
            actor=personas["counsellor"], patient=patient, time_point="month_3", reason="refused"
        )
    assert refused.value.code == "interview_not_yet_due"


def test_after_a_death_no_further_interview_is_scheduled(personas: Personas) -> None:
    patient = enrolled_since(personas, 100)  # the 3-month point is due now
    services.record_missed(
        actor=personas["counsellor"], patient=patient, time_point="month_3", reason="deceased"
    )
    codes = [p.code for p in schedule_of(patient, clinic_today(patient.clinic))]
    assert codes == ["intake", "month_3"]


# --- research consent after exit ------------------------------------------------------------------


def _exited_at_six_months(personas: Personas) -> Any:
    patient = enrolled_since(personas, 360)  # the 12-month point is due in about 5 days
    today = clinic_today(patient.clinic)
    return exit_patient(personas, patient, today - timedelta(days=170))


def test_without_a_research_consent_no_follow_up_after_exit(personas: Personas) -> None:
    patient = _exited_at_six_months(personas)
    today = clinic_today(patient.clinic)
    assert "month_12" not in {p.code for p in schedule_of(patient, today)}
    with pytest.raises(DomainError) as refused:
        _record(personas, patient, time_point="month_12")
    assert refused.value.code == "time_point_not_scheduled"


def test_with_a_research_consent_the_12_month_interview_follows_the_exit(
    personas: Personas,
) -> None:
    patient = _exited_at_six_months(personas)
    today = clinic_today(patient.clinic)
    enrolment.record_consent(
        actor=personas["counsellor"],
        patient=patient,
        kind="research",
        given_on=today - timedelta(days=300),
    )
    statuses = {p.code: p.status for p in schedule_of(patient, today)}
    assert statuses["month_12"] == DUE
    assert statuses["exit"] == MISSED
    interview = _record(personas, patient, time_point="month_12")
    assert interview.time_point == "month_12"


def test_a_revoked_research_consent_ends_the_follow_up(personas: Personas) -> None:
    patient = _exited_at_six_months(personas)
    today = clinic_today(patient.clinic)
    consent = enrolment.record_consent(
        actor=personas["counsellor"],
        patient=patient,
        kind="research",
        given_on=today - timedelta(days=300),
    )
    enrolment.revoke_consent(
        actor=personas["counsellor"], consent=consent, reason="Withdrew from the study"
    )
    assert "month_12" not in {p.code for p in schedule_of(patient, today)}


# --- settings -------------------------------------------------------------------------------------


def test_a_manager_sets_the_windows_and_the_schedule_follows(personas: Personas) -> None:
    patient = enrolled_since(personas, 20)  # intake closed 6 days ago with the default 14
    today = clinic_today(patient.clinic)
    assert {p.code: p.status for p in schedule_of(patient, today)}["intake"] == MISSED
    services.update_settings(
        actor=personas["manager"],
        clinic=personas.clinic,
        instrument_key="openhat-core",
        windows=Windows(intake_closes_after=30),
    )
    assert {p.code: p.status for p in schedule_of(patient, today)}["intake"] != MISSED


@pytest.mark.parametrize(
    ("windows", "key", "code"),
    [
        (Windows(follow_up_closes_after=46), "openhat-core", "window_out_of_range"),
        (Windows(intake_opens_before=-1), "openhat-core", "window_out_of_range"),
        (Windows(), "no-such-instrument", "instrument_unknown"),
    ],
)
def test_bad_settings_are_refused(
    personas: Personas, windows: Windows, key: str, code: str
) -> None:
    with pytest.raises(DomainError) as refused:
        services.update_settings(
            actor=personas["manager"], clinic=personas.clinic, instrument_key=key, windows=windows
        )
    assert refused.value.code == code


# --- database invariants, bypassing the services --------------------------------------------------


def test_the_database_refuses_a_missed_interview_without_a_reason(personas: Personas) -> None:
    patient = enrolled_since(personas, 3)
    with pytest.raises(IntegrityError), transaction.atomic():
        Interview.objects.create(
            clinic=patient.clinic,
            patient=patient,
            time_point="intake",
            target_date=clinic_today(patient.clinic),
            status=InterviewStatus.MISSED,
            on_date=clinic_today(patient.clinic),
            recorded_by=personas["counsellor"],
            recorded_at=patient.created_at,
        )


def test_the_database_refuses_an_unknown_time_point(personas: Personas) -> None:
    patient = enrolled_since(personas, 3)
    with pytest.raises(IntegrityError), transaction.atomic():
        Interview.objects.create(
            clinic=patient.clinic,
            patient=patient,
            time_point="week_2",
            target_date=clinic_today(patient.clinic),
            status=InterviewStatus.MISSED,
            missed_reason="refused",
            on_date=clinic_today(patient.clinic),
            recorded_by=personas["counsellor"],
            recorded_at=patient.created_at,
        )


def test_an_interview_is_never_edited(personas: Personas) -> None:
    patient = enrolled_since(personas, 3)
    interview = _record(personas, patient)
    with pytest.raises(DatabaseError), transaction.atomic():
        Interview.objects.filter(pk=interview.pk).update(note="changed")
