"""The demo clinics' synthetic patients, each taken through the services from referral to the
state the plan gives it: ZRH's 30 (Swiss criteria, a licence) and VAN's 8 (CRISM, no licence),
with the physician's signed orders (demo_orders) and a placeholder portrait. demo_clinic calls
them once per clinic.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User

from openhat.clinics.models import Clinic
from openhat.clinics.roles import Role
from openhat.core.clock import clinic_today
from openhat.enrolment import services as enrolment_services
from openhat.enrolment.facts import FactsInput, PriorTreatmentInput
from openhat.enrolment.models import ConsentKind, PhysicianDecision
from openhat.patients.lifecycle import ExitReason, PatientStatus
from openhat.patients.models import Patient, Sex
from openhat.patients.services import change_status, register_patient, upload_photo
from openhat.patients.validation import IdentityInput
from openhat.prescribing.models import OrderLine
from openhat.simulate.demo_orders import (
    DemoPrescriber,
    Plan,
    canada_plan_for_enrolled,
    plan_for_enrolled,
)

DEMO_SEED = 20261122
PATIENT_COUNT = 30

# How many of the 30 demo patients end up in each state.
STATE_PLAN: list[tuple[str, int]] = [
    (PatientStatus.REFERRED, 4),
    (PatientStatus.ASSESSING, 4),
    (PatientStatus.ENROLLED, 16),
    (PatientStatus.SUSPENDED, 3),
    (PatientStatus.EXITED, 3),
]
EXIT_REASONS = [ExitReason.ORAL_OAT, ExitReason.DROPOUT, ExitReason.TRANSFER]

CANADA_SEED = 20261123
CANADA_PATIENT_COUNT = 8
CANADA_DAM_COUNT = 1  # enrolled VAN patients on DAM; the others are on HDM
CANADA_STATE_PLAN: list[tuple[str, int]] = [
    (PatientStatus.REFERRED, 1),
    (PatientStatus.ASSESSING, 1),
    (PatientStatus.ENROLLED, 6),
]
# (steps done, steps in all, what is being loaded)
Progress = Callable[[int, int, str], None]


def _avatar_png(label: str, rng: random.Random) -> bytes:
    """A plain coloured portrait placeholder with the client code: no real face is ever shipped."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (240, 300), tuple(rng.randint(90, 200) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    draw.ellipse((70, 50, 170, 150), fill=(235, 225, 210))
    draw.rectangle((50, 170, 190, 300), fill=(60, 70, 90))
    draw.text((70, 270), label, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def load_zurich_patients(
    clinic: Clinic,
    staff: dict[str, User],
    rng: random.Random,
    progress: Progress | None,
) -> None:
    nurse, physician = staff[Role.NURSE.value], staff[Role.PHYSICIAN.value]
    today = clinic_today(clinic)
    targets = [status for status, count in STATE_PLAN for _ in range(count)]
    rng.shuffle(targets)
    exits = iter(EXIT_REASONS)
    prescriber = DemoPrescriber.start(physician, DEMO_SEED + 1, today)
    enrolled_seen = 0
    for index, target in enumerate(targets, start=1):
        referred_on = today - timedelta(days=rng.randint(20, 720))
        plan = Plan.MAINTENANCE
        if target == PatientStatus.ENROLLED:
            plan = plan_for_enrolled(enrolled_seen)
            enrolled_seen += 1
        if plan == Plan.TITRATION:
            # Titration happens in the first days: these patients were referred a few weeks ago
            # and enrolled in the last days (below).
            referred_on = today - timedelta(days=prescriber.rng.randint(30, 40))
        lines: list[OrderLine] = []
        identity = IdentityInput(
            legal_name=f"Demo Patient {index:02d}",
            date_of_birth=date(rng.randint(1960, 1998), rng.randint(1, 12), rng.randint(1, 28)),
            sex=rng.choice([Sex.MALE, Sex.MALE, Sex.MALE, Sex.FEMALE, Sex.OTHER]),
            # The index keeps every number distinct (a repeated one would be a possible duplicate).
            health_number=f"DEMO-{index:03d}-{rng.randint(100000, 999999)}",
        )
        patient = register_patient(
            actor=nurse, clinic=clinic, identity=identity, referred_on=referred_on
        )
        assessed_on = referred_on
        for step, days_later in _path_to(target, rng):
            when = min(referred_on + timedelta(days=days_later), today)
            if step == PatientStatus.ENROLLED:
                if plan == Plan.TITRATION:
                    when = today - timedelta(days=prescriber.rng.randint(1, 9))
                facts = _eligible_facts(identity, assessed_on, DEMO_SEED + patient.number)
                _enrol(patient, staff, facts, assessed_on=assessed_on, start=when)
                patient.refresh_from_db()
                lines = prescriber.prescribe(
                    patient, plan, when, stays_active=target == PatientStatus.ENROLLED
                )
                continue
            exit_reason = next(exits) if step == PatientStatus.EXITED else ""
            if step == PatientStatus.SUSPENDED:
                prescriber.suspend(lines)
            elif step == PatientStatus.EXITED:
                prescriber.stop(lines, ExitReason(exit_reason).label.lower())
            patient = change_status(
                actor=physician,
                patient=patient,
                to_status=step,
                effective_date=when,
                exit_reason=exit_reason,
                note=_note_for(step),
            )
            if step == PatientStatus.ASSESSING:
                assessed_on = when
        if patient.status in (PatientStatus.ENROLLED, PatientStatus.SUSPENDED):
            upload_photo(
                actor=nurse, patient=patient, content=_avatar_png(patient.client_code, rng)
            )
        if progress is not None:
            progress(index, len(targets), f"{clinic.code}: patients")
    prescriber.finish()


def load_canada_patients(
    clinic: Clinic,
    staff: dict[str, User],
    rng: random.Random,
    progress: Progress | None,
) -> None:
    """VAN: the CRISM path (assessment, treatment consent, no licence), then DAM or HDM."""
    nurse, physician = staff[Role.NURSE.value], staff[Role.PHYSICIAN.value]
    today = clinic_today(clinic)
    targets = [status for status, count in CANADA_STATE_PLAN for _ in range(count)]
    rng.shuffle(targets)
    prescriber = DemoPrescriber.start(physician, CANADA_SEED + 1, today)
    enrolled_seen = 0
    for index, target in enumerate(targets, start=1):
        referred_on = today - timedelta(days=rng.randint(20, 540))
        identity = IdentityInput(
            # The clinic's code in the name and number: a second Canadian demo clinic (the demo
            # tests stand one in) holds other people, not possible duplicates of VAN's.
            legal_name=f"Demo Patient {clinic.code} {index:02d}",
            date_of_birth=date(rng.randint(1965, 2000), rng.randint(1, 12), rng.randint(1, 28)),
            sex=rng.choice([Sex.MALE, Sex.MALE, Sex.FEMALE, Sex.OTHER]),
            health_number=f"DEMO-{clinic.code}{index:03d}-{rng.randint(1000000000, 9999999999)}",
        )
        patient = register_patient(
            actor=nurse, clinic=clinic, identity=identity, referred_on=referred_on
        )
        assessed_on = referred_on
        for step, days_later in _path_to(target, rng):
            when = min(referred_on + timedelta(days=days_later), today)
            if step == PatientStatus.ENROLLED:
                facts = crism_facts(identity, assessed_on, CANADA_SEED + patient.number)
                _enrol(patient, staff, facts, assessed_on=assessed_on, start=when, licence=False)
                patient.refresh_from_db()
                plan = canada_plan_for_enrolled(enrolled_seen, CANADA_DAM_COUNT)
                enrolled_seen += 1
                prescriber.prescribe(patient, plan, when, stays_active=True)
                continue
            patient = change_status(
                actor=physician, patient=patient, to_status=step, effective_date=when
            )
            if step == PatientStatus.ASSESSING:
                assessed_on = when
        if patient.status == PatientStatus.ENROLLED:
            upload_photo(
                actor=nurse, patient=patient, content=_avatar_png(patient.client_code, rng)
            )
        if progress is not None:
            progress(index, len(targets), f"{clinic.code}: patients")
    prescriber.finish()


def crism_facts(identity: IdentityInput, assessed_on: date, seed: int) -> FactsInput:
    """Facts meeting the CRISM guideline [S12]: severe OUD, injecting now, oral OAT ineffective."""
    rng = random.Random(seed)
    methadone_start = assessed_on - timedelta(days=rng.randint(900, 2500))
    methadone_end = methadone_start + timedelta(days=rng.randint(120, 700))
    srom_start = methadone_end + timedelta(days=rng.randint(60, 300))
    return FactsInput(
        date_of_birth=identity.date_of_birth,
        years_opioid_use=Decimal(rng.randint(5, 20)),
        years_injecting=Decimal(rng.randint(3, 15)),
        prior_treatments=[
            PriorTreatmentInput(
                "methadone",
                methadone_start,
                methadone_end,
                "failed",
                Decimal(rng.randint(8, 16) * 10),
            ),
            PriorTreatmentInput(
                "srom", srom_start, srom_start + timedelta(days=rng.randint(30, 200)), "failed"
            ),
        ],
        heroin_route="injecting",
        flags={
            "severe_oud": True,
            "ongoing_illicit_injection": True,
            "prior_oral_oat_ineffective": True,
        },
        use_pattern="Illicit fentanyl, injecting three to five times a day (synthetic).",
        health_and_social_problems="Two non-fatal overdoses last year; homeless (synthetic).",
    )


def _eligible_facts(identity: IdentityInput, assessed_on: date, seed: int) -> FactsInput:
    """Facts meeting the Swiss criteria [S1]: two failed or abandoned earlier treatments."""
    rng = random.Random(seed)  # its own generator, so the demo's other draws stay as they were
    methadone_start = assessed_on - timedelta(days=rng.randint(1500, 2500))
    methadone_end = methadone_start + timedelta(days=rng.randint(200, 600))
    second_start = methadone_end + timedelta(days=rng.randint(60, 300))
    return FactsInput(
        date_of_birth=identity.date_of_birth,
        years_dependent=Decimal(rng.randint(4, 15)),
        years_injecting=Decimal(rng.randint(3, 12)),
        prior_treatments=[
            PriorTreatmentInput(
                "methadone",
                methadone_start,
                methadone_end,
                "failed",
                Decimal(rng.randint(6, 14) * 10),
            ),
            PriorTreatmentInput(
                rng.choice(["buprenorphine", "srom", "residential"]),
                second_start,
                second_start + timedelta(days=rng.randint(30, 200)),
                "abandoned",
            ),
        ],
        heroin_route="injecting",
        share_of_days_injecting_last_90=Decimal(rng.randint(60, 100)),
        flags={"severe_heroin_dependence": True, "has_deficits": True},
        use_pattern="Street heroin, injecting two to four times a day (synthetic).",
        health_and_social_problems="Hepatitis C; unstable housing (synthetic).",
    )


def _enrol(
    patient: Patient,
    staff: dict[str, User],
    facts: FactsInput,
    *,
    assessed_on: date,
    start: date,
    licence: bool = True,
) -> None:
    """Assessment, treatment consent and (where the preset requires one, as in CH) the patient
    licence on the assessment day; then enrolment."""
    physician, nurse = staff[Role.PHYSICIAN.value], staff[Role.NURSE.value]
    enrolment_services.assess_eligibility(
        actor=physician,
        patient=patient,
        facts=facts,
        decision=PhysicianDecision.ELIGIBLE,
        assessed_on=assessed_on,
    )
    enrolment_services.record_consent(
        actor=nurse, patient=patient, kind=ConsentKind.TREATMENT, given_on=assessed_on
    )
    if not licence:
        enrolment_services.enrol(actor=physician, patient=patient, start_date=start)
        return
    enrolment_services.record_licence(
        actor=physician,
        patient=patient,
        number=f"BAG-DEMO-{patient.number:04d}",
        authority="Federal Office of Public Health (synthetic)",
        valid_from=assessed_on,
        valid_until=assessed_on + timedelta(days=2 * 365),
    )
    enrolment_services.enrol(actor=physician, patient=patient, start_date=start)


def _path_to(target: str, rng: random.Random) -> list[tuple[str, int]]:
    assess = rng.randint(2, 10)
    enrol = assess + rng.randint(7, 21)
    paths: dict[str, list[tuple[str, int]]] = {
        PatientStatus.REFERRED: [],
        PatientStatus.ASSESSING: [(PatientStatus.ASSESSING, assess)],
        PatientStatus.ENROLLED: [
            (PatientStatus.ASSESSING, assess),
            (PatientStatus.ENROLLED, enrol),
        ],
        PatientStatus.SUSPENDED: [
            (PatientStatus.ASSESSING, assess),
            (PatientStatus.ENROLLED, enrol),
            (PatientStatus.SUSPENDED, enrol + rng.randint(30, 120)),
        ],
        PatientStatus.EXITED: [
            (PatientStatus.ASSESSING, assess),
            (PatientStatus.ENROLLED, enrol),
            (PatientStatus.EXITED, enrol + rng.randint(60, 300)),
        ],
    }
    return paths[target]


def _note_for(step: str) -> str:
    if step == PatientStatus.SUSPENDED:
        return "Suspended pending review after repeated missed sessions (synthetic)."
    return ""
