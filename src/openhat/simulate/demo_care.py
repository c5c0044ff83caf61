"""The demo clinics' care: partner services, care plans with goals and reviews, and referrals in
every state, for the demo patients. Invented data only: the partner services, goals and the
patients' words are made up for the demo and name no real organisation or person.

Everything goes through openhat.care.services at backdated times (openhat.core.clock), so the
records, their history and the audit trail look as they would after months of real use. Some
reviews are overdue and some follow-ups are due or overdue today, so the counsellor's worklist
has work on it. Loading is idempotent: a clinic with any care plan is left as it is.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User

from openhat.care import services
from openhat.care.inputs import GoalInput, GoalReviewInput, PartnerInput, ReferralInput
from openhat.care.models import CarePlan, PartnerService, Referral, ReferralStatus
from openhat.clinics.models import Clinic
from openhat.clinics.roles import Role
from openhat.core import clock
from openhat.enrolment.models import ConsentKind, DataCategory
from openhat.enrolment.services import record_consent
from openhat.patients.lifecycle import PatientStatus
from openhat.patients.models import Patient

# (name, kinds, contact): invented services, marked as such.
PARTNERS: list[tuple[str, list[str], str]] = [
    ("Demo Housing Help", ["housing"], "Tel. 000 111 22 33 · Mon-Fri 9-12"),
    ("Demo Benefits Advice", ["income", "employment"], "Walk-in Tuesdays 14-17"),
    ("Demo Legal Aid Desk", ["legal_aid"], "Appointments by phone"),
    ("Demo Infectious Diseases Clinic", ["hiv_hcv", "medical_care"], "Referral letter needed"),
    ("Demo Wound Care Nurses", ["wound_care", "medical_care"], "Daily drop-in 10-11"),
    ("Demo Psychiatric Outpatients", ["mental_health", "counselling"], "Waiting list ~6 weeks"),
    ("Demo Oral Treatment Service", ["oral_oat_or_abstinence"], "Intake on Thursdays"),
]

# (domain, goal, actions, patient's words)
GOALS: list[tuple[str, str, str, str]] = [
    (
        "drug_use",
        "Stop using street heroin on top",
        "Talk through the evening cravings",
        "I want to stop buying on the street.",
    ),
    (
        "drug_use",
        "Cut down on cocaine",
        "Keep a use diary\nAgree a weekly check-in",
        "Only at weekends, then not at all.",
    ),
    (
        "physical_health",
        "Hepatitis C treatment",
        "Blood tests\nAppointment at the infectious diseases clinic",
        "I'd like to get rid of it finally.",
    ),
    ("physical_health", "Heal the leg wound", "Daily dressing\nSee the wound care nurses", ""),
    (
        "mental_health",
        "Sleep better",
        "Sleep routine\nAsk the physician about night medication",
        "The nights are the worst.",
    ),
    ("mental_health", "See a psychiatrist about low mood", "Referral to outpatients", ""),
    (
        "housing",
        "A room of my own",
        "Apply for supported housing\nCollect documents",
        "Somewhere I can lock the door.",
    ),
    (
        "income",
        "Claim the benefits due",
        "Fill in the claim with the advice service",
        "I don't understand the forms.",
    ),
    (
        "legal",
        "Settle the outstanding fines",
        "Legal aid appointment\nAgree a payment plan",
        "I want the letters to stop.",
    ),
    (
        "work_and_education",
        "Find a few hours of work",
        "Sign up for the supported work programme",
        "Something with my hands.",
    ),
    (
        "family_and_social",
        "See my daughter again",
        "Contact the child protection worker",
        "She turns ten this year.",
    ),
    ("family_and_social", "Rebuild contact with my brother", "Write a letter together", ""),
]

REVIEW_NOTES = [
    "Went through each goal together; the patient is more settled.",
    "Some progress; the applications are still open.",
    "Difficult month; agreed to keep the goals and meet more often.",
    "Good steps since the last review; new target dates agreed.",
    "Missed two appointments; reviewed at the observation after the morning dose.",
]
GOAL_REVIEW_NOTES = [
    "Getting there.",
    "First step done.",
    "Stalled; to try again with support.",
    "Patient proud of this one.",
    "Waiting on the partner service.",
]

# The referral journeys the demo shows, in the order they are given to patients.
JOURNEYS: list[list[str]] = [
    [],  # planned
    ["sent"],
    ["sent", "accepted"],
    ["sent", "accepted", "attended"],
    ["sent", "accepted", "attended", "completed"],
    ["sent", "accepted", "completed"],
    ["declined"],
    ["sent", "declined"],
    ["sent", "lost_to_follow_up"],
]
NOTES = {
    ReferralStatus.DECLINED: "The patient did not want to go for now.",
    ReferralStatus.LOST_TO_FOLLOW_UP: "Not reachable at the service; the patient stopped going.",
}


def care_missing(clinic: Clinic) -> bool:
    return not CarePlan.objects.filter(clinic=clinic).exists()


def _at(clinic: Clinic, day: date) -> datetime:
    return datetime.combine(day, time(11, 0), clinic.zone)


@contextmanager
def _on(clinic: Clinic, day: date) -> Iterator[None]:
    with clock.backdated(_at(clinic, day)):
        yield


def load_demo_care(clinic: Clinic, staff: dict[str, User], seed: int) -> bool:
    """Partners, care plans and referrals for the clinic's demo patients; False if it has some."""
    if not care_missing(clinic):
        return False
    rng = random.Random(seed)
    counsellor = staff[Role.COUNSELLOR.value]
    today = clock.clinic_today(clinic)
    partners = [
        services.save_partner_service(
            actor=counsellor,
            clinic=clinic,
            partner=PartnerInput(name=name, kinds=kinds, contact=contact),
        )
        for name, kinds, contact in PARTNERS
    ]
    patients = list(
        Patient.objects.filter(
            clinic=clinic,
            merged_into__isnull=True,
            status__in=[PatientStatus.ENROLLED, PatientStatus.SUSPENDED, PatientStatus.EXITED],
        ).order_by("number")
    )
    journeys = iter(JOURNEYS * 3)
    for index, patient in enumerate(patients):
        first_day = _first_day(patient, today)
        _care_plan(clinic, counsellor, patient, first_day, today, rng, overdue=index % 4 == 0)
        if patient.status != PatientStatus.EXITED:
            for _ in range(1 + (index % 2)):
                journey = next(journeys, None)
                if journey is not None:
                    _referral(clinic, counsellor, patient, partners, journey, first_day, today, rng)
    return True


def _first_day(patient: Patient, today: date) -> date:
    referred = patient.status_changes.order_by("effective_date").values_list(
        "effective_date", flat=True
    )
    start = (referred.first() or today) + timedelta(days=7)
    return min(start, today - timedelta(days=10))


def _care_plan(
    clinic: Clinic,
    counsellor: User,
    patient: Patient,
    first_day: date,
    today: date,
    rng: random.Random,
    *,
    overdue: bool,
) -> None:
    with _on(clinic, first_day):
        plan = services.start_care_plan(actor=counsellor, patient=patient)
        for domain, goal, actions, words in rng.sample(GOALS, 3):
            services.add_goal(
                actor=counsellor,
                plan=plan,
                goal=GoalInput(
                    domain=domain,
                    goal=goal,
                    owner=rng.choice(["patient", "shared", "counsellor", "partner"]),
                    target_on=first_day + timedelta(days=rng.randint(60, 240)),
                    actions=actions,
                    status="in_progress",
                    patient_words=words,
                ),
            )
    # Reviews every interval up to today; a plan marked overdue misses its latest one.
    review_day = plan.next_review_on
    while review_day <= today - timedelta(days=1):
        following = services.next_review_after(clinic, review_day)
        if overdue and following > today:
            break
        with _on(clinic, review_day):
            goals = list(plan.goals.all())
            services.review_care_plan(
                actor=counsellor,
                plan=plan,
                note_text=rng.choice(REVIEW_NOTES),
                goal_reviews=[
                    GoalReviewInput(
                        goal.pk,
                        rng.choice(["in_progress", "in_progress", "achieved", "partly_achieved"]),
                        rng.choice(GOAL_REVIEW_NOTES),
                    )
                    for goal in goals
                    if goal.is_open
                ],
            )
        plan.refresh_from_db()
        review_day = plan.next_review_on


def _referral(
    clinic: Clinic,
    counsellor: User,
    patient: Patient,
    partners: list[PartnerService],
    journey: list[str],
    first_day: date,
    today: date,
    rng: random.Random,
) -> None:
    partner = rng.choice(partners)
    kind = partner.kinds[0]
    # Steps a week or two apart, ending before today, so follow-ups fall due around today.
    span = 10 * (len(journey) + 1)
    day = max(first_day, today - timedelta(days=span + rng.randint(0, 20)))
    sends = [DataCategory.IDENTITY] if "sent" in journey and rng.random() < 0.7 else []
    with _on(clinic, day):
        if sends:
            record_consent(
                actor=counsellor,
                patient=patient,
                kind=ConsentKind.RELEASE_OF_INFORMATION,
                given_on=day,
                expires_on=day + timedelta(days=365),
                recipient=partner.name,
                purpose=f"Referral for {kind.replace('_', ' ')}",
                covers=sends,
            )
        referral = services.plan_referral(
            actor=counsellor,
            patient=patient,
            referral=ReferralInput(
                kind=kind,
                partner_id=partner.pk,
                reason="Agreed in the care plan.",
                follow_up_on=day + timedelta(days=rng.randint(5, 12)),
                sends_data=list(sends),
            ),
        )
    for status in journey:
        day = min(day + timedelta(days=rng.randint(6, 12)), today)
        _move(clinic, counsellor, referral, status, day, rng)


def _move(
    clinic: Clinic,
    counsellor: User,
    referral: Referral,
    status: str,
    day: date,
    rng: random.Random,
) -> None:
    with _on(clinic, day):
        services.change_referral_status(
            actor=counsellor,
            referral=referral,
            status=status,
            # Some follow-ups fall before today: overdue on the worklist.
            follow_up_on=day + timedelta(days=rng.randint(3, 14)),
            note_text=NOTES.get(ReferralStatus(status), ""),
        )
    referral.refresh_from_db()
