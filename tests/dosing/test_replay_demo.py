"""Replay gives identical decisions on the demo's history (issue 6): every decision the demo's
dosing station stored, replayed day by day from its snapshot, comes out the same.

The demo is loaded with a ten-day history (the events fall at the same share of the days as in
four weeks, so every kind of decision is there: doses, reductions, holds, physician reviews and
overrides, titration and the records' first day) at a fixed clinic time; see
tests/simulate/test_demo_dosing.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from openhat.clinics.models import Clinic
from openhat.dosing.models import DosingSession, SessionDecision
from openhat.dosing.replay import replay_day
from tests.simulate.test_demo_dosing import demo_loaded

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, Clinic]]:
    with django_db_blocker.unblock(), demo_loaded(10, time(12, 50)) as clinics:
        yield clinics


def test_every_stored_decision_of_the_demo_replays_identically(loaded):
    decisions = SessionDecision.objects.all()
    days = sorted(set(decisions.values_list("session__dosing_day", flat=True)))
    assert len(days) == 11  # ten days of history and today
    verdicts = set(decisions.values_list("verdict", flat=True))
    assert {"dose", "dose_reduced", "hold", "physician_review"} <= verdicts
    assert decisions.filter(overrides__isnull=False).exists()  # decided again after overrides
    checked = 0
    for day in days:
        count, differences = replay_day(day)
        assert differences == [], (day, differences)
        checked += count
    assert checked == decisions.count() > 300


def test_the_replay_command_reports_no_difference_for_a_demo_day(loaded, capsys):
    day = max(SessionDecision.objects.values_list("session__dosing_day", flat=True))
    count = SessionDecision.objects.filter(session__dosing_day=day).count()
    call_command("sessions", "replay", "--date", day.isoformat())
    out = capsys.readouterr().out
    assert f"{count} decisions of {day.isoformat()} replayed; 0 differ." in out


def test_loaded_outside_the_dosing_hours_today_still_fits_in_today(loaded):
    """12:50 in Zurich is 03:50 in Vancouver: VAN's today is placed in the hours since midnight,
    labelled with the window that comes next (morning)."""
    canada = loaded["VAN"]
    now = timezone.now()
    today = now.astimezone(canada.zone).date()
    sessions = DosingSession.objects.filter(clinic=canada, dosing_day=today)
    assert {"completed", "observing"} <= set(sessions.values_list("state", flat=True))
    assert set(sessions.values_list("window", flat=True)) == {"morning"}
    for session in sessions:
        assert session.checked_in_at.astimezone(canada.zone).date() == today
        assert session.checked_in_at < now
