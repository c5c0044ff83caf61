"""The dosing station's part of the role-matrix world, for clinic ZRH (built after the pharmacy's).

Placeholders filled from DosingWorld.placeholders() (the pharmacy's {solution_lot_id},
{dosing_room_id}, {witness} and {witness_password} are in tests/pharmacy/world.py):
  {dosing_patient_id}           an enrolled patient with a signed DAM order (iv, 150-200 mg) ...
  {dosing_client_code}          ... and their client code
  {dosing_session_id}           ... and that patient's session of today, in state decided
  {dosing_decision_id}          the session's latest decision (a dose is allowed)
  {dosing_dose_mg}              a dose that decision allows (its maximum)
  {dosing_liftable_rule_id}     a finding of that decision a physician may lift by an override
  {dosing_observing_session_id} another enrolled patient's session in observation; its
                                observation minutes have passed, so it can be signed off
  {dosing_observing_patient_id} that patient
  {dosing_administration_id}    the dose given in that session
  {adverse_event_id}            an adverse event of the observing patient, not signed off
  {dosing_due_patient_id}       a third enrolled patient with a signed DAM order and no session
                                today (due on the board; a check-in succeeds)
  {dosing_day}                  today in ZRH, YYYY-MM-DD
  {dosing_window}               the window open now (or next) in ZRH
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from openhat.core import clock
from openhat.dosing.models import DosingSession, SessionDecision
from openhat.dosing.services.administer import administer
from openhat.dosing.services.adverse import record_adverse_event
from openhat.dosing.services.overrides import liftable_findings
from openhat.dosing.services.sessions import assess, check_in, decide_session
from openhat.dosing.windows import current_window
from openhat.patients.models import Patient
from openhat.patients.services import clinic_today
from openhat.prescribing.services import sign_order
from tests.conftest import Personas, register_zrh_patient
from tests.pharmacy.world import PharmacyWorld
from tests.prescribing.conftest import dam, enrol, totp_code

# Longer than any preset's observation after an iv dose: the observing session was dosed this long
# ago, so a sign-off succeeds at once.
OBSERVED_FOR = timedelta(minutes=61)


@dataclass(frozen=True)
class DosingWorld:
    patient_id: int
    client_code: str
    session_id: int
    decision_id: int
    dose_mg: str
    liftable_rule_id: str
    observing_patient_id: int
    observing_session_id: int
    administration_id: int
    adverse_event_id: int
    due_patient_id: int
    day: str
    window: str

    def placeholders(self) -> dict[str, str]:
        return {
            "{dosing_patient_id}": str(self.patient_id),
            "{dosing_client_code}": self.client_code,
            "{dosing_session_id}": str(self.session_id),
            "{dosing_decision_id}": str(self.decision_id),
            "{dosing_dose_mg}": self.dose_mg,
            "{dosing_liftable_rule_id}": self.liftable_rule_id,
            "{dosing_observing_session_id}": str(self.observing_session_id),
            "{dosing_observing_patient_id}": str(self.observing_patient_id),
            "{dosing_administration_id}": str(self.administration_id),
            "{adverse_event_id}": str(self.adverse_event_id),
            "{dosing_due_patient_id}": str(self.due_patient_id),
            "{dosing_day}": self.day,
            "{dosing_window}": self.window,
        }


def ordered_patient(personas: Personas) -> Patient:
    """A new ZRH patient, enrolled, with a signed DAM maintenance order in force since before the
    observing patient's (backdated) dose."""
    physician = personas["physician"]
    patient = enrol(register_zrh_patient(personas))
    sign_order(
        actor=physician,
        patient=patient,
        order=dam(phase="maintenance", starts_at=clock.now() - OBSERVED_FOR * 2),
        totp_code=totp_code(physician),
    )
    return patient


def decided_session(
    personas: Personas, patient: Patient, window: str | None = None
) -> SessionDecision:
    nurse = personas["nurse"]
    session = check_in(actor=nurse, patient=patient, window=window, identity_confirmed=True)
    # Sedation 3 reduces the dose: a finding a physician may lift, with a dose still allowed.
    assess(actor=nurse, session_id=session.pk, sedation_score=3, breath_alcohol_mg_per_l="0")
    return decide_session(actor=nurse, session_id=session.pk, drug="dam", route="iv", dose_mg="200")


def build_dosing(personas: Personas, pharmacy: PharmacyWorld) -> DosingWorld:
    clinic = personas.clinic
    nurse = personas["nurse"]
    now = clock.now()
    window = str(current_window(clinic, now))

    # The observing patient was dosed OBSERVED_FOR ago (same day, unless built just past midnight).
    observing = ordered_patient(personas)
    # Checked in by the clock's window then: OBSERVED_FOR ago may be an earlier window.
    with clock.backdated(now - OBSERVED_FOR):
        earlier = decided_session(personas, observing)
        given = administer(
            actor=nurse,
            session_id=earlier.session_id,
            decision_id=earlier.pk,
            dose_mg=earlier.max_dose_mg,
            site="left_arm",
            lot_id=pharmacy.solution_lot_id,
            location_id=pharmacy.formulary.dosing_room.pk,
        )
    assert given.observe_until <= now, "the observing session's observation must be over"
    event = record_adverse_event(
        actor=nurse,
        patient=observing,
        session_id=given.session_id,
        kind="injection_site",
        severity="mild",
        outcome="recovered",
        description="redness at the injection site",
    )

    patient = ordered_patient(personas)
    decision = decided_session(personas, patient, window)
    assert decision.max_dose_mg > 0, decision.findings
    liftable = liftable_findings(decision)
    assert liftable, f"the matrix needs a finding a physician may lift: {decision.findings}"

    due = ordered_patient(personas)
    return DosingWorld(
        patient_id=patient.pk,
        client_code=patient.client_code,
        session_id=decision.session_id,
        decision_id=decision.pk,
        dose_mg=f"{decision.max_dose_mg.normalize():f}",
        liftable_rule_id=str(liftable[0]["rule_id"]),
        observing_patient_id=observing.pk,
        observing_session_id=given.session_id,
        administration_id=given.pk,
        adverse_event_id=event.pk,
        due_patient_id=due.pk,
        day=clinic_today(clinic).isoformat(),
        window=window,
    )


def session_state(session_id: int) -> str:
    return DosingSession.objects.values_list("state", flat=True).get(pk=session_id)
