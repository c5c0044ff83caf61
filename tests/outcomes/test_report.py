"""The outcomes report on records written through the services: a dose and an adverse event at
the station, outcome interviews, an exit and urine screens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from openhat.core.clock import clinic_today
from openhat.interviews import services as interviews
from openhat.outcomes.period import Cohort, Period
from openhat.outcomes.report import outcomes_report
from openhat.outcomes.safety import FIRST_DAYS
from openhat.patients.models import Patient
from tests.conftest import Personas
from tests.dosing.world import build_dosing
from tests.interviews.helpers import answers, enrolled_since, exit_patient
from tests.pharmacy.world import build_pharmacy
from tests.screens.helpers import screen

pytestmark = pytest.mark.django_db
DAYS_AGO = 200  # long enough for the 6-month interview, whose window closes 30 days after it
STREET = {"acetylcodeine": "positive", "papaverine": "negative", "noscapine": "negative"}
CLEAN = {"acetylcodeine": "negative", "papaverine": "negative", "noscapine": "negative"}


def _interview(personas: Personas, patient: Patient, point: str, after: int, **kw: Any) -> None:
    interviews.record_interview(
        actor=personas["counsellor"],
        patient=patient,
        time_point=point,
        interviewed_on=clinic_today(patient.clinic) - timedelta(days=DAYS_AGO - after),
        answers=answers(**kw),
    )


def test_the_station_s_dose_and_adverse_event_are_counted_in_the_first_days(
    personas: Personas,
) -> None:
    build_dosing(personas, build_pharmacy(personas))  # one DAM dose, one adverse event after it
    today = clinic_today(personas.clinic)
    # The dose was given 61 minutes before the world was built: today (or, just after midnight,
    # yesterday), so the period starts two days back.
    report = outcomes_report(personas.clinic, Period(today - timedelta(days=2), today), Cohort())

    rows = {(r.drug, r.phase): r for r in report.safety.rows}
    first = rows[("dam", FIRST_DAYS)]
    assert (first.events, first.injections, first.injection_days) == (1, 1, 1)
    assert first.per_100_injection_days.value == pytest.approx(100)
    assert report.safety.within_restart_window == 1
    assert report.attendance.injections == 1
    assert report.attendance_by_drug["dam"].injections == 1
    assert report.attendance_by_drug["hdm"].injections == 0
    # The dosed patient started with that dose: one patient, no exit, censored today.
    assert report.retention.overall.in_hat.n == 1
    assert report.retention.overall.in_hat.events == 0


def test_interviews_exits_and_screens_recorded_through_the_services(personas: Personas) -> None:
    stays = enrolled_since(personas, DAYS_AGO)
    leaves = enrolled_since(personas, DAYS_AGO)
    for patient, street in ((stays, (20, 10, 4)), (leaves, (30, 20, 8))):
        _interview(personas, patient, "intake", 2, street_heroin_days=street[0])
        _interview(personas, patient, "month_3", 92, street_heroin_days=street[1])
        _interview(personas, patient, "month_6", 183, street_heroin_days=street[2])
    today = clinic_today(personas.clinic)
    # To oral OAT on day 150: out of HAT, still in addiction treatment (NAOMI's definition).
    exit_patient(personas, leaves, today - timedelta(days=DAYS_AGO - 150), reason="oral_oat")
    now = timezone.now()
    screen(personas, stays, sampled_at=now - timedelta(days=3), results=STREET)
    screen(personas, stays, sampled_at=now - timedelta(days=2), results=CLEAN)
    screen(personas, leaves, sampled_at=now - timedelta(days=1), results={"cocaine": "positive"})

    period = Period(today - timedelta(days=DAYS_AGO + 1), today)
    report = outcomes_report(personas.clinic, period, Cohort())

    retention = report.retention.overall
    assert (retention.in_hat.n, retention.in_hat.events, retention.in_any.events) == (2, 1, 0)
    assert retention.in_hat.at[182].value == pytest.approx(0.5)
    assert retention.in_any.at[182].value == pytest.approx(1.0)

    responses = {r.point: (r.due, r.interviewed) for r in report.trajectories.responses}
    assert responses == {"intake": (2, 2), "month_3": (2, 2), "month_6": (2, 2), "month_12": (0, 0)}
    street = next(m for m in report.trajectories.measures if m.key == "street_heroin_days")
    points = {p.point: p for p in street.points}
    assert points["intake"].mean.value == 25
    assert points["month_6"].mean.value == 6
    assert points["month_6"].change is not None
    assert points["month_6"].change.value == pytest.approx(-19)  # (-16 + -22) / 2
    assert points["month_6"].change.n == 2

    # The cocaine-only cup tested no street marker: left out, never read as negative.
    assert (report.urine.overall.n, report.urine.untested) == (2, 1)
    assert report.urine.overall.value == pytest.approx(0.5)

    # The leaver's exit is before the period's last day; a later period is the empty state.
    later = Period(today, today)
    assert outcomes_report(personas.clinic, later, Cohort()).retention.empty
    assert outcomes_report(personas.clinic, period, Cohort(drug="hdm")).empty
