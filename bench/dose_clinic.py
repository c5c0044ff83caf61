"""The benchmark's synthetic clinic, made through the services as a clinic would make it.

A Canadian clinic (CRISM eligibility, ca-ioat dosing: DAM or HDM, at most three sessions a day,
at least three hours apart, 20 minutes' observation). Each patient is registered, assessed
eligible, consents, is enrolled and gets a signed maintenance order (most DAM, some HDM) from
the bench physician, who signs with the demo loader's authenticator (a fresh TOTP code for each
signature, through the production check). The pharmacist receives DAM vials, reconstitutes them
and moves the solution and HDM into the dosing room. Each client station has its own nurse with
an API token.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import connection

from openhat.clinics.models import Clinic
from openhat.clinics.roles import Role
from openhat.clinics.services import add_membership, create_api_token, create_clinic
from openhat.enrolment import services as enrolment
from openhat.enrolment.facts import FactsInput
from openhat.enrolment.models import ConsentKind, PhysicianDecision
from openhat.patients.lifecycle import PatientStatus
from openhat.patients.models import Patient, Sex
from openhat.patients.services import change_status, clinic_today, register_patient
from openhat.patients.validation import IdentityInput
from openhat.pharmacy.formulary import Formulary, set_up_formulary
from openhat.pharmacy.services import receive_stock, reconstitute, transfer_stock
from openhat.prescribing.services import OrderInput, sign_order
from openhat.simulate.demo_orders import LoaderAuthenticator
from openhat.simulate.demo_patients import crism_facts

CLINIC_CODE = "BNC"
PASSWORD = "bench-clinic-password-2026"  # noqa: S105 (a throw-away benchmark database)
# Per-session maintenance doses (mg, the middle of the order's range), as in the demo (NAOMI).
DAM_SESSION_MG = (90, 110, 125, 135, 145, 150, 155, 165, 175, 190)
HDM_SESSION_MG = (55, 60, 65, 80, 95)
DAM_DAILY_MAX_MG = 1000
HDM_DAILY_MAX_MG = 500
VIAL_MG = 10_000
# A product figure the clinic enters (not a dosing rule): the virtual clock runs a day in
# seconds, so the bench solution keeps for the service's longest in-use time.
SOLUTION_IN_USE_HOURS = 24 * 28

Progress = Callable[[int], None]


@dataclass(frozen=True)
class BenchPatient:
    id: int
    client_code: str
    drug: str  # dam | hdm
    dose_mg: Decimal  # the middle of the order's range: what the nurse asks the engine for


@dataclass
class BenchClinic:
    code: str
    clinic_id: int
    dosing_room_id: int
    dam_lot_id: int
    hdm_lot_id: int
    patients: list[BenchPatient] = field(default_factory=list)
    nurse_ids: list[int] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)  # one per nurse, same order
    token_ids: list[int] = field(default_factory=list)

    def lot_for(self, drug: str) -> int:
        return self.dam_lot_id if drug == "dam" else self.hdm_lot_id

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["patients"] = [
            [patient.id, patient.client_code, patient.drug, str(patient.dose_mg)]
            for patient in self.patients
        ]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BenchClinic:
        patients = [BenchPatient(int(a), b, c, Decimal(d)) for a, b, c, d in data.pop("patients")]
        return cls(**data, patients=patients)


def spread_sequences(step: int = 10_000_000) -> None:
    """Start every table's ids in its own range (table n at n x step): an id in a captured SQL
    statement is then never mistaken for a dose, a score or another table's id."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1"
        )
        names = [row[0] for row in cursor.fetchall()]
        for position, name in enumerate(names, start=1):
            cursor.execute("SELECT setval(%s, %s, false)", [name, position * step])


def _user(username: str, clinic: Clinic, role: Role) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD)
    add_membership(actor=None, user=user, clinic=clinic, role=role)
    return user


def build_clinic(
    *,
    patients: int,
    nurses: int,
    hdm_share: float,
    doses_needed_mg: Decimal,
    code: str = CLINIC_CODE,
    enrolled_days_ago: tuple[int, int] = (10, 19),
    seed: int = 20261201,
    progress: Progress | None = None,
) -> BenchClinic:
    """The clinic, its staff and stock, then the patients, one after another (two processes
    enrolling at once deadlock in the services: see bench/README.md)."""
    clinic = create_clinic(
        actor=None,
        code=code,
        name=f"Benchmark clinic {code} (synthetic)",
        time_zone="America/Vancouver",
        jurisdiction_preset="ca-crism",
    )
    prefix = f"bench-{code.lower()}"
    pharmacist = _user(f"{prefix}-pharmacist", clinic, Role.PHARMACIST)
    registrar = _user(f"{prefix}-registrar", clinic, Role.NURSE)
    physician = _user(f"{prefix}-physician", clinic, Role.PHYSICIAN)
    formulary = set_up_formulary(
        actor=pharmacist, clinic=clinic, solution_in_use_hours=SOLUTION_IN_USE_HOURS
    )
    dam_lot, hdm_lot = _stock(pharmacist, clinic, formulary, doses_needed_mg)
    result = BenchClinic(code, clinic.pk, formulary.dosing_room.pk, dam_lot, hdm_lot)
    for index in range(nurses):
        nurse = _user(f"{prefix}-nurse-{index:02d}", clinic, Role.NURSE)
        token, secret = create_api_token(actor=nurse, name=f"bench station {index:02d}")
        result.nurse_ids.append(nurse.pk)
        result.tokens.append(secret)
        result.token_ids.append(token.pk)
    today = clinic_today(clinic)
    signer = LoaderAuthenticator(physician)
    try:
        for index in range(patients):
            rng = random.Random(seed * 100_000 + index)
            result.patients.append(
                _enrolled_patient(
                    _Staff(registrar, physician, signer),
                    clinic,
                    index,
                    "hdm" if rng.random() < hdm_share else "dam",
                    today - timedelta(days=rng.randint(*enrolled_days_ago)),
                    rng,
                )
            )
            if progress is not None:
                progress(index + 1)
    finally:
        signer.remove()
    return result


def _stock(
    pharmacist: User, clinic: Clinic, formulary: Formulary, needed_mg: Decimal
) -> tuple[int, int]:
    """DAM vials received, reconstituted and moved to the dosing room; HDM received there."""
    vials = int(needed_mg // VIAL_MG) + 1
    expires = clinic_today(clinic) + timedelta(days=365)
    received = receive_stock(
        actor=pharmacist,
        clinic=clinic,
        product_id=formulary.dam_vial.pk,
        location_id=formulary.safe.pk,
        lot_number="BENCH-V1",
        supplier="Bench supplier",
        expires_on=expires,
        receipt_document="BENCH-DN-1",
        amount=vials,
        unit="vial",
    )
    made = reconstitute(
        actor=pharmacist,
        clinic=clinic,
        vial_lot_id=received.first.lot.pk,
        location_id=formulary.safe.pk,
        vials=vials,
    )
    solution = made.entries[1].lot
    transfer_stock(
        actor=pharmacist,
        clinic=clinic,
        lot_id=solution.pk,
        from_location_id=formulary.safe.pk,
        to_location_id=formulary.dosing_room.pk,
        amount=vials * VIAL_MG,
        unit="mg",
    )
    hdm = receive_stock(
        actor=pharmacist,
        clinic=clinic,
        product_id=formulary.hdm.pk,
        location_id=formulary.dosing_room.pk,
        lot_number="BENCH-H1",
        supplier="Bench supplier",
        expires_on=expires,
        receipt_document="BENCH-DN-2",
        amount=needed_mg,
        unit="mg",
    )
    return solution.pk, hdm.first.lot.pk


def _facts(identity: IdentityInput, assessed_on: date, seed: int) -> FactsInput:
    """The demo's CRISM facts (eligible); a draw whose treatments end after the assessment is
    drawn again."""
    for attempt in range(100):
        facts = crism_facts(identity, assessed_on, seed * 100 + attempt)
        if all(t.ended_on is None or t.ended_on < assessed_on for t in facts.prior_treatments):
            return facts
    raise RuntimeError("no consistent facts drawn")


@dataclass(frozen=True)
class _Staff:
    registrar: User
    physician: User
    signer: LoaderAuthenticator


def _enrolled_patient(
    staff: _Staff, clinic: Clinic, index: int, drug: str, assessed_on: date, rng: random.Random
) -> BenchPatient:
    """Registered, assessed eligible, consenting, enrolled and prescribed, through the services."""
    physician = staff.physician
    identity = IdentityInput(
        legal_name=f"Bench Patient {clinic.code} {index:05d}",
        date_of_birth=date(rng.randint(1960, 2000), rng.randint(1, 12), rng.randint(1, 28)),
        sex=rng.choice([Sex.MALE, Sex.MALE, Sex.FEMALE, Sex.OTHER]),
        health_number=f"BENCH-{clinic.code}-{index:08d}",
    )
    patient = register_patient(
        actor=staff.registrar,
        clinic=clinic,
        identity=identity,
        referred_on=assessed_on - timedelta(days=rng.randint(3, 20)),
    )
    patient = change_status(
        actor=physician,
        patient=patient,
        to_status=PatientStatus.ASSESSING,
        effective_date=assessed_on,
    )
    enrolment.assess_eligibility(
        actor=physician,
        patient=patient,
        facts=_facts(identity, assessed_on, index),
        decision=PhysicianDecision.ELIGIBLE,
        assessed_on=assessed_on,
    )
    enrolment.record_consent(
        actor=staff.registrar, patient=patient, kind=ConsentKind.TREATMENT, given_on=assessed_on
    )
    enrolment.enrol(actor=physician, patient=patient, start_date=assessed_on)
    patient = Patient.objects.get(pk=patient.pk)
    middle = rng.choice(DAM_SESSION_MG if drug == "dam" else HDM_SESSION_MG)
    spread = max(10, round(middle * 0.15 / 5) * 5)
    cap = DAM_DAILY_MAX_MG if drug == "dam" else HDM_DAILY_MAX_MG
    order = OrderInput(
        drug=drug,
        routes=("iv",),
        dose_min=middle - spread,
        dose_max=middle + spread,
        sessions_per_day=3,
        daily_max=min(cap, 3 * (middle + spread)),
        starts_at=datetime.combine(assessed_on, datetime.min.time(), clinic.zone),
        phase="maintenance",
        windows=("morning", "midday", "evening"),
        reason="Maintenance dose after titration (synthetic benchmark order).",
    )
    sign_order(actor=physician, patient=patient, order=order, totp_code=staff.signer.code())
    return BenchPatient(patient.pk, patient.client_code, drug, Decimal(middle))
