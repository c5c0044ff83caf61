"""Replaying stored decisions: does today's engine, given the stored inputs, decide the same?

Each stored dose of the day is also compared with the stored decision it was given under: a
dose above that decision's maximum is a difference, whatever the engine says today.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db.models import F, QuerySet

from openhat.dosing.models import Administration, SessionDecision
from openhat.rules.errors import ContextError
from openhat.rules.snapshot import replay_differences


@dataclass(frozen=True)
class ReplayDifference:
    decision_id: int
    session_id: int
    fields: list[str]


def decisions_of_day(day: date, clinic_code: str | None = None) -> QuerySet[SessionDecision]:
    decisions = SessionDecision.objects.filter(session__dosing_day=day)
    if clinic_code:
        decisions = decisions.filter(session__clinic__code=clinic_code.upper())
    return decisions.order_by("at", "pk")


def replay_day(
    day: date, clinic_code: str | None = None, on_decision: Callable[[], None] | None = None
) -> tuple[int, list[ReplayDifference]]:
    checked = 0
    differences = []
    for stored in decisions_of_day(day, clinic_code).iterator(chunk_size=500):
        checked += 1
        try:
            fields = replay_differences(stored.snapshot, stored.result)
        except ContextError as error:
            fields = [f"snapshot unreadable: {error}"]
        if fields:
            differences.append(ReplayDifference(stored.pk, stored.session_id, fields))
        if on_decision is not None:
            on_decision()
    return checked, differences + doses_above_maximum(day, clinic_code)


def doses_above_maximum(day: date, clinic_code: str | None = None) -> list[ReplayDifference]:
    """The day's administrations whose stored dose is above their stored decision's maximum."""
    given = Administration.objects.filter(
        session__dosing_day=day, dose_mg__gt=F("decision__max_dose_mg")
    ).select_related("decision")
    if clinic_code:
        given = given.filter(clinic__code=clinic_code.upper())
    return [
        ReplayDifference(
            row.decision_id,
            row.session_id,
            [
                f"administered dose {row.dose_mg:f} mg is above the decision's maximum "
                f"{row.decision.max_dose_mg:f} mg"
            ],
        )
        for row in given.order_by("administered_at", "pk")
    ]
