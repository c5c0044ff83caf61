"""One person's records: a patient's own record and any duplicate merged into it.

A merge (patients.merging) never moves or deletes rows: the duplicate keeps its sessions, doses
and events, and points at the survivor. Whatever counts per person (the day's doses against the
daily maximum, the sessions of a day, the last dose, adverse events, the chart, FHIR) reads the
records of the whole set through this module. Merges are kept one level deep: a record merged
into a survivor that is itself merged later is re-pointed at the new survivor.
"""

from __future__ import annotations

from django.db.models import Q

from openhat.core.errors import Conflict
from openhat.patients.models import Patient


def survivor_id(patient: Patient) -> int:
    return patient.merged_into_id or patient.pk


def person_record_ids(patient: Patient, *, clinic_id: int | None = None) -> list[int]:
    """The ids of every record of this patient's person, the survivor first (one query).

    With `clinic_id`, only that clinic's records: what a clinic's pages and FHIR show. The rules
    engine reads every clinic's, since the daily maximum is the person's.
    """
    root = survivor_id(patient)
    records = Patient.objects.filter(Q(pk=root) | Q(merged_into_id=root))
    if clinic_id is not None:
        records = records.filter(clinic_id=clinic_id)
    ids = list(records.order_by("pk").values_list("pk", flat=True))
    return sorted(ids, key=lambda pk: pk != root)


def refuse_merged(patient: Patient) -> None:
    """Refuse dosing a record merged into another (read now, under the caller's lock)."""
    merged_into = (
        Patient.objects.filter(pk=patient.pk, merged_into__isnull=False)
        .values_list("merged_into__client_code", flat=True)
        .first()
    )
    if merged_into is not None:
        raise Conflict(
            "patient_merged",
            f"{patient.client_code} was merged into {merged_into}; use that record.",
            "patient",
        )
