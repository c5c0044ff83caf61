"""The demo clinics: a staff member per role, working in two synthetic clinics.

ZRH (Switzerland, ch-diaphin dosing): 30 synthetic patients in varied states (demo_patients).
Enrolled patients get orders signed by the demo physician (demo_orders: DAM maintenance near
NAOMI's mean, oral night cover, a few in titration); suspended and exited patients' orders are
suspended or stopped with them.

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

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import connection, transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from openhat.audit.codes import AuditCode
from openhat.audit.services import record_event
from openhat.clinics.models import Clinic
from openhat.clinics.roles import Role
from openhat.clinics.services import add_membership, create_clinic
from openhat.simulate.demo_care import care_missing, load_demo_care
from openhat.simulate.demo_community import community_missing, load_demo_community
from openhat.simulate.demo_dosing import load_demo_dosing
from openhat.simulate.demo_interviews import interviews_missing, load_demo_interviews
from openhat.simulate.demo_notes import load_demo_notes, notes_missing
from openhat.simulate.demo_patients import CANADA_DAM_COUNT as CANADA_DAM_COUNT
from openhat.simulate.demo_patients import CANADA_PATIENT_COUNT as CANADA_PATIENT_COUNT
from openhat.simulate.demo_patients import CANADA_SEED as CANADA_SEED
from openhat.simulate.demo_patients import CANADA_STATE_PLAN as CANADA_STATE_PLAN
from openhat.simulate.demo_patients import DEMO_SEED as DEMO_SEED
from openhat.simulate.demo_patients import EXIT_REASONS as EXIT_REASONS
from openhat.simulate.demo_patients import PATIENT_COUNT as PATIENT_COUNT
from openhat.simulate.demo_patients import STATE_PLAN as STATE_PLAN
from openhat.simulate.demo_patients import Progress as Progress
from openhat.simulate.demo_patients import load_canada_patients, load_zurich_patients
from openhat.simulate.demo_pharmacy import HISTORY_DAYS, pharmacy_missing
from openhat.simulate.demo_public_report import load_demo_public_report, public_report_missing
from openhat.simulate.demo_research import load_demo_research, research_missing
from openhat.simulate.demo_screens import load_demo_screens, screens_missing

DEMO_CLINIC_CODE = "ZRH"
DEMO_PASSWORD = "openhat-demo-2026"  # noqa: S105 (printed by `make demo`; development mode only)
CANADA_CLINIC_CODE = "VAN"
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


@dataclass
class DemoResult:
    clinic: Clinic  # ZRH, the larger demo clinic
    created: bool  # whether this run loaded anything
    clinics: list[Clinic] = field(default_factory=list)  # every demo clinic, by code
    staff: dict[str, str] = field(default_factory=dict)  # role -> username
    totp_secrets: dict[str, str] = field(default_factory=dict)  # username -> base32 secret


def demo_username(role: str) -> str:
    return f"demo-{role.replace('_', '-')}"


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
    load_zurich_patients(clinic, staff, random.Random(DEMO_SEED), progress)
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
    load_canada_patients(clinic, staff, random.Random(CANADA_SEED), progress)
    record_event(
        AuditCode.DEMO_CLINIC_LOADED,
        actor=None,
        clinic=clinic,
        data={"patients": CANADA_PATIENT_COUNT},
    )
    return clinic


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
