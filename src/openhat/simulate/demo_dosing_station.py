"""One demo session at the dosing station, through the station's services, at backdated times.

check-in -> assessment (a minute later) -> decision -> the dose drawn and given (the ledger's
`dose issued`, at a time the pharmacy history stamps in the ledger's order) -> observation signed
off after the preset's minutes; or the session stops at an earlier stage (today's board), or an
event of the plan happens on the way (a physician's override, a spill, a partial dose, a refusal,
a hold, an adverse event). The dose given is what the plan wanted, never above the decision's
largest dose.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import User

from openhat.clinics.roles import Role
from openhat.core import clock
from openhat.dosing.models import DosePreparation, DosingSession, SessionDecision
from openhat.dosing.services.administer import administer, prepare
from openhat.dosing.services.exceptions import end_without_dose, record_left_early, record_spill
from openhat.dosing.services.observation import observation_of
from openhat.dosing.services.overrides import hard_limit, liftable_findings, override_session
from openhat.dosing.services.sessions import assess, check_in, decide_session, sign_off
from openhat.simulate.demo_dosing_events import EventRecorder
from openhat.simulate.demo_dosing_plan import Visit, round5
from openhat.simulate.demo_pharmacy import PharmacyHistory

MINUTE = timedelta(minutes=1)
DOSE_VERDICTS = ("dose", "dose_reduced")
STAGES = ("checked_in", "assessed", "decided", "prepared", "observing", "completed")
# What the physician lifts, and why, for the plan's overrides.
OVERRIDES = {
    "go_live": (
        {"titration_first_dose"},
        "Records at the dosing station start today. {code} has been on this order since "
        "{since} at the usual dose (paper dosing records checked): the first-dose titration "
        "limit is for new starts, not for this patient.",
    ),
    "missed_override": (
        {"missed_days"},
        "Three days in hospital with a chest infection, on daily oral morphine there (discharge "
        "letter seen): tolerance kept, so the usual dose today rather than half.",
    ),
}
# Pre-dose readings the plan's events call for: (sedation score, breath alcohol, signs, notes).
READINGS = {
    "reduce_sedation": (3, "0.00", ("drowsy", "slurred speech"), "Drowsy but rousable."),
    "reduce_alcohol": (1, "0.14", (), "Two beers at lunch, by their own account."),
    "held_alcohol": (1, "0.34", ("smells of alcohol",), "Unsteady on their feet."),
    "hold_sedation": (4, "0.00", ("pinpoint pupils", "nodding off"), "Hard to rouse."),
}
ENDINGS = {
    "refused": (
        "refused",
        "Wanted more than the decision allows and declined the dose offered; will come back "
        "at the next session.",
    ),
    "held_alcohol": (
        "held",
        "Breath alcohol above the hold level: dose held; asked to come back at the next session "
        "to be assessed again.",
    ),
}


@dataclass
class Outcome:
    session: DosingSession
    free_at: datetime  # when the patient has left or may start another session
    administered_at: datetime | None = None


class Station:
    """The demo nurse (and, for overrides and waste, the physician and pharmacist) at work."""

    def __init__(
        self,
        pharmacy: PharmacyHistory,
        staff: dict[str, User],
        signer: Callable[[], str],
        seed: int,
    ) -> None:
        self.pharmacy = pharmacy
        self.nurse = staff[Role.NURSE.value]
        self.physician = staff[Role.PHYSICIAN.value]
        self.witness = staff[Role.PHARMACIST.value]
        self.signer = signer
        self.rng = random.Random(seed)
        self.events = EventRecorder(self.nurse, self.physician)
        self.site_turn: dict[int, int] = {}

    def run(self, visit: Visit, start: datetime, stage: str = "completed") -> Outcome:
        """The session from check-in to `stage`; the physician signs off what it recorded."""
        outcome = self._run(visit, start, stage)
        if self.events.waiting:
            outcome.free_at = self.events.after_sign_off(outcome.free_at)
        return outcome

    def _run(self, visit: Visit, start: datetime, stage: str) -> Outcome:
        patient = visit.course.patient
        if visit.hat:
            self.pharmacy.stock_for_check_in(visit.product_key, start)
        with clock.backdated(start):
            session = check_in(
                actor=self.nurse, patient=patient, window=visit.window, identity_confirmed=True
            )
        at = start + MINUTE
        if visit.event.startswith("injection_site"):
            self.events.injection_site(visit, session, at)
            at += MINUTE
        if stage == "checked_in":
            return Outcome(session, at)
        score, alcohol, signs, notes = READINGS.get(visit.event, self._ordinary_reading())
        with clock.backdated(at):
            assess(
                actor=self.nurse,
                session_id=session.pk,
                sedation_score=score,
                breath_alcohol_mg_per_l=alcohol,
                signs=signs,
                notes=notes,
            )
        if stage == "assessed":
            return Outcome(session, at)
        at += MINUTE
        wanted = None if visit.asks_for_largest else visit.planned_mg
        route = "iv" if visit.hat else "oral"
        with clock.backdated(at):
            decision = decide_session(
                actor=self.nurse,
                session_id=session.pk,
                drug=visit.drug,
                route=route,
                dose_mg=wanted,
            )
        if visit.event in OVERRIDES:
            at += 3 * MINUTE
            decision = self._override(visit, session, decision, at)
        if stage == "decided":
            return Outcome(session, at)
        at += MINUTE
        ending = ENDINGS.get(visit.event)
        dose = round5(min(visit.planned_mg, decision.max_dose_mg))
        if ending is None and (decision.verdict not in DOSE_VERDICTS or dose <= 0):
            # Not planned (the plan keeps to the engine's rules), but never a dose it forbids.
            ending = ("held", "Held as the decision says: " + _reasons(decision))
        if ending is not None:
            with clock.backdated(at):
                end_without_dose(
                    actor=self.nurse, session_id=session.pk, kind=ending[0], notes=ending[1]
                )
            return Outcome(session, at + MINUTE)
        return self._give(visit, session, decision, dose, at, stage)

    # -- the dose -------------------------------------------------------------------------

    def _give(
        self,
        visit: Visit,
        session: DosingSession,
        decision: SessionDecision,
        dose: Decimal,
        at: datetime,
        stage: str,
    ) -> Outcome:
        site = self._site(visit) if visit.hat else ""
        drawn_first = stage == "prepared" or visit.event in (
            "spill",
            "oral_spill",
            "left_before_dose",
            "partial_waste",
        )
        if not drawn_first:
            lot = self.pharmacy.lot_for(visit.product_key, dose, at)
            with self.pharmacy.stamped(at) as at:
                given = administer(
                    actor=self.nurse,
                    session_id=session.pk,
                    decision_id=decision.pk,
                    dose_mg=dose,
                    site=site,
                    lot_id=lot.pk,
                    location_id=self.pharmacy.f.dosing_room.pk,
                )
            assert given.issued_entry is not None
            self.pharmacy.drawn(given.issued_entry)
            return self._observe(visit, session, given.administered_at, stage)
        preparation, at = self._prepare(visit, session, decision, dose, at)
        if stage == "prepared":
            return Outcome(session, at)
        if visit.event in ("spill", "oral_spill"):
            at += MINUTE
            with self.pharmacy.stamped(at) as at:
                spilled = record_spill(
                    actor=self.nurse,
                    session_id=session.pk,
                    witness=self.witness,
                    notes="The syringe slipped and hit the floor before the injection; discarded."
                    if visit.hat
                    else "The cup was knocked over before it was taken.",
                )
            assert spilled.waste_entry is not None
            self.pharmacy.drawn(spilled.waste_entry)
            preparation, at = self._prepare(visit, session, decision, dose, at + MINUTE)
        if visit.event == "left_before_dose":
            with self.pharmacy.stamped(at + MINUTE) as at:
                left = end_without_dose(
                    actor=self.nurse,
                    session_id=session.pk,
                    kind="left_before_dose",
                    notes="Left before taking the capsules (a phone call; said they would be back).",
                    witness=self.witness,
                )
            assert left.waste_entry is not None
            self.pharmacy.drawn(left.waste_entry)
            return Outcome(session, at + MINUTE)
        given_mg, remainder, reason = dose, "", ""
        if visit.event == "partial_waste":
            given_mg = round5(dose * Decimal("0.4"))
            remainder = "waste"
            reason = (
                f"Injection stopped after {given_mg.normalize():f} of {dose.normalize():f} mg "
                "(the vein blew); the rest discarded."
            )
        with self.pharmacy.stamped(at + MINUTE) as at:
            given = administer(
                actor=self.nurse,
                session_id=session.pk,
                decision_id=decision.pk,
                dose_mg=given_mg,
                site=site,
                preparation_id=preparation.pk,
                remainder=remainder,
                witness=self.witness if remainder else None,
                remainder_reason=reason,
            )
        if given.remainder_entry is not None:
            self.pharmacy.drawn(given.remainder_entry)
        return self._observe(visit, session, given.administered_at, stage)

    def _prepare(
        self,
        visit: Visit,
        session: DosingSession,
        decision: SessionDecision,
        dose: Decimal,
        at: datetime,
    ) -> tuple[DosePreparation, datetime]:
        lot = self.pharmacy.lot_for(visit.product_key, dose, at)
        with self.pharmacy.stamped(at) as at:
            preparation = prepare(
                actor=self.nurse,
                session_id=session.pk,
                decision_id=decision.pk,
                dose_mg=dose,
                lot_id=lot.pk,
                location_id=self.pharmacy.f.dosing_room.pk,
            )
        self.pharmacy.drawn(preparation.issued_entry)
        return preparation, at

    def _observe(
        self, visit: Visit, session: DosingSession, given_at: datetime, stage: str
    ) -> Outcome:
        if stage == "observing":
            return Outcome(session, given_at, given_at)
        if visit.event == "left_early":
            at = given_at + 8 * MINUTE
            with clock.backdated(at):
                record_left_early(
                    actor=self.nurse,
                    session_id=session.pk,
                    notes="Left 8 minutes after the injection despite being asked to stay; "
                    "alert and walking steadily.",
                )
            return Outcome(session, at, given_at)
        observed = self.events.during_observation(visit, session, given_at)
        at = max(observed, given_at + timedelta(minutes=20))
        # After naloxone the watch is longer, and after a serious event a physician signs off.
        watch = observation_of(session, session.administration, at)
        at = max(at, watch.until) + self.rng.randint(1, 5) * MINUTE
        score = 2 if visit.event == "overdose" else 1
        with clock.backdated(at):
            sign_off(
                actor=self.nurse,
                session_id=session.pk,
                sedation_score=score,
                notes="Alert, breathing normally." if score == 1 else "Awake, a little drowsy.",
                physician=self.physician if watch.needs_physician else None,
                totp_code=self.signer() if watch.needs_physician else None,
            )
        return Outcome(session, at, given_at)

    # -- helpers --------------------------------------------------------------------------

    def _override(
        self, visit: Visit, session: DosingSession, decision: SessionDecision, at: datetime
    ) -> SessionDecision:
        wanted, reason = OVERRIDES[visit.event]
        lifted = [str(f["rule_id"]) for f in liftable_findings(decision) if f["rule_id"] in wanted]
        if not lifted:
            return decision
        since = visit.order.starts_at.astimezone(self.pharmacy.zone)
        # The physician allows the patient's usual (planned) dose, never above a hard limit.
        allowed = round5(visit.planned_mg)
        limit = hard_limit(decision)
        if limit is not None:
            allowed = min(allowed, limit[0])
        with clock.backdated(at):
            return override_session(
                actor=self.physician,
                session_id=session.pk,
                decision_id=decision.pk,
                rule_ids=lifted,
                reason=reason.format(code=visit.course.code, since=f"{since:%d %B %Y}"),
                totp_code=self.signer(),
                allowed_dose_mg=allowed,
                via="station",
            )

    def _ordinary_reading(self) -> tuple[int, str, tuple[str, ...], str]:
        score = 1 if self.rng.random() < 0.82 else 2
        alcohol = "0.00" if self.rng.random() < 0.88 else f"0.0{self.rng.randint(2, 8)}"
        return score, alcohol, (), ""

    def _site(self, visit: Visit) -> str:
        sites = visit.course.sites
        if visit.event == "injection_site":
            return sites[1]  # away from the sore one
        turn = self.site_turn.get(visit.course.patient.pk, 0)
        self.site_turn[visit.course.patient.pk] = turn + 1
        return sites[turn % len(sites)]


def _reasons(decision: SessionDecision) -> str:
    stopping = [
        str(f["message"])
        for f in decision.findings
        if f.get("severity") in ("hold", "block", "not_due", "review") and not f.get("overridden")
    ]
    return "; ".join(stopping)[:400] or decision.verdict
