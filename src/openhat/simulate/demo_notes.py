"""The demo clinics' counselling notes: a few per demo patient in treatment, written by the demo
counsellor through openhat.counselling.services on session days between the start of treatment and
today, the suspension or the exit (demo_screens.courses_in_treatment).

The notes are bland on purpose and name no one: made-up sessions of the kind a case manager
writes up (housing, benefits, family, the week's use), so the protected-notes pages have something
to show. Each is written on its session day (openhat.core.clock), never after now. Loading is
idempotent: a clinic with any counselling note is left as it is.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User

from openhat.clinics.models import Clinic
from openhat.clinics.roles import Role
from openhat.core import clock
from openhat.counselling.models import CounsellingNote
from openhat.counselling.services import write_note
from openhat.patients.models import Patient
from openhat.simulate.demo_screens import courses_in_treatment

NOTES_PER_PATIENT = (2, 5)  # local: a session written up every month or two in the demo
NOTE_TEXTS = [
    "Talked about the housing application; next step agreed.",
    "Went through the benefits letter together; the form goes off this week.",
    "Short session after the morning dose. Feeling settled; no new concerns.",
    "Talked about the week's use on top; the patient wants to keep cutting down.",
    "Planned the appointment at the partner service; reminder card given.",
    "Talked about contact with family; the patient will write first.",
    "Difficult week. Agreed to meet again in a few days.",
    "Reviewed the goals in the care plan; no change needed.",
    "Talked about the daily routine and sleep; small steps agreed.",
    "Patient asked about work programmes; information given, to discuss next time.",
    "Talked about the outstanding fines; the legal aid appointment is booked.",
    "Checked in after the missed days; the patient is back on the usual sessions.",
]


def notes_missing(clinic: Clinic) -> bool:
    return not CounsellingNote.objects.filter(clinic=clinic).exists()


def load_demo_notes(clinic: Clinic, staff: dict[str, User], seed: int) -> int:
    """A few counselling notes per demo patient in treatment; how many were written. Nothing
    when the clinic already has notes."""
    if not notes_missing(clinic):
        return 0
    rng = random.Random(seed)
    counsellor = staff[Role.COUNSELLOR.value]
    planned: list[tuple[datetime, int, Patient, date, str]] = []
    for course in courses_in_treatment(clinic, clock.clinic_today(clinic)):
        span = (course.end - course.start).days
        count = min(rng.randint(*NOTES_PER_PATIENT), span + 1)
        for offset in sorted(rng.sample(range(span + 1), count)):
            day = course.start + timedelta(days=offset)
            at = datetime.combine(day, time(rng.randint(13, 17), 0), tzinfo=clinic.zone)
            at = min(at, clock.now())
            patient = course.patient
            planned.append((at, patient.number, patient, day, rng.choice(NOTE_TEXTS)))
    for at, _, patient, day, body in sorted(planned, key=lambda note: note[:2]):
        with clock.backdated(at):
            write_note(actor=counsellor, patient=patient, body=body, session_on=day)
    return len(planned)
