"""The interviews' rows of the counsellor's worklist (core.worklist.SECTIONS names items_due)."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from openhat.clinics.models import Clinic
from openhat.core.worklist import WorklistItem
from openhat.interviews.batch import clinic_schedules
from openhat.interviews.schedule import DUE, MISSED, OPEN_STATUSES, OVERDUE

KIND_BY_STATUS = {DUE: "interview_due", OVERDUE: "interview_overdue", MISSED: "interview_missed"}


def items_due(clinic: Clinic, today: date) -> list[WorklistItem]:
    """Each interview that is due, overdue, or missed without a reason recorded, oldest first."""
    items: list[WorklistItem] = []
    for found in clinic_schedules(clinic, today):
        for point in found.points:
            if point.status not in OPEN_STATUSES:
                continue
            if point.status == MISSED:
                label = f"{point.label} interview missed: record why"
                url = reverse("interviews:missed", args=[found.client_code, point.code])
            else:
                label = f"{point.label} interview {'due' if point.status == DUE else 'overdue'}"
                url = reverse("interviews:record", args=[found.client_code, point.code])
            items.append(
                WorklistItem(
                    patient_id=found.patient_id,
                    kind=KIND_BY_STATUS[point.status],
                    label=label,
                    due_on=point.target,
                    overdue=point.status != DUE,
                    url=url,
                )
            )
    return sorted(items, key=lambda item: (item.due_on, item.patient_id))


def due_now(clinic: Clinic, today: date, patient_ids: list[int]) -> dict[int, str]:
    """Patients (of `patient_ids`) whose interview can be done today: {patient id: point code}.

    The dosing board's mark: due or overdue, not missed (its window has closed)."""
    marks: dict[int, str] = {}
    for found in clinic_schedules(clinic, today, patient_ids):
        point = next((p for p in found.points if p.status in (DUE, OVERDUE)), None)
        if point is not None:
            marks[found.patient_id] = point.code
    return marks
