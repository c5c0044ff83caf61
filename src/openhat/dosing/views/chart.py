"""The dosing part of the patient's chart (VIEW_DOSING): the last 14 days by window, with missed
sessions and days and the adverse events of each day, and the patient's adverse events. Read
only; the chart view includes it for the roles that may see dosing."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from openhat.clinics.roles import Capability, role_can
from openhat.core import clock
from openhat.dosing.models import AdverseEvent
from openhat.dosing.services.missed import LOOK_BACK_DAYS, attendance_by_patient
from openhat.dosing.windows import ORDER, window_label
from openhat.patients.models import Patient
from openhat.patients.records import person_record_ids
from openhat.rules.day import dosing_day

# The chart lists the newest adverse events; the clinic's list holds the ones to sign off.
CHART_EVENTS = 20


def chart_sections(patient: Patient, role: str) -> dict[str, Any]:
    if not role_can(role, Capability.VIEW_DOSING):
        return {"dosing_section": False}
    # A survivor's chart counts the records merged into it (in this clinic) as the same patient.
    records = person_record_ids(patient, clinic_id=patient.clinic_id)
    same_person = {pk: patient.pk for pk in records if pk != patient.pk}
    if patient.merged_into_id is not None:
        records, same_person = [patient.pk], {}
    found = attendance_by_patient(
        patient.clinic, now=clock.now(), patient_ids=records, same_person=same_person
    )
    events = list(
        AdverseEvent.objects.filter(patient_id__in=records)
        .select_related("recorded_by", "sign_off__physician")
        .order_by("-onset_at", "-pk")[:CHART_EVENTS]
    )
    by_day: dict[date, list[AdverseEvent]] = defaultdict(list)
    for event in events:
        by_day[dosing_day(event.onset_at, patient.clinic.zone)].append(event)
    attendance = found.get(patient.pk)
    return {
        "dosing_section": True,
        "dosing_attendance": attendance,
        "dosing_days": [(day, by_day.get(day.day, [])) for day in attendance.days]
        if attendance
        else [],
        "dosing_events": events,
        "dosing_look_back": LOOK_BACK_DAYS,
        "dosing_windows": [window_label(patient.clinic, window) for window in ORDER],
    }
