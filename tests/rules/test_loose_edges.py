"""The engine's loose edges found by probing it directly (issue 12, items 11, 14, 16-19).

Expected numbers are worked out by hand from the presets: ca-ioat allows 1,000 mg DAM and 500 mg
HDM a day, converts HDM:DAM at 1:2.0-2.2 [S20], allows one DAM top-up [S15] and two HDM top-ups
(local), and caps an HDM single dose at 200 mg (local).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openhat.rules import (
    Administration,
    ContextError,
    DoseRequest,
    DosingHistory,
    Verdict,
    decide,
)
from tests.rules.builders import ZONE_NAME, at, context, daily_doses, dose, order

BOTH = (order("dam", dose=("10", "400")), order("hdm", dose=("10", "400"), daily_max="500"))


# --- item 14: the daily maximum counts every HAT drug -------------------------------------------


def test_after_500_mg_hdm_a_dam_request_is_told_what_is_counted() -> None:
    history = [
        *daily_doses(-40, -1, "150", drug="hdm"),
        dose(at(0, "08:00"), "250", drug="hdm"),
        dose(at(0, "11:00"), "250", drug="hdm"),
    ]
    decision = decide(
        context(history=history, orders=BOTH, preset="ca-ioat", now=at(0, "15:00"), request_mg="50")
    )
    finding = decision.finding("daily_max")
    assert finding is not None
    # 500 mg HDM counts as 1,100 mg DAM at 2.2: the 1,000 mg DAM maximum is reached.
    assert decision.verdict is Verdict.NOT_DUE
    assert "500 mg HDM given today counts as 1100 mg DAM" in finding.message
    assert "cautious end" in finding.message and "No DAM given yet" not in finding.message


def test_dam_given_today_counts_against_an_hdm_request_at_the_cautious_ratio() -> None:
    history = [*daily_doses(-40, -1, "100", drug="hdm"), dose(at(0, "08:00"), "300")]
    decision = decide(
        context(
            history=history,
            orders=BOTH,
            preset="ca-ioat",
            drug="hdm",
            now=at(0, "15:00"),
            request_mg=None,
        )
    )
    finding = decision.finding("daily_max")
    # 300 mg DAM counts as 150 mg HDM (2.0 mg DAM as 1 mg HDM): 350 mg HDM are left of 500.
    assert finding is not None and finding.cap_mg == Decimal(350)
    assert "300 mg DAM given today counts as 150 mg HDM" in finding.message


@settings(max_examples=80, deadline=None)
@given(
    dam=st.integers(min_value=0, max_value=1000),
    hdm=st.integers(min_value=0, max_value=500),
    asked=st.sampled_from(["dam", "hdm"]),
)
def test_the_day_in_dam_equivalents_never_passes_the_dam_maximum(
    dam: int, hdm: int, asked: str
) -> None:
    """Whatever mix was given today, what is still allowed keeps the day's DAM equivalents (HDM
    counted at 2.2) within 1,000 mg when DAM is asked, and its HDM equivalents (DAM at 1/2.0)
    within 500 mg when HDM is asked."""
    history = [*daily_doses(-40, -1, "100", drug="hdm")]
    if dam:
        history.append(dose(at(0, "08:00"), str(dam)))
    if hdm:
        history.append(dose(at(0, "09:00"), str(hdm), drug="hdm"))
    history.sort(key=lambda item: item.at)
    decision = decide(
        context(
            history=history,
            orders=BOTH,
            preset="ca-ioat",
            drug=asked,
            now=at(0, "15:00"),
            request_mg=None,
        )
    )
    if asked == "dam":
        counted, limit = Decimal(dam) + Decimal(hdm) * Decimal("2.2"), Decimal(1000)
    else:
        counted, limit = Decimal(hdm) + Decimal(dam) / Decimal("2.0"), Decimal(500)
    assert decision.max_dose_mg <= max(limit - counted, Decimal(0))


# --- item 11: the finding says which limit binds --------------------------------------------------


def test_an_order_daily_maximum_below_the_presets_does_not_cite_the_preset() -> None:
    decision = decide(
        context(
            history=daily_doses(-40, -1, "90", drug="hdm"),
            orders=(order("hdm", dose=("10", "100"), daily_max="270"),),
            preset="ca-ioat",
            drug="hdm",
        )
    )
    finding = decision.finding("daily_max")
    assert finding is not None and finding.cap_mg == Decimal(270)
    assert "the order's daily maximum of 270 mg HDM" in finding.message
    assert "below the protocol's 500 mg" in finding.message
    assert finding.preset_key is None and finding.preset_value is None


def test_the_preset_daily_maximum_cites_the_preset_when_it_binds() -> None:
    decision = decide(
        context(history=daily_doses(-40, -1, "200"), orders=(order(daily_max="1200"),))
    )
    finding = decision.finding("daily_max")
    assert finding is not None and finding.preset_key == "dam.daily_max_mg"
    assert "protocol's daily maximum of 1000 mg DAM (the order's is 1200 mg)" in finding.message


def test_the_day_count_names_the_date_it_counts_from() -> None:
    decision = decide(context(history=daily_doses(-28, -1, "200")))
    finding = decision.finding("first_days_vigilance")
    assert finding is not None and decision.treatment_day == 29
    assert "Day 29 since the (re)start on 2026-05-13" in finding.message


def test_the_day_count_after_a_break_names_the_restart() -> None:
    history = [*daily_doses(-60, -20, "200"), *daily_doses(-10, -1, "100")]
    finding = decide(context(history=history)).finding("first_days_vigilance")
    assert finding is not None
    assert "Day 11 since the (re)start on 2026-05-31" in finding.message


def test_the_day_count_on_a_restart_day() -> None:
    finding = decide(context(history=daily_doses(-60, -10, "200"))).finding("first_days_vigilance")
    assert finding is not None and "Day 1 since the restart today after 9 days" in finding.message


def test_a_patient_dosed_for_a_year_has_no_day_count() -> None:
    decision = decide(context(history=daily_doses(-365, -1, "200")))
    assert decision.treatment_day is None and decision.finding("first_days_vigilance") is None


# --- item 16: a request of 0 mg or less is an error ----------------------------------------------


@pytest.mark.parametrize("amount", [Decimal(0), Decimal("0.000"), Decimal(-1)])
def test_a_request_of_0_mg_or_less_is_refused(amount: Decimal) -> None:
    with pytest.raises(ContextError) as error:
        DoseRequest(drug="dam", route="iv", dose_mg=amount)  # type: ignore[arg-type]
    assert error.value.field == "request.dose_mg"


# --- item 17: a top-up needs the post-dose assessment of the dose before -------------------------


def test_a_top_up_before_the_first_doses_post_dose_assessment_is_not_due() -> None:
    first = dose(at(0, "09:00"), "15", session="s1", post_dose=None)
    decision = decide(context(history=[first], now=at(0, "09:25"), top_up=True, request_mg="15"))
    assert decision.verdict is Verdict.NOT_DUE
    finding = decision.finding("top_up_needs_assessment")
    assert finding is not None and not finding.overridable and "09:00" in finding.message


@pytest.mark.parametrize(("score", "allowed"), [(1, True), (2, True), (3, False), (4, False)])
def test_a_top_up_only_without_signs_of_intoxication(score: int, allowed: bool) -> None:
    first = dose(at(0, "09:00"), "15", session="s1", post_dose=score)
    decision = decide(context(history=[first], now=at(0, "09:25"), top_up=True, request_mg="15"))
    assert decision.allows_dose is allowed
    assert (decision.finding("top_up_after_intoxication") is None) is allowed


def test_a_post_dose_score_outside_the_scale_is_refused() -> None:
    with pytest.raises(ContextError) as error:
        dose(at(0, "09:00"), "15", post_dose=7)
    assert error.value.field == "history.post_dose_sedation_score"


# --- item 18: a session holds a dose and its allowed top-ups, no more ----------------------------


def _crowded(count: int, drug: str = "dam") -> list[Administration]:
    return [dose(at(0, f"09:{10 * n:02d}"), "15", drug=drug, session="s1") for n in range(count)]


@pytest.mark.parametrize(
    ("count", "drug", "preset", "refused"),
    [
        (2, "dam", "ch-diaphin", False),
        (3, "dam", "ch-diaphin", True),
        (3, "hdm", "ca-ioat", False),
        (4, "hdm", "ca-ioat", True),
        (2, "methadone", "ch-diaphin", True),
        (3, "hdm", "ch-diaphin", False),  # given under rules this protocol does not have
    ],
)
def test_a_history_with_a_session_beyond_its_top_ups_is_refused(
    count: int, drug: str, preset: str, refused: bool
) -> None:
    route = "oral" if drug == "methadone" else "iv"
    history = [
        dose(at(0, f"09:{10 * n:02d}"), "15", drug=drug, route=route, session="s1")
        for n in range(count)
    ]
    built = context(history=history, preset=preset, now=at(0, "13:00"))
    if not refused:
        decide(built)
        return
    with pytest.raises(ContextError) as error:
        decide(built)
    assert error.value.field == "history.session_id" and "'s1'" in str(error.value)


@pytest.mark.parametrize(
    "history",
    [
        [dose(at(-1, "20:00"), "15", session="s1"), dose(at(0, "08:00"), "15", session="s1")],
        [dose(at(0, "08:00"), "15", session="s1"), dose(at(0, "08:30"), "5", "hdm", session="s1")],
    ],
)
def test_a_session_is_one_day_and_one_drug(history: list[Administration]) -> None:
    with pytest.raises(ContextError) as error:
        DosingHistory.of(history, ZONE_NAME)
    assert error.value.field == "history.session_id"


def test_a_top_up_beyond_the_sessions_allowance_is_not_due() -> None:
    decision = decide(
        context(history=_crowded(2), now=at(0, "10:00"), top_up=True, request_mg="15")
    )
    finding = decision.finding("top_ups_per_session")
    assert decision.verdict is Verdict.NOT_DUE and finding is not None
    assert finding.preset_key == "dam.top_ups_per_session_max" and not finding.overridable


def test_an_oral_top_up_is_not_due() -> None:
    methadone = (order("methadone", ("oral",), dose="80", sessions=1, daily_max="80"),)
    decision = decide(
        context(orders=methadone, drug="methadone", route="oral", top_up=True, request_mg="20")
    )
    assert decision.verdict is Verdict.NOT_DUE and decision.finding("top_up_not_hat") is not None


# --- item 19: an HDM single-dose maximum ----------------------------------------------------------


def test_an_hdm_dose_is_capped_at_the_presets_single_dose_maximum() -> None:
    decision = decide(
        context(
            history=daily_doses(-40, -1, "180", drug="hdm", clocks=("08:00", "14:00")),
            orders=(order("hdm", dose=("100", "300"), daily_max="500"),),
            preset="ca-ioat",
            drug="hdm",
            request_mg="300",
        )
    )
    finding = decision.finding("single_dose_max")
    assert finding is not None and finding.cap_mg == Decimal(200) and not finding.overridable
    assert finding.preset_key == "hdm.single_dose_max_mg" and finding.sources == ("local",)
    assert decision.max_dose_mg == Decimal(200)
