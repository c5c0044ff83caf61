"""The outcomes benchmark's generated clinic (bench/generated_clinic.py) is one the outcomes report
reads: a small one (5 patients over 60 days) gives every part of the report figures."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from generated_clinic import generate_clinic  # noqa: E402 (the benchmark's module, from bench/)
from openhat.clinics.models import Clinic  # noqa: E402
from openhat.core.clock import clinic_today  # noqa: E402
from openhat.outcomes.period import Cohort, Period  # noqa: E402
from openhat.outcomes.report import outcomes_report  # noqa: E402


@pytest.mark.django_db(transaction=True)
def test_a_small_generated_clinic_has_an_outcomes_report() -> None:
    made = generate_clinic(patients=5, years=60 / 365, code="GNT", seed=7)
    clinic = Clinic.objects.get(pk=made.clinic_id)
    today = clinic_today(clinic)
    period = Period(today - timedelta(days=90), today)
    report = outcomes_report(clinic, period, Cohort())
    assert made.sessions > 0 and made.administrations == made.sessions
    assert made.screens > 0 and made.interviews >= 5
    assert report.retention.overall.in_hat.n == 5
    # ~2.6 injections on an attended day; ~90% of planned days attended.
    assert report.attendance.injections == made.administrations
    assert 2.3 < report.attendance.injections / report.attendance.injection_days < 2.9
    assert not report.urine.empty and not report.trajectories.empty
