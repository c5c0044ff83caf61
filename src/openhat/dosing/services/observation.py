"""How long a session's observation runs, and who may end it (issue 12, item 2).

Every dose is observed for the decision's minutes (`Administration.observe_until`). Naloxone wears
off before diacetylmorphine and hydromorphone do: after an adverse event in which naloxone was
given, the observation runs at least the preset's `observation.after_naloxone_minutes` from the
moment the event was recorded (the naloxone was given then or before; the later moment is the
cautious one). After a serious adverse event (docs/domain.md §5: overdose, seizure, allergic
reaction, severe or worse, or naloxone given) the sign-off needs a physician with their second
factor, as overrides and orders do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q

from openhat.dosing.models import Administration, AdverseEvent, DosingSession
from openhat.dosing.services.context import protocol_for_patient
from openhat.rules.adverse_events import SERIOUS_KINDS, SERIOUS_SEVERITIES

AFTER_NALOXONE_KEY = "observation.after_naloxone_minutes"


@dataclass(frozen=True)
class Observation:
    until: datetime  # the end of observation now in force
    after_naloxone_minutes: int | None  # set when naloxone extended it
    naloxone_at: datetime | None
    serious_events: tuple[AdverseEvent, ...]

    @property
    def needs_physician(self) -> bool:
        return bool(self.serious_events)


def events_since_dose(session: DosingSession, administration: Administration) -> list[AdverseEvent]:
    """The session's adverse events, and the patient's recorded since the dose."""
    return list(
        AdverseEvent.objects.filter(
            Q(session=session)
            | Q(patient_id=session.patient_id, recorded_at__gte=administration.administered_at)
        ).order_by("recorded_at", "pk")
    )


def is_serious(event: AdverseEvent) -> bool:
    return (
        event.kind in SERIOUS_KINDS
        or event.severity in SERIOUS_SEVERITIES
        or bool(event.naloxone_given)
    )


def observation_of(
    session: DosingSession, administration: Administration, now: datetime
) -> Observation:
    events = events_since_dose(session, administration)
    naloxone = [event.recorded_at for event in events if event.naloxone_given]
    until = administration.observe_until
    minutes = None
    latest = max(naloxone, default=None)
    if latest is not None:
        protocol = protocol_for_patient(session.clinic, session.patient, now)
        minutes = int(protocol.whole[AFTER_NALOXONE_KEY])
        until = max(until, latest + timedelta(minutes=minutes))
    return Observation(
        until=until,
        after_naloxone_minutes=minutes,
        naloxone_at=latest,
        serious_events=tuple(event for event in events if is_serious(event)),
    )
