"""The demo's adverse events, recorded by the nurse and signed off by the physician through the
station's services.

A few in four weeks, as the trials report them (docs/domain.md §8: overdoses needing naloxone are rare,
about 2.5 per 10,000 DAM injections; histamine reactions and injection-site problems are the
common ones): an overdose after an injection, treated with naloxone IM 0.4 mg and oxygen, the
patient recovered at the clinic; a mild allergic (histamine) reaction; injection-site problems.
The physician signs each one off before the patient's next session (a serious event not signed
off makes the engine ask for a physician's review), except, on purpose, one reaction today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User

from openhat.core import clock
from openhat.dosing.models import DosingSession
from openhat.dosing.services.adverse import record_adverse_event, sign_off_adverse_event
from openhat.simulate.demo_dosing_plan import Visit

MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class EventText:
    kind: str
    severity: str
    outcome: str
    onset_minutes: int  # after the injection (observation events) or before check-in
    recorded_minutes: int
    description: str
    sign_off: str
    naloxone: bool = False
    oxygen: bool = False
    observe_minutes: int = 20  # the observation lasts at least this long after the injection


EVENTS = {
    "overdose": EventText(
        "overdose",
        "severe",
        "recovered",
        5,
        8,
        "Five minutes after the injection: pinpoint pupils, breathing 6 a minute, oxygen "
        "saturation 84%, not responding to voice. Naloxone 0.4 mg IM and oxygen by mask; "
        "breathing normally within three minutes, alert after ten. Kept in observation for an "
        "hour without further sedation (synthetic).",
        "Reviewed with the patient: took street benzodiazepines this morning. Back to the usual "
        "dose at the next session with the pre-dose checks; the risk of mixing discussed "
        "(synthetic).",
        naloxone=True,
        oxygen=True,
        observe_minutes=60,
    ),
    "allergic": EventText(
        "allergic_reaction",
        "mild",
        "recovered",
        3,
        5,
        "Itching and wheals along the injected vein and on the forearm a few minutes after the "
        "injection; breathing and blood pressure normal; settled within half an hour "
        "(synthetic).",
        "Histamine release after the injection, mild and settled. Inject more slowly; no "
        "change to the order (synthetic).",
        observe_minutes=30,
    ),
    "injection_site": EventText(
        "injection_site",
        "mild",
        "recovered",
        60 * 20,
        0,
        "Redness and warmth about 2 cm around an injection site on the left arm since "
        "yesterday; no pus, no fever. Cleaned and dressed; injecting in the other arm today "
        "(synthetic).",
        "Early local irritation. Rotate sites; wound-care nurse to look at it if it spreads "
        "(synthetic).",
    ),
    "injection_site_abscess": EventText(
        "injection_site",
        "moderate",
        "ongoing",
        60 * 30,
        0,
        "Painful swelling about 4 cm on the left forearm, fluctuant: probable abscess. "
        "Referred to the wound-care clinic today; injecting in the other arm meanwhile "
        "(synthetic).",
        "Abscess confirmed and drained at the wound-care clinic, antibiotics started there. "
        "Inject in the other arm until it has healed (synthetic).",
    ),
}
EVENTS["allergic_unsigned"] = EVENTS["allergic"]


class EventRecorder:
    def __init__(self, nurse: User, physician: User) -> None:
        self.nurse = nurse
        self.physician = physician
        self.waiting: list[tuple[int, str]] = []  # events recorded, to be signed off: (id, note)

    def _record(
        self, visit: Visit, session: DosingSession, text: EventText, onset: datetime, at: datetime
    ) -> None:
        with clock.backdated(at):
            event = record_adverse_event(
                actor=self.nurse,
                patient=visit.course.patient,
                kind=text.kind,
                severity=text.severity,
                outcome=text.outcome,
                session_id=session.pk,
                onset_at=onset,
                description=text.description,
                naloxone_given=text.naloxone,
                naloxone_dose_mg="0.4" if text.naloxone else None,
                naloxone_route="im" if text.naloxone else None,
                oxygen_given=text.oxygen,
            )
        if visit.event != "allergic_unsigned":
            self.waiting.append((event.pk, text.sign_off))

    def injection_site(self, visit: Visit, session: DosingSession, at: datetime) -> None:
        """Seen at check-in: a problem at an earlier injection site."""
        text = EVENTS[visit.event]
        self._record(visit, session, text, at - text.onset_minutes * MINUTE, at)

    def during_observation(
        self, visit: Visit, session: DosingSession, given_at: datetime
    ) -> datetime:
        """Record an event of the observation; the earliest moment the observation may end."""
        text = EVENTS.get(visit.event)
        if text is None or visit.event.startswith("injection_site"):
            return given_at
        onset = given_at + text.onset_minutes * MINUTE
        self._record(visit, session, text, onset, given_at + text.recorded_minutes * MINUTE)
        return given_at + text.observe_minutes * MINUTE

    def after_sign_off(self, at: datetime) -> datetime:
        """The physician signs off what this session recorded; when the patient may go."""
        for event_id, note in self.waiting:
            at += 2 * MINUTE
            with clock.backdated(at):
                sign_off_adverse_event(actor=self.physician, event_id=event_id, note=note)
        self.waiting.clear()
        return at
