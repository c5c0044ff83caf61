"""The dosing part of the patient's chart (VIEW_DOSING): the last 14 days by window, with missed
sessions and days. Read only; the chart view includes it for the roles that may see dosing."""

from __future__ import annotations

from typing import Any

from openhat.clinics.roles import Capability, role_can
from openhat.core import clock
from openhat.dosing.services.missed import LOOK_BACK_DAYS, attendance_by_patient
from openhat.dosing.windows import ORDER, window_label
from openhat.patients.models import Patient


def chart_sections(patient: Patient, role: str) -> dict[str, Any]:
    if not role_can(role, Capability.VIEW_DOSING):
        return {"dosing_section": False}
    found = attendance_by_patient(patient.clinic, now=clock.now(), patient_ids=[patient.pk])
    return {
        "dosing_section": True,
        "dosing_attendance": found.get(patient.pk),
        "dosing_look_back": LOOK_BACK_DAYS,
        "dosing_windows": [window_label(window) for window in ORDER],
    }
