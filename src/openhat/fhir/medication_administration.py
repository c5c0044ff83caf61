"""Doses given at the dosing station as FHIR R4 MedicationAdministration resources
(fhir.resources.R4B, validated).

One resource per Administration: status completed, the drug by its ATC code and the route by its
SNOMED CT code (the tables MedicationRequest uses), the patient by the pseudonymous client code,
the nurse as performer, the order version in force as `request`, and the dose in mg (UCUM). The
body site is text only: no injection-site code list has been checked against its source here. A
partial dose, a physician's override and vomiting of an oral dose are said in notes; no
reasonReference is sent (the decision's findings stay in the clinic's own record).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet
from fhir.resources.R4B.medicationadministration import MedicationAdministration

from openhat.clinics.models import Clinic
from openhat.core import bounds
from openhat.core.clock import clinic_today
from openhat.core.errors import DomainError, NotFound
from openhat.dosing.models import Administration, ExceptionKind
from openhat.dosing.sites import site_label
from openhat.fhir.common import ATC, SNOMED, mg, patient_reference
from openhat.fhir.medication_request import MEDICATIONS, ROUTES, resource_id
from openhat.patients.models import Patient
from openhat.patients.records import person_record_ids
from openhat.pharmacy.models import EntryKind
from openhat.prescribing.models import OrderVersion
from openhat.rules.day import day_bounds

ADMINISTRATION_SYSTEM = "urn:openhat:administration"
# The longest period one request returns (a year of two or three doses a day).
MAX_PERIOD_DAYS = 366
DEFAULT_PERIOD_DAYS = 30


def _number(amount: Any) -> str:
    return f"{amount.normalize():f}"


def _notes(row: Administration) -> list[dict[str, str]]:
    notes = []
    if row.remainder_mg > 0:
        drawn = row.dose_mg + row.remainder_mg
        entry = row.remainder_entry
        booked = (
            "wasted" if entry is not None and entry.kind == EntryKind.WASTE else "returned to stock"
        )
        witness = row.remainder_witness.get_username() if row.remainder_witness else "a witness"
        notes.append(
            f"Partial dose: {_number(row.dose_mg)} mg of {_number(drawn)} mg drawn was given; "
            f"the remaining {_number(row.remainder_mg)} mg was {booked}, witnessed by {witness}."
        )
    override = row.override
    if override is not None:
        notes.append(
            f"Given under a physician's override of {', '.join(override.rule_ids)} by "
            f"{override.physician.get_username()}: {override.reason}"
        )
    for exception in row.session.exceptions.all():
        if exception.kind == ExceptionKind.VOMITED:
            notes.append(
                f"Vomited after the dose (recorded {exception.at.isoformat()})"
                + (f": {exception.notes}" if exception.notes else ".")
            )
    return [{"text": text} for text in notes]


def medication_administration(
    row: Administration, *, client_code: str, request: OrderVersion | None
) -> MedicationAdministration:
    """The administration as a validated MedicationAdministration."""
    code, atc_name, name = MEDICATIONS[row.drug]
    route_code, route_display, route_text = ROUTES[row.route]
    dosage: dict[str, Any] = {
        "text": f"{_number(row.dose_mg)} mg {route_text.lower()}"
        + (f", {site_label(row.site)}" if row.site else ""),
        "route": {
            "coding": [{"system": SNOMED, "code": route_code, "display": route_display}],
            "text": route_text,
        },
        "dose": mg(row.dose_mg),
    }
    if row.site:
        dosage["site"] = {"text": site_label(row.site)}
    data: dict[str, Any] = {
        "resourceType": "MedicationAdministration",
        "id": str(row.pk),
        "identifier": [{"system": ADMINISTRATION_SYSTEM, "value": str(row.pk)}],
        "status": "completed",
        "medicationCodeableConcept": {
            "coding": [{"system": ATC, "code": code, "display": atc_name}],
            "text": name,
        },
        "subject": patient_reference(client_code),
        "effectiveDateTime": row.administered_at.isoformat(),
        "performer": [{"actor": {"display": row.nurse.get_username()}}],
        "dosage": dosage,
    }
    if request is not None:
        data["request"] = {"reference": f"MedicationRequest/{resource_id(request)}"}
    notes = _notes(row)
    if notes:
        data["note"] = notes
    return MedicationAdministration.model_validate(data)


def _rows() -> QuerySet[Administration]:
    return Administration.objects.select_related(
        "patient", "nurse", "override__physician", "remainder_entry", "remainder_witness", "session"
    ).prefetch_related("session__exceptions")


def _version_at(versions: list[OrderVersion], row: Administration) -> OrderVersion | None:
    """The version of the dose's order line in force when it was given."""
    in_force = [
        version
        for version in versions
        if version.line_id == row.order_line_id and version.starts_at <= row.administered_at
    ]
    return max(in_force, key=lambda version: version.number, default=None)


def _resources(rows: list[Administration]) -> list[MedicationAdministration]:
    versions = list(OrderVersion.objects.filter(line_id__in={row.order_line_id for row in rows}))
    return [
        medication_administration(
            row, client_code=row.patient.client_code, request=_version_at(versions, row)
        )
        for row in rows
    ]


def administration_in_clinic(clinic_id: int, pk: int) -> Administration | None:
    return _rows().filter(clinic_id=clinic_id, pk=pk).first()


def administration_resource(row: Administration) -> MedicationAdministration:
    return _resources([row])[0]


def medication_administrations(
    patient: Patient, first_day: date, last_day: date
) -> list[MedicationAdministration]:
    """The patient's doses given on the clinic's dosing days first_day..last_day, oldest first.

    For the clinic's own staff; an export to anyone else is a release of information (see
    openhat.fhir.api).
    """
    zone = patient.clinic.zone
    start, _ = day_bounds(first_day, zone)
    _, end = day_bounds(last_day, zone)
    return _resources(
        list(
            _rows()
            .filter(
                # A survivor's doses include those of records merged into it, in this clinic.
                patient_id__in=person_record_ids(patient, clinic_id=patient.clinic_id),
                administered_at__gte=start,
                administered_at__lt=end,
            )
            .order_by("administered_at", "pk")
        )
    )


def _day(value: str | None, field: str) -> date | None:
    try:
        return bounds.parse_date(value, field)
    except bounds.OutOfBounds as refused:
        if refused.code == "invalid_date":  # this API's code for a date it cannot read
            raise DomainError(
                "date_invalid", f"{field!r} is a date written YYYY-MM-DD.", field
            ) from None
        raise


def period(clinic: Clinic, first: str | None, last: str | None) -> tuple[date, date]:
    """The dosing days asked for (inclusive): by default the last 30 days up to today."""
    last_day = _day(last, "to") or today_at(clinic)
    first_day = _day(first, "from") or last_day - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    if first_day > last_day:
        raise DomainError("period_invalid", "'from' is after 'to'.", "from")
    if (last_day - first_day).days + 1 > MAX_PERIOD_DAYS:
        raise DomainError(
            "period_too_long", f"Ask for at most {MAX_PERIOD_DAYS} days at a time.", "from"
        )
    return first_day, last_day


def today_at(clinic: Clinic) -> date:
    return clinic_today(clinic)


def _record_number(text: str) -> bool:
    return text.isdigit() and len(text) <= 18  # a bigint; longer is no record of ours


def patient_in_clinic(clinic: Clinic, patient_id: str) -> Patient:
    """The clinic's patient by client code (ZRH-0042) or record number; else not found."""
    text = (patient_id or "").strip().upper()
    patients = Patient.objects.select_related("clinic").filter(clinic=clinic)
    found = (
        patients.filter(pk=int(text)).first()
        if _record_number(text)
        else patients.filter(client_code=text).first()
    )
    if found is None:
        raise NotFound("patient_not_found", "No such patient in your clinics.", "patient_id")
    return found


def administration_for(clinic: Clinic, administration_id: str) -> Administration:
    text = (administration_id or "").strip()
    found = administration_in_clinic(clinic.pk, int(text)) if _record_number(text) else None
    if found is None:
        raise NotFound("administration_not_found", "No such administration in your clinics.", "id")
    return found


def all_medication_administrations(patient: Patient) -> list[MedicationAdministration]:
    """Every dose the patient was given (and those of records merged into it), oldest first."""
    return _resources(
        list(
            _rows()
            .filter(patient_id__in=person_record_ids(patient, clinic_id=patient.clinic_id))
            .order_by("administered_at", "pk")
        )
    )
