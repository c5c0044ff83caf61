"""A breath-alcohol or sedation hold carries over (issue 12, item 1; docs/domain.md §5).

A hold stands until a new reading, taken at least the preset's reassessment interval later (60 min,
local, in both dosing presets), is below the hold level. A blank reading after a hold is a refusal
that no override lifts; a reading taken too soon is a hold a physician may lift.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openhat.rules import ContextError, EarlierReading, Override, Verdict, decide
from openhat.rules.snapshot import context_from_data, context_to_data
from tests.rules.builders import at, context, daily_doses

STABLE = daily_doses(-60, -1, "200")
HELD_AT = at(0, "12:00")


def held_context(
    readings: tuple[EarlierReading, ...],
    *,
    alcohol: str | None = None,
    sedation: int | None = None,
    taken: datetime | None = None,
    now: datetime | None = None,
    overrides: tuple[Override, ...] = (),
):  # type: ignore[no-untyped-def]
    built = context(
        history=STABLE,
        alcohol=alcohol,
        sedation=sedation,
        now=now or taken or at(0, "12:01"),
        overrides=overrides,
    )
    assessment = dataclasses.replace(built.assessment, at=taken)
    return dataclasses.replace(built, assessment=assessment, earlier_readings=readings)


ALCOHOL_HOLD = (EarlierReading(HELD_AT, breath_alcohol_mg_per_l=Decimal("0.80")),)
SEDATION_HOLD = (EarlierReading(HELD_AT, sedation_score=4),)


def hold_ids(decision) -> set[str]:  # type: ignore[no-untyped-def]
    return {item.rule_id for item in decision.findings if item.severity.value == "hold"}


def test_a_blank_reading_a_minute_after_an_alcohol_hold_is_refused() -> None:
    decision = decide(held_context(ALCOHOL_HOLD))
    assert decision.verdict is Verdict.HOLD and decision.max_dose_mg == 0
    finding = decision.finding("breath_alcohol_reading_missing")
    assert finding is not None and not finding.overridable
    assert "12:00" in finding.message and "13:00" in finding.message
    assert "blank is not a pass" in finding.message
    assert finding.preset_key == "alcohol.reassess_after_minutes"
    assert finding.sources == ("local",)


def test_a_blank_reading_stays_refused_even_hours_later_and_with_an_override() -> None:
    lift = Override(frozenset({"breath_alcohol_reading_missing"}), "seen by me", "dr")
    decision = decide(held_context(ALCOHOL_HOLD, now=at(0, "16:00"), overrides=(lift,)))
    assert decision.verdict is Verdict.HOLD
    assert decision.finding("override_not_allowed") is not None


@pytest.mark.parametrize(
    ("alcohol", "taken", "verdict", "rule"),
    [
        ("0.05", "12:30", Verdict.HOLD, "breath_alcohol_hold_stands"),
        ("0.05", "12:59", Verdict.HOLD, "breath_alcohol_hold_stands"),
        ("0.05", "13:00", Verdict.DOSE, None),
        ("0.12", "13:30", Verdict.DOSE_REDUCED, None),  # cleared, and the new reading reduces
        ("0.30", "13:30", Verdict.HOLD, "breath_alcohol_hold"),  # a new hold of its own
    ],
)
def test_a_reading_clears_the_hold_only_after_the_interval(
    alcohol: str, taken: str, verdict: Verdict, rule: str | None
) -> None:
    decision = decide(held_context(ALCOHOL_HOLD, alcohol=alcohol, taken=at(0, taken)))
    assert decision.verdict is verdict
    assert hold_ids(decision) == ({rule} if rule else set())


def test_a_too_early_reading_is_a_hold_a_physician_may_lift() -> None:
    lift = Override(frozenset({"breath_alcohol_hold_stands"}), "seen and judged", "dr")
    decision = decide(
        held_context(ALCOHOL_HOLD, alcohol="0.05", taken=at(0, "12:20"), overrides=(lift,))
    )
    assert decision.verdict is Verdict.DOSE
    finding = decision.finding("breath_alcohol_hold_stands")
    assert finding is not None and finding.overridden and "12:20" in finding.message


def test_an_earlier_clearing_reading_ends_the_hold_for_later_blank_assessments() -> None:
    readings = (*ALCOHOL_HOLD, EarlierReading(at(0, "13:10"), breath_alcohol_mg_per_l=Decimal(0)))
    decision = decide(held_context(readings, now=at(0, "13:20")))
    assert decision.verdict is Verdict.DOSE


def test_the_latest_hold_counts_and_a_blank_reading_does_not_restart_the_clock() -> None:
    readings = (
        EarlierReading(at(0, "09:00"), breath_alcohol_mg_per_l=Decimal("0.50")),
        EarlierReading(at(0, "10:05"), breath_alcohol_mg_per_l=Decimal(0)),  # cleared
        EarlierReading(at(0, "11:00"), breath_alcohol_mg_per_l=Decimal("0.40")),  # held again
        EarlierReading(at(0, "11:10")),  # blank: refused, not a new hold
    )
    too_soon = decide(held_context(readings, alcohol="0", taken=at(0, "11:59")))
    assert hold_ids(too_soon) == {"breath_alcohol_hold_stands"}
    assert decide(held_context(readings, alcohol="0", taken=at(0, "12:00"))).allows_dose


def test_a_hold_recorded_on_a_reading_counts_even_below_todays_level() -> None:
    readings = (
        EarlierReading(
            HELD_AT,
            breath_alcohol_mg_per_l=Decimal("0.20"),
            held=frozenset({"breath_alcohol_hold"}),
        ),
    )
    assert hold_ids(decide(held_context(readings))) == {"breath_alcohol_reading_missing"}


@pytest.mark.parametrize(
    ("sedation", "taken", "rule"),
    [
        (None, "12:05", "sedation_reading_missing"),
        (2, "12:30", "sedation_hold_stands"),
        (2, "13:00", None),
        (4, "13:30", "sedation_hold"),
    ],
)
def test_a_sedation_hold_carries_over_the_same_way(
    sedation: int | None, taken: str, rule: str | None
) -> None:
    decision = decide(held_context(SEDATION_HOLD, sedation=sedation, taken=at(0, taken)))
    assert hold_ids(decision) == ({rule} if rule else set())
    if rule == "sedation_reading_missing":
        finding = decision.finding(rule)
        assert finding is not None and "sedation score 4" in finding.message


def test_a_sedation_hold_without_its_score_says_what_held() -> None:
    readings = (EarlierReading(HELD_AT, held=frozenset({"sedation_hold"})),)
    finding = decide(held_context(readings)).finding("sedation_reading_missing")
    assert finding is not None and "for sedation score:" in finding.message


def test_readings_below_the_hold_levels_carry_nothing() -> None:
    readings = (EarlierReading(HELD_AT, sedation_score=2, breath_alcohol_mg_per_l=Decimal("0.1")),)
    assert decide(held_context(readings)).verdict is Verdict.DOSE


def test_the_carry_over_survives_a_snapshot() -> None:
    built = held_context(ALCOHOL_HOLD, alcohol="0.05", taken=at(0, "12:30"), now=at(0, "12:31"))
    again = context_from_data(context_to_data(built))
    assert again.earlier_readings == built.earlier_readings
    assert again.assessment.at == built.assessment.at
    assert decide(again).as_dict() == decide(built).as_dict()


def test_a_snapshot_from_before_readings_replays_with_none() -> None:
    data = context_to_data(context(history=STABLE))
    del data["earlier_readings"]
    del data["assessment"]["at"]
    assert context_from_data(data).earlier_readings == ()


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: EarlierReading(HELD_AT, sedation_score=5), "earlier_readings.sedation_score"),
        (lambda: EarlierReading(HELD_AT, sedation_score=True), "earlier_readings.sedation_score"),
        (
            lambda: EarlierReading(HELD_AT, breath_alcohol_mg_per_l=Decimal(6)),
            "earlier_readings.breath_alcohol_mg_per_l",
        ),
        (
            lambda: EarlierReading(HELD_AT, held=frozenset({"breath_alcohol_hld"})),
            "earlier_readings.held",
        ),
        (lambda: held_context(("x",)), "earlier_readings"),  # type: ignore[arg-type]
        (
            lambda: held_context((EarlierReading(at(0, "12:30")),), taken=at(0, "12:10")),
            "earlier_readings",
        ),
        (lambda: held_context((), taken=at(0, "12:10"), now=at(0, "12:00")), "assessment.at"),
    ],
)
def test_bad_readings_are_refused(make, field: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ContextError) as error:
        make()
    assert error.value.field == field


@settings(max_examples=60, deadline=None)
@given(
    level=st.decimals(min_value=Decimal("0.25"), max_value=Decimal(5), places=2),
    minutes_later=st.integers(min_value=0, max_value=600),
    reading=st.one_of(st.none(), st.decimals(min_value=0, max_value=Decimal(5), places=2)),
)
def test_no_dose_after_a_hold_without_a_clearing_reading_after_the_interval(
    level: Decimal, minutes_later: int, reading: Decimal | None
) -> None:
    """Whatever comes after an alcohol hold, a dose is allowed only if the new reading is below
    the hold level and taken at least the interval after the hold."""
    readings = (EarlierReading(HELD_AT, breath_alcohol_mg_per_l=level),)
    taken = HELD_AT + timedelta(minutes=minutes_later, seconds=1)
    decision = decide(
        held_context(readings, alcohol=None if reading is None else str(reading), taken=taken)
    )
    clears = reading is not None and reading < Decimal("0.25") and minutes_later >= 60
    assert decision.allows_dose is clears
