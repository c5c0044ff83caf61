"""Builders for the board, missed-session and day-sheet tests: patients on a DAM order and sessions
written through the station's services at chosen clinic times (clock.backdated).

The tests look at one day, "the day" (yesterday in the clinic, so every step is in the past), at
chosen times of it; `moment(hour, minute, days=0)` is that local time `days` before the day.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone
from PIL import Image

from openhat.core import clock
from openhat.dosing.models import Administration, DosingSession
from openhat.dosing.services.administer import administer, prepare
from openhat.dosing.services.exceptions import end_without_dose
from openhat.dosing.services.sessions import assess, check_in, decide_session, sign_off
from openhat.patients.models import Patient
from openhat.patients.services import register_patient
from openhat.patients.validation import IdentityInput
from openhat.prescribing.services import sign_order
from tests.prescribing.conftest import dam, enrol, totp_code


@dataclass(frozen=True)
class Day:
    """The day the tests look at, in the clinic's zone."""

    day: date
    zone: Any

    def moment(self, hour: int, minute: int = 0, days: int = 0) -> datetime:
        return datetime.combine(self.day - timedelta(days=days), time(hour, minute), self.zone)


def the_day(clinic: Any) -> Day:
    today = timezone.localtime(timezone.now(), clinic.zone).date()
    return Day(today - timedelta(days=1), clinic.zone)


_serial = iter(range(1, 10_000))


def small_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (6, 6), (90, 160, 120)).save(buffer, format="PNG")
    return buffer.getvalue()


def patient_on_dam(personas: Any, *, since: datetime, **order: Any) -> Patient:
    """A new enrolled ZRH patient with a signed DAM order starting at `since`."""
    physician = personas["physician"]
    patient = enrol(
        register_patient(
            actor=personas["nurse"],
            clinic=personas.clinic,
            identity=IdentityInput(f"Board Person {next(_serial)}", date(1980, 1, 1), "male", ""),
        )
    )
    sign_order(
        actor=physician,
        patient=patient,
        order=dam(starts_at=since, **order),
        totp_code=totp_code(physician),
    )
    return patient


def checked_in(
    personas: Any, patient: Patient, at: datetime, window: str | None = None, **assessment: Any
) -> DosingSession:
    nurse = personas["nurse"]
    with clock.backdated(at):
        session = check_in(actor=nurse, patient=patient, window=window, identity_confirmed=True)
        assess(
            actor=nurse,
            session_id=session.pk,
            sedation_score=assessment.get("sedation_score", 1),
            breath_alcohol_mg_per_l=assessment.get("breath_alcohol", "0"),
        )
    return session


def dosed(
    personas: Any,
    station: Any,
    patient: Patient,
    at: datetime,
    *,
    window: str | None = None,
    dose_mg: str = "15",
    signed_off: bool = True,
) -> Administration:
    """A whole session at `at`: check in, assess, decide, give, and sign off when observation ends."""
    nurse = personas["nurse"]
    session = checked_in(personas, patient, at, window)
    with clock.backdated(at + timedelta(minutes=2)):
        decision = decide_session(
            actor=nurse, session_id=session.pk, drug="dam", route="iv", dose_mg=dose_mg
        )
        given = administer(
            actor=nurse,
            session_id=session.pk,
            decision_id=decision.pk,
            dose_mg=min(decision.max_dose_mg, type(decision.max_dose_mg)(dose_mg)),
            site="left_arm",
            lot_id=station.solution.pk,
            location_id=station.formulary.dosing_room.pk,
        )
    if signed_off:
        with clock.backdated(given.observe_until + timedelta(seconds=30)):
            sign_off(actor=nurse, session_id=session.pk, sedation_score=1)
    return given


def held(personas: Any, patient: Patient, at: datetime, window: str | None = None) -> DosingSession:
    session = checked_in(personas, patient, at, window)
    with clock.backdated(at + timedelta(minutes=3)):
        end_without_dose(
            actor=personas["nurse"],
            session_id=session.pk,
            kind="held",
            notes="drowsy and slurring; back at midday",
        )
    session.refresh_from_db()
    return session


def partial_dose(
    personas: Any,
    station: Any,
    patient: Patient,
    at: datetime,
    *,
    window: str | None = None,
    remainder: str = "waste",
    drawn: str = "15",
    given: str = "10",
) -> Administration:
    """Draw `drawn` mg, give `given` mg, return or waste the rest with the pharmacist as witness,
    and sign off when observation ends."""
    nurse = personas["nurse"]
    session = checked_in(personas, patient, at, window)
    with clock.backdated(at + timedelta(minutes=2)):
        decision = decide_session(
            actor=nurse, session_id=session.pk, drug="dam", route="iv", dose_mg=drawn
        )
        made = prepare(
            actor=nurse,
            session_id=session.pk,
            decision_id=decision.pk,
            dose_mg=drawn,
            lot_id=station.solution.pk,
            location_id=station.formulary.dosing_room.pk,
        )
        dose = administer(
            actor=nurse,
            session_id=session.pk,
            decision_id=decision.pk,
            dose_mg=given,
            site="right_arm",
            preparation_id=made.pk,
            remainder=remainder,
            witness=personas["pharmacist"],
            remainder_reason="vein collapsed after part of the dose",
        )
    with clock.backdated(dose.observe_until + timedelta(seconds=30)):
        sign_off(actor=nurse, session_id=session.pk, sedation_score=1, notes="comfortable")
    return dose
