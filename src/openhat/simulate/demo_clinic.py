"""The demo clinic: one clinic, a staff member per role, 30 synthetic patients in varied states.

Enrolled patients get orders signed by the demo physician (demo_orders: DAM maintenance near
NAOMI's mean, oral night cover, a few in titration); suspended and exited patients' orders are
suspended or stopped with them.

Everything goes through the services, so the demo has the same audit trail real use would have.
Loading is idempotent: a second run finds the clinic and changes nothing.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from openhat.audit.codes import AuditCode
from openhat.audit.services import record_event
from openhat.clinics.models import Clinic
from openhat.clinics.roles import Role
from openhat.clinics.services import add_membership, create_clinic
from openhat.enrolment import services as enrolment_services
from openhat.enrolment.facts import FactsInput, PriorTreatmentInput
from openhat.enrolment.models import ConsentKind, PhysicianDecision
from openhat.patients.lifecycle import ExitReason, PatientStatus
from openhat.patients.models import Patient, Sex
from openhat.patients.services import change_status, clinic_today, register_patient, upload_photo
from openhat.patients.validation import IdentityInput
from openhat.prescribing.models import OrderLine
from openhat.simulate.demo_orders import DemoPrescriber, Plan, plan_for_enrolled

DEMO_CLINIC_CODE = "ZRH"
DEMO_PASSWORD = "openhat-demo-2026"  # noqa: S105 (printed by `make demo`; development mode only)
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


@dataclass
class DemoResult:
    clinic: Clinic
    created: bool
    staff: dict[str, str] = field(default_factory=dict)  # role -> username
    totp_secrets: dict[str, str] = field(default_factory=dict)  # username -> base32 secret


def demo_username(role: str) -> str:
    return f"demo-{role.replace('_', '-')}"


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


def _totp_secret(device: TOTPDevice) -> str:
    import base64

    return base64.b32encode(device.bin_key).decode()


def load_demo_clinic(progress: Callable[[int, int], None] | None = None) -> DemoResult:
    existing = Clinic.objects.filter(code=DEMO_CLINIC_CODE).first()
    if existing is not None:
        return _describe(existing, created=False)
    rng = random.Random(DEMO_SEED)
    with transaction.atomic():
        clinic = create_clinic(
            actor=None,
            code=DEMO_CLINIC_CODE,
            name="OpenHAT demo clinic (synthetic)",
            time_zone="Europe/Zurich",
            jurisdiction_preset="ch",
        )
        staff: dict[str, User] = {}
        for role in Role:
            user = User.objects.create_user(
                username=demo_username(role.value), password=DEMO_PASSWORD
            )
            add_membership(actor=None, user=user, clinic=clinic, role=role)
            staff[role.value] = user
        _load_patients(clinic, staff, rng, progress)
        # After the patients: the physician's orders were signed with the loader's own
        # authenticator (demo_orders.LoaderAuthenticator), deleted by now; this one is untouched.
        for role in (Role.PHYSICIAN, Role.PHARMACIST):
            TOTPDevice.objects.create(
                user=staff[role.value], name="demo authenticator", confirmed=True
            )
        record_event(
            AuditCode.DEMO_CLINIC_LOADED,
            actor=None,
            clinic=clinic,
            data={"patients": PATIENT_COUNT},
        )
    return _describe(clinic, created=True)


def _load_patients(
    clinic: Clinic,
    staff: dict[str, User],
    rng: random.Random,
    progress: Callable[[int, int], None] | None,
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
            health_number=f"DEMO-{rng.randint(100000, 999999)}",
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
                _enrol(patient, staff, identity, assessed_on=assessed_on, start=when)
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
            progress(index, len(targets))
    prescriber.finish()


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
    identity: IdentityInput,
    *,
    assessed_on: date,
    start: date,
) -> None:
    """Assessment, treatment consent and federal licence on the assessment day; then enrolment."""
    physician, nurse = staff[Role.PHYSICIAN.value], staff[Role.NURSE.value]
    enrolment_services.assess_eligibility(
        actor=physician,
        patient=patient,
        facts=_eligible_facts(identity, assessed_on, DEMO_SEED + patient.number),
        decision=PhysicianDecision.ELIGIBLE,
        assessed_on=assessed_on,
    )
    enrolment_services.record_consent(
        actor=nurse, patient=patient, kind=ConsentKind.TREATMENT, given_on=assessed_on
    )
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


def _describe(clinic: Clinic, *, created: bool) -> DemoResult:
    result = DemoResult(clinic=clinic, created=created)
    for role in Role:
        result.staff[role.value] = demo_username(role.value)
    for device in TOTPDevice.objects.filter(
        user__username__in=result.staff.values(), confirmed=True
    ):
        result.totp_secrets[device.user.username] = _totp_secret(device)
    return result
