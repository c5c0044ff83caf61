"""A breath-alcohol hold carries over to the next check-in (issue 12, item 1) through the services:
the station passes the day's earlier readings and their holds to the engine."""

from __future__ import annotations

from datetime import timedelta

from openhat.core import clock
from openhat.dosing.services.exceptions import end_without_dose
from openhat.dosing.services.sessions import assess, check_in, decide_session
from tests.dosing.test_api import next_morning


def _assessed(nurse, patient, alcohol):  # type: ignore[no-untyped-def]
    session = check_in(actor=nurse, patient=patient, identity_confirmed=True)
    assess(actor=nurse, session_id=session.pk, sedation_score=1, breath_alcohol_mg_per_l=alcohol)
    return session


def _decision(nurse, session):  # type: ignore[no-untyped-def]
    return decide_session(actor=nurse, session_id=session.pk, drug="dam", route="iv", dose_mg="15")


def _holds(decision) -> set[str]:  # type: ignore[no-untyped-def]
    return {item["rule_id"] for item in decision.findings if item["severity"] == "hold"}


def test_a_hold_stands_at_the_next_check_in_until_a_reading_an_hour_later_clears_it(
    personas, station
):
    nurse, patient = personas["nurse"], station.patient
    start = next_morning(personas)
    with clock.backdated(start):
        held = _assessed(nurse, patient, "0.80")
        first = _decision(nurse, held)
        assert first.verdict == "hold" and _holds(first) == {"breath_alcohol_hold"}
        end_without_dose(actor=nurse, session_id=held.pk, kind="held", notes="breath alcohol 0.80")

    with clock.backdated(start + timedelta(minutes=1)):
        blank = _assessed(nurse, patient, "")
        second = _decision(nurse, blank)
    assert second.verdict == "hold" and second.max_dose_mg == 0
    assert _holds(second) == {"breath_alcohol_reading_missing"}
    assert second.snapshot["earlier_readings"][0]["held"] == ["breath_alcohol_hold"]

    with clock.backdated(start + timedelta(minutes=2)):  # the same session, read again too soon
        assess(actor=nurse, session_id=blank.pk, sedation_score=1, breath_alcohol_mg_per_l="0.1")
        third = _decision(nurse, blank)
    assert _holds(third) == {"breath_alcohol_hold_stands"}

    with clock.backdated(start + timedelta(minutes=61)):
        assess(actor=nurse, session_id=blank.pk, sedation_score=1, breath_alcohol_mg_per_l="0.0")
        cleared = _decision(nurse, blank)
    assert cleared.verdict in ("dose", "dose_reduced"), cleared.findings
    assert not _holds(cleared)
