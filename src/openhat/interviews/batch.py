"""Every patient's interview schedule in a clinic at once, in a fixed number of queries: for the
counsellor's worklist and the dosing board's "interview due" marks, which ask about everyone."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Min

from openhat.clinics.models import Clinic
from openhat.enrolment.checks import consent_holds
from openhat.enrolment.models import Consent, ConsentKind, Enrolment
from openhat.interviews.models import Interview, InterviewStatus, MissedReason
from openhat.interviews.reading import windows_of
from openhat.interviews.schedule import DONE, RECORDED_MISSED, Course, Point, schedule
from openhat.patients.lifecycle import ExitReason, PatientStatus
from openhat.patients.models import Patient

# Whose interviews are followed: anyone who started treatment (a referral or an assessment has
# no schedule yet); merged duplicates are followed on the surviving record.
_FOLLOWED = (PatientStatus.ENROLLED, PatientStatus.SUSPENDED, PatientStatus.EXITED)


@dataclass(frozen=True)
class PatientSchedule:
    patient_id: int
    client_code: str
    points: list[Point]


def clinic_schedules(
    clinic: Clinic, today: date, patient_ids: Iterable[int] | None = None
) -> list[PatientSchedule]:
    patients = Patient.objects.filter(
        clinic=clinic, status__in=_FOLLOWED, merged_into__isnull=True
    ).order_by("number")
    if patient_ids is not None:
        patients = patients.filter(pk__in=list(patient_ids))
    rows = list(patients.values_list("pk", "client_code", "status", "exit_date", "exit_reason"))
    ids = [row[0] for row in rows]
    starts = dict(
        Enrolment.objects.filter(patient_id__in=ids)
        .values("patient_id")
        .annotate(first=Min("start_date"))
        .values_list("patient_id", "first")
    )
    recorded: dict[int, dict[str, str]] = defaultdict(dict)
    deceased: dict[int, date] = {}
    for patient_id, point, status, reason, on_date in Interview.objects.filter(
        patient_id__in=ids
    ).values_list("patient_id", "time_point", "status", "missed_reason", "on_date"):
        recorded[patient_id][point] = (
            DONE if status == InterviewStatus.COMPLETED else RECORDED_MISSED
        )
        if reason == MissedReason.DECEASED:
            deceased[patient_id] = on_date
    exited = [row[0] for row in rows if row[2] == PatientStatus.EXITED]
    research: set[int] = {
        consent.patient_id
        for consent in Consent.objects.filter(
            patient_id__in=exited, kind=ConsentKind.RESEARCH
        ).select_related("revocation")
        if consent_holds(consent, today)
    }
    windows = windows_of(clinic)
    found: list[PatientSchedule] = []
    for patient_id, code, status, exit_date, exit_reason in rows:
        start = starts.get(patient_id)
        if start is None:
            continue
        deceased_on = deceased.get(patient_id)
        if status == PatientStatus.EXITED and exit_reason == ExitReason.DEATH:
            deceased_on = min(filter(None, [deceased_on, exit_date]))
        course = Course(
            start=start,
            exit_on=exit_date if status == PatientStatus.EXITED else None,
            research_consent=patient_id in research,
            deceased_on=deceased_on,
        )
        found.append(
            PatientSchedule(
                patient_id, code, schedule(course, windows, today, recorded[patient_id])
            )
        )
    return found
