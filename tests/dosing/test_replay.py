"""`openhat sessions replay --date D` reproduces stored decisions and names one that differs."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from openhat.dosing.models import SessionDecision
from openhat.dosing.services.sessions import assess, check_in, decide_session
from tests.database import as_superuser


@pytest.fixture
def decided(personas, station):
    nurse = personas["nurse"]
    session = check_in(actor=nurse, patient=station.patient, identity_confirmed=True)
    assess(actor=nurse, session_id=session.pk, sedation_score=2, breath_alcohol_mg_per_l="0.1")
    first = decide_session(
        actor=nurse, session_id=session.pk, drug="dam", route="iv", dose_mg="100"
    )
    second = decide_session(actor=nurse, session_id=session.pk, drug="dam", route="iv")
    return session, [first, second]


def replay(day) -> str:
    out = io.StringIO()
    call_command("sessions", "replay", "--date", day.isoformat(), stdout=out, no_color=True)
    return out.getvalue()


def test_stored_decisions_replay_identically(decided):
    session, _ = decided
    assert "2 decisions of" in replay(session.dosing_day) and "0 differ" in replay(
        session.dosing_day
    )


def test_a_decision_whose_stored_result_was_changed_is_named(decided):
    session, decisions = decided
    victim = decisions[0]
    changed = {**victim.result, "max_dose_mg": "999"}
    with as_superuser():
        SessionDecision.objects.filter(pk=victim.pk).update(result=changed)
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 decision"):
        call_command(
            "sessions",
            "replay",
            "--date",
            session.dosing_day.isoformat(),
            stdout=out,
            no_color=True,
        )
    assert f"decision {victim.pk}" in out.getvalue() and "max_dose_mg" in out.getvalue()


def test_a_bad_date_is_a_clear_error():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("sessions", "replay", "--date", "22/11/2026", stdout=io.StringIO())
