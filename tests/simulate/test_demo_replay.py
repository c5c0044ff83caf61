"""Replay gives identical decisions on the demo's history (issue 6): every decision the demo's
dosing station stored, replayed day by day from its snapshot, comes out the same.

The demo is the package's (tests/simulate/conftest.py): its four weeks of history, so every kind
of decision is there: doses, reductions, holds, physician reviews and overrides, titration and the
records' first day.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command

from openhat.dosing.models import SessionDecision
from openhat.dosing.replay import replay_day
from openhat.simulate import demo_pharmacy

pytestmark = pytest.mark.django_db


def test_every_stored_decision_of_the_demo_replays_identically(loaded):
    decisions = SessionDecision.objects.all()
    days = sorted(set(decisions.values_list("session__dosing_day", flat=True)))
    assert len(days) == demo_pharmacy.HISTORY_DAYS + 1  # the history and today
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
