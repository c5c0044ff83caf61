"""Context objects refuse what they cannot mean; the few paths the scenario tables do not reach."""

from __future__ import annotations

import pytest

from openhat.rules import ContextError, decide
from tests.rules.builders import at, context, daily_doses, dose, order


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ({"phase": "induction"}, "'induction' is not a valid Phase"),
        ({"windows": frozenset({"night"})}, "'night' is not a valid SessionWindow"),
    ],
)
def test_order_with_an_unknown_phase_or_window(extra: dict[str, object], problem: str) -> None:
    with pytest.raises(ContextError) as caught:
        order(**extra)
    assert caught.value.field == "order"
    assert problem in caught.value.problem


def test_a_decision_rebuilt_without_its_context_has_no_snapshot() -> None:
    decision = decide(context(history=daily_doses(-3, -1, "100")))
    assert decision.snapshot()["format"] == 1
    with pytest.raises(ValueError, match="without its context"):
        decision._replace(context=None).snapshot()


def test_an_open_observation_after_an_oral_dose_is_not_due() -> None:
    history = [dose(at(0, "08:00"), "60", drug="methadone", route="oral", signed_off=False)]
    decision = decide(
        context(
            history=history,
            orders=(order("methadone", ("oral",), dose="60", sessions=2, daily_max="120"),),
            drug="methadone",
            route="oral",
            request_mg="60",
        )
    )
    assert decision.verdict == "not_due"
    finding = decision.finding("observation_open")
    assert finding is not None and not finding.overridable


def test_treatment_day_is_unknown_when_short_breaks_reach_past_the_look_back() -> None:
    """Doses every other day for 60 days: no break long enough to restart, none inside 31 days."""
    history = [dose(at(day, "09:00"), "100") for day in range(-60, 0, 2)]
    decision = decide(context(history=history, request_mg="100"))
    assert decision.treatment_day is None
    assert decision.finding("first_days_vigilance") is None
    assert decision.finding("retitration") is None


def test_history_index_by_local_day() -> None:
    history = context(
        history=[
            dose(at(-2, "08:00"), "100"),
            dose(at(-2, "13:00"), "50"),
            dose(at(0, "08:00"), "90"),
        ],
        now=at(0, "09:00"),
    ).history
    day = at(-2, "08:00").date()
    assert history.first_index_on_or_after(day) == 0
    assert history.first_index_after(day) == 2
    assert [item.dose_mg for item in history.hat_doses_on(day)] == [100, 50]
    assert history.hat_doses_on(at(-1, "08:00").date()) == ()
