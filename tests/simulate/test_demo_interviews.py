"""The loaded demo holds interviews an outcomes analysis can use (the package's one demo load)."""

from __future__ import annotations

from typing import Any

from openhat.enrolment.models import Consent, ConsentKind
from openhat.interviews.models import Interview, InterviewStatus
from openhat.simulate.demo_interview_answers import mean


def _days(clinic: Any, time_point: str, item: str) -> list[int]:
    return [
        answers[item]
        for answers in Interview.objects.filter(
            clinic=clinic, time_point=time_point, status=InterviewStatus.COMPLETED
        ).values_list("answers", flat=True)
    ]


def test_the_demo_has_interviews_at_intake_3_6_and_12_months(demo: Any) -> None:
    zurich = demo.clinic
    points = set(Interview.objects.filter(clinic=zurich).values_list("time_point", flat=True))
    assert {"intake", "month_3", "month_6", "month_12"} <= points
    for clinic in demo.clinics:
        assert Interview.objects.filter(clinic=clinic).exists(), clinic.code


def test_street_heroin_and_illegal_activity_fall_as_in_the_trials(demo: Any) -> None:
    zurich = demo.clinic
    heroin_intake = _days(zurich, "intake", "street_heroin_days")
    heroin_year = _days(zurich, "month_12", "street_heroin_days")
    crime_intake = _days(zurich, "intake", "illegal_activity_days")
    crime_year = _days(zurich, "month_12", "illegal_activity_days")
    assert len(heroin_intake) >= 10
    assert abs(mean(heroin_intake) - 26.6) <= 0.5
    assert abs(mean(crime_intake) - 14.1) <= 0.5
    assert heroin_year and abs(mean(heroin_year) - 5.3) <= 1.0
    assert crime_year and mean(crime_year) < 4.5


def test_missed_interviews_carry_reasons_and_a_leaver_consented_to_research(demo: Any) -> None:
    missed = Interview.objects.filter(clinic=demo.clinic, status=InterviewStatus.MISSED)
    assert missed.exists()
    assert all(reason for reason in missed.values_list("missed_reason", flat=True))
    assert Consent.objects.filter(
        patient__clinic=demo.clinic, kind=ConsentKind.RESEARCH, patient__status="exited"
    ).exists()
