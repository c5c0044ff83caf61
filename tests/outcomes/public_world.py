"""A small clinic history in the month before this one, for the public report's tests: patients
of clinic ZRH dosed with DAM through the station's services (backdated), screens, a community log
entry. The month ended before today, whatever day the tests run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from openhat.community.services import record_entry
from openhat.core.clock import clinic_today
from openhat.outcomes import public_services
from openhat.outcomes.public_counts import Month
from openhat.patients.models import Patient, PatientIdentity
from openhat.patients.services import register_patient
from openhat.patients.validation import IdentityInput
from openhat.pharmacy.formulary import set_up_formulary
from openhat.pharmacy.services import reconstitute, transfer_stock
from openhat.prescribing.services import sign_order
from openhat.screens.services import record_screen
from tests.dosing.board_history import dosed
from tests.dosing.conftest import Station
from tests.pharmacy.conftest import receive
from tests.prescribing.conftest import dam, enrol, totp_code


def last_month(clinic: Any) -> Month:
    today = clinic_today(clinic)
    return Month.of(today.year, today.month).shifted(-1)


def at(clinic: Any, day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour, 0), clinic.zone)


@dataclass(frozen=True)
class History:
    month: Month
    patients: list[Patient]
    station: Any = None  # the dosing room's solution and places, to dose more patients

    def identifiers(self) -> list[str]:
        """Everything that identifies a patient of the clinic (the leak scan's list)."""
        found: list[str] = []
        for identity in PatientIdentity.objects.filter(patient__clinic__code="ZRH"):
            found += [identity.legal_name, identity.patient.client_code]
            found += [
                identity.date_of_birth.isoformat(),
                identity.date_of_birth.strftime("%d.%m.%Y"),
            ]
            if identity.health_number:
                found.append(identity.health_number)
        return found


def patient_on_dam(personas: Any, serial: int, since: datetime) -> Patient:
    physician = personas["physician"]
    patient = enrol(
        register_patient(
            actor=personas["nurse"],
            clinic=personas.clinic,
            identity=IdentityInput(
                f"Publica Person{serial}",
                date(1971, 3, serial),
                "female",
                f"756.0000.0000.{serial:02d}",
            ),
        )
    )
    sign_order(
        actor=physician, patient=patient, order=dam(starts_at=since), totp_code=totp_code(physician)
    )
    return patient


def build_station(personas: Any) -> Station:
    """DAM solution in the dosing room (as tests/dosing/conftest.py's `station`, without its
    patient), for a history built once per module."""
    pharmacist = personas["pharmacist"]
    formulary = set_up_formulary(actor=pharmacist, clinic=personas.clinic, solution_in_use_hours=48)
    vials = receive(personas, formulary.dam_vial, formulary.safe, 2, "vial", lot_number="V-p")
    made = reconstitute(
        actor=pharmacist,
        clinic=personas.clinic,
        vial_lot_id=vials.pk,
        location_id=formulary.safe.pk,
        vials=1,
    )
    solution = made.entries[1].lot
    transfer_stock(
        actor=pharmacist,
        clinic=personas.clinic,
        lot_id=solution.pk,
        from_location_id=formulary.safe.pk,
        to_location_id=formulary.dosing_room.pk,
        amount=10000,
        unit="mg",
    )
    return Station(None, formulary, solution)


def build_history(personas: Any, station: Any, count: int = 6) -> History:
    clinic = personas.clinic
    month = last_month(clinic)
    since = at(clinic, month.first, 1)
    patients = [patient_on_dam(personas, i + 1, since) for i in range(count)]
    for i, patient in enumerate(patients):
        dosed(personas, station, patient, at(clinic, month.first + timedelta(days=9), 9 + i))
    # Two screens with street heroin (fewer than the threshold, 5) and six without: the 2 must
    # be hidden, and so must the 6, or the total of 8 would give the 2 away.
    for patient in patients[:2]:
        record_screen(
            actor=personas["nurse"],
            patient=patient,
            sampled_at=at(clinic, month.first + timedelta(days=12)),
            supervised=True,
            setting="laboratory",
            results={"monoacetylmorphine": "positive", "acetylcodeine": "positive"},
        )
    for patient in patients:
        record_screen(
            actor=personas["nurse"],
            patient=patient,
            sampled_at=at(clinic, month.first + timedelta(days=20)),
            supervised=True,
            setting="laboratory",
            results={"monoacetylmorphine": "negative", "acetylcodeine": "negative"},
        )
    record_entry(
        actor=personas["manager"],
        clinic=clinic,
        occurred_on=month.first + timedelta(days=3),
        category="complaint",
        description="A neighbour said people wait on the pavement before opening.",
        action_taken="Opened the waiting room ten minutes earlier.",
    )
    return History(month, patients, station)


def public_rows(personas: Any) -> None:
    """A community log entry and a frozen public report of ZRH (for the append-only tests)."""
    manager = personas["manager"]
    month = last_month(personas.clinic)
    record_entry(
        actor=manager,
        clinic=personas.clinic,
        occurred_on=month.first,
        category="meeting",
        description="Met the neighbours.",
        action_taken="Listened.",
    )
    shown = public_services.preview(actor=manager, clinic=personas.clinic, period=month.key)
    public_services.freeze(
        actor=manager, clinic=personas.clinic, period=month.key, expected_sha256=shown.sha256
    )
