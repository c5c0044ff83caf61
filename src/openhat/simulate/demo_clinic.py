"""The demo clinics: a staff member per role, working in two synthetic clinics.

ZRH (Switzerland, ch-diaphin dosing): 30 synthetic patients in varied states. Enrolled patients
get orders signed by the demo physician (demo_orders: DAM maintenance near NAOMI's mean, oral
night cover, a few in titration); suspended and exited patients' orders are suspended or stopped
with them.

VAN (Canada, CRISM eligibility, ca-ioat dosing): 8 synthetic patients, most on HDM maintenance
near NAOMI's mean, one on DAM, a couple referred or being assessed; no patient licence (the
CRISM preset requires none).

Around the patients: four weeks of pharmacy and dosing history (demo_dosing), outcome interviews
(demo_interviews), care plans and referrals (demo_care), urine screens and harm-reduction contacts
(demo_screens) and counselling notes (demo_notes).

The same demo staff are members of both clinics with the same role; the clinic switcher moves
between them. Everything goes through the services, so the demo has the same audit trail real use
would have. Loading is idempotent: each clinic is loaded once, and a run that finds both changes
nothing (a database loaded before VAN, or before one of the PARTS, existed gets it on the next
run).
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import connection, transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from openhat.audit.codes import AuditCode
from openhat.audit.services import record_event
from openhat.clinics.models import Clinic
from openhat.clinics.roles import Role
from openhat.clinics.services import add_membership, create_clinic
from openhat.core.clock import clinic_today
from openhat.enrolment import services as enrolment_services
from openhat.enrolment.facts import FactsInput, PriorTreatmentInput
from openhat.enrolment.models import ConsentKind, PhysicianDecision
from openhat.patients.lifecycle import ExitReason, PatientStatus
from openhat.patients.models import Patient, Sex
from openhat.patients.services import change_status, register_patient, upload_photo
from openhat.patients.validation import IdentityInput
from openhat.prescribing.models import OrderLine
from openhat.simulate.demo_care import care_missing, load_demo_care
from openhat.simulate.demo_community import community_missing, load_demo_community
from openhat.simulate.demo_dosing import load_demo_dosing
from openhat.simulate.demo_interviews import interviews_missing, load_demo_interviews
from openhat.simulate.demo_notes import load_demo_notes, notes_missing
from openhat.simulate.demo_orders import (
    DemoPrescriber,
    Plan,
    canada_plan_for_enrolled,
    plan_for_enrolled,
)
from openhat.simulate.demo_pharmacy import HISTORY_DAYS, pharmacy_missing
from openhat.simulate.demo_public_report import load_demo_public_report, public_report_missing
from openhat.simulate.demo_research import load_demo_research, research_missing
from openhat.simulate.demo_screens import load_demo_screens, screens_missing

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

CANADA_CLINIC_CODE = "VAN"
CANADA_SEED = 20261123
CANADA_PATIENT_COUNT = 8
CANADA_DAM_COUNT = 1  # enrolled VAN patients on DAM; the others are on HDM
CANADA_STATE_PLAN: list[tuple[str, int]] = [
    (PatientStatus.REFERRED, 1),
    (PatientStatus.ASSESSING, 1),
    (PatientStatus.ENROLLED, 6),
]
DEMO_PATIENT_TOTAL = PATIENT_COUNT + CANADA_PATIENT_COUNT
# A part of the demo a clinic may lack (loaded before the part existed): the next run adds it.
PARTS: tuple[Callable[[Clinic], bool], ...] = (
    pharmacy_missing,
    care_missing,
    interviews_missing,
    screens_missing,
    notes_missing,
    research_missing,
    community_missing,
    public_report_missing,
)
# Advisory lock (namespace, key) held while the demo loads (pg_advisory_xact_lock).
DEMO_LOAD_LOCK = (7501, 1)
# The progress bar's steps: each patient, then each clinic's days of stock and doses and today.
DEMO_LOAD_STEPS = DEMO_PATIENT_TOTAL + 2 * (HISTORY_DAYS + 1)

# (steps done, steps in all, what is being loaded)
Progress = Callable[[int, int, str], None]


@dataclass
class DemoResult:
    clinic: Clinic  # ZRH, the larger demo clinic
    created: bool  # whether this run loaded anything
    clinics: list[Clinic] = field(default_factory=list)  # every demo clinic, by code
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


def _loaded() -> tuple[Clinic, Clinic] | None:
    """Both demo clinics with every part of the demo, or None when something is missing."""
    zurich = Clinic.objects.filter(code=DEMO_CLINIC_CODE).first()
    canada = Clinic.objects.filter(code=CANADA_CLINIC_CODE).first()
    if zurich is None or canada is None:
        return None
    if any(missing(clinic) for missing in PARTS for clinic in (zurich, canada)):
        return None
    return zurich, canada


def load_demo_clinic(progress: Progress | None = None) -> DemoResult:
    """Load whichever demo clinic is missing (ZRH, then VAN), and each one's pharmacy history
    (demo_pharmacy) where it has none yet; a run finding everything adds nothing."""
    found = _loaded()
    if found is not None:
        return _describe(*found, created=False)

    def report(offset: int) -> Progress | None:
        if progress is None:
            return None
        return lambda done, _total, stage: progress(offset + done, DEMO_LOAD_STEPS, stage)

    with transaction.atomic():
        # One loader at a time: a second `make demo` started meanwhile waits here, then finds
        # what the first one loaded instead of creating the same staff and clinics again.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", DEMO_LOAD_LOCK)
        found = _loaded()
        if found is not None:
            return _describe(*found, created=False)
        zurich = Clinic.objects.filter(code=DEMO_CLINIC_CODE).first()
        canada = Clinic.objects.filter(code=CANADA_CLINIC_CODE).first()
        staff = _demo_staff()
        if zurich is None or canada is None:
            zurich, canada = _load_missing_clinics(staff, zurich, canada, report)
        # After the patients and their orders: the doses follow the orders. Four weeks of
        # stock history and dosing sessions each (a clinic loaded before the pharmacy existed
        # gets them too), and today at the station.
        for number, clinic in enumerate((zurich, canada)):
            load_demo_dosing(
                clinic, staff, report(DEMO_PATIENT_TOTAL + number * (HISTORY_DAYS + 1))
            )
            # Outcome interviews at intake, 3, 6 and 12 months, with the trials' trajectories.
            load_demo_interviews(clinic, staff, DEMO_SEED + 14 + number)
        # Care plans, partner services and referrals in every state (demo_care).
        for clinic, seed in ((zurich, DEMO_SEED + 7), (canada, CANADA_SEED + 7)):
            load_demo_care(clinic, staff, seed)
            # Urine screens, harm-reduction contacts and counselling notes (demo_screens,
            # demo_notes), after the interviews whose street-heroin days the screens follow.
            load_demo_screens(clinic, staff, seed + 5)
            load_demo_notes(clinic, staff, seed + 6)
            # A research study most patients consented to, and its secret (demo_research).
            load_demo_research(clinic, staff, seed + 8)
            # A year of the community log (demo_community), for the public report's plot.
            load_demo_community(clinic, staff, seed + 9)
            # Last month's public report, frozen (demo_public_report): the planner quotes it.
            load_demo_public_report(clinic, staff)
    return _describe(zurich, canada, created=True)


def _load_missing_clinics(
    staff: dict[str, User],
    zurich: Clinic | None,
    canada: Clinic | None,
    report: Callable[[int], Progress | None],
) -> tuple[Clinic, Clinic]:
    # The loader signs with its own device (demo_orders.LoaderAuthenticator), which must be
    # the physician's only confirmed one meanwhile: an authenticator printed by an earlier
    # run (ZRH loaded before VAN existed) is set aside unchanged and restored afterwards.
    set_aside = list(
        TOTPDevice.objects.filter(user=staff[Role.PHYSICIAN.value], confirmed=True).values_list(
            "pk", flat=True
        )
    )
    TOTPDevice.objects.filter(pk__in=set_aside).update(confirmed=False)
    if zurich is None:
        zurich = _load_zurich(staff, report(0))
    if canada is None:
        canada = _load_canada(staff, report(PATIENT_COUNT))
    TOTPDevice.objects.filter(pk__in=set_aside).update(confirmed=True)
    # After the patients: the physician's orders were signed with the loader's own
    # authenticator, deleted by now; the printed one is untouched.
    for role in (Role.PHYSICIAN, Role.PHARMACIST):
        if not TOTPDevice.objects.filter(user=staff[role.value], confirmed=True).exists():
            TOTPDevice.objects.create(
                user=staff[role.value], name="demo authenticator", confirmed=True
            )
    return zurich, canada


def _demo_staff() -> dict[str, User]:
    """The demo user of each role, created on the first run (one account per role, used in
    every demo clinic)."""
    staff: dict[str, User] = {}
    for role in Role:
        username = demo_username(role.value)
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(username=username, password=DEMO_PASSWORD)
        staff[role.value] = user
    return staff


def _new_demo_clinic(
    staff: dict[str, User], *, code: str, name: str, time_zone: str, jurisdiction: str
) -> Clinic:
    clinic = create_clinic(
        actor=None, code=code, name=name, time_zone=time_zone, jurisdiction_preset=jurisdiction
    )
    for role in Role:
        add_membership(actor=None, user=staff[role.value], clinic=clinic, role=role)
    return clinic


def _load_zurich(staff: dict[str, User], progress: Progress | None) -> Clinic:
    clinic = _new_demo_clinic(
        staff,
        code=DEMO_CLINIC_CODE,
        name="OpenHAT demo clinic (synthetic)",
        time_zone="Europe/Zurich",
        jurisdiction="ch",
    )
    _load_patients(clinic, staff, random.Random(DEMO_SEED), progress)
    record_event(
        AuditCode.DEMO_CLINIC_LOADED, actor=None, clinic=clinic, data={"patients": PATIENT_COUNT}
    )
    return clinic


def _load_canada(staff: dict[str, User], progress: Progress | None) -> Clinic:
    clinic = _new_demo_clinic(
        staff,
        code=CANADA_CLINIC_CODE,
        name="OpenHAT demo clinic, Canada (synthetic)",
        time_zone="America/Vancouver",
        jurisdiction="ca-crism",  # dosing preset: ca-ioat, the Canadian default
    )
    _load_canada_patients(clinic, staff, random.Random(CANADA_SEED), progress)
    record_event(
        AuditCode.DEMO_CLINIC_LOADED,
        actor=None,
        clinic=clinic,
        data={"patients": CANADA_PATIENT_COUNT},
    )
    return clinic


def _load_patients(
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


def _load_canada_patients(
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
                facts = _crism_facts(identity, assessed_on, CANADA_SEED + patient.number)
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


def _crism_facts(identity: IdentityInput, assessed_on: date, seed: int) -> FactsInput:
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


def _describe(zurich: Clinic, canada: Clinic, *, created: bool) -> DemoResult:
    clinics = sorted([zurich, canada], key=lambda clinic: clinic.code)
    result = DemoResult(clinic=zurich, created=created, clinics=clinics)
    for role in Role:
        result.staff[role.value] = demo_username(role.value)
    for device in TOTPDevice.objects.filter(
        user__username__in=result.staff.values(), confirmed=True
    ):
        result.totp_secrets[device.user.username] = _totp_secret(device)
    return result
