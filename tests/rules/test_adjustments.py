"""Clinic adjustments: tighten freely, loosen only with a reason and an approver, and say so."""

from __future__ import annotations

from decimal import Decimal

import pytest

from openhat.rules import AdjustmentError, Verdict, decide, loosen, replay, tighten
from tests.rules.builders import at, context, daily_doses, dose, order, protocol

STABLE = daily_doses(-60, -1, "200")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("dam.daily_max_mg", "1200"),  # lower is safer
        ("dam.first_dose_max_mg", "20"),
        ("sessions.max_per_day", "4"),
        ("sessions.min_interval_minutes", "20"),  # higher is safer
        ("observation.minutes", "15"),
        ("alcohol.hold_at_mg_per_l", "0.30"),
        ("sedation.reduce_by_fraction_min", "0.10"),
        ("conversion.hdm_to_dam_low", "1.9"),  # fixed: any change loosens
        ("conversion.hdm_to_dam_high", "2.1"),
    ],
    ids=lambda item: str(item),
)
def test_tighten_refuses_a_loosening(key: str, value: str) -> None:
    with pytest.raises(AdjustmentError) as error:
        tighten(protocol(), key, value)
    assert error.value.key == key
    assert "loosen" in error.value.problem


def test_tighten_accepts_a_stricter_value_and_changes_the_hash() -> None:
    base = protocol()
    stricter = tighten(base, "dam.daily_max_mg", "800")
    assert stricter.number("dam.daily_max_mg") == Decimal(800)
    assert stricter.values["dam.daily_max_mg"].tightened_from == Decimal(1000)
    assert stricter.hash != base.hash
    assert base.number("dam.daily_max_mg") == Decimal(1000)  # the preset itself is untouched


def test_tightening_to_the_same_value_changes_nothing() -> None:
    base = protocol()
    assert tighten(base, "dam.daily_max_mg", "1000").hash == base.hash


def test_a_tightened_value_is_used_by_decisions() -> None:
    stricter = tighten(protocol(), "dam.first_dose_max_mg", "10")
    decision = decide(context(preset=stricter, request_mg="15"))
    assert decision.max_dose_mg == Decimal(10)
    assert decision.preset_hash == stricter.hash
    assert decision.finding("titration_first_dose").loosened is None


def test_tighten_refuses_an_unknown_key_and_an_out_of_range_value() -> None:
    with pytest.raises(AdjustmentError):
        tighten(protocol(), "dam.nonsense", "1")
    with pytest.raises(Exception) as error:  # the schema's range: PresetError
        tighten(protocol(), "dam.daily_max_mg", "-5")
    assert "dam.daily_max_mg" in str(error.value)


@pytest.mark.parametrize(
    ("reason", "approver"), [("", "dr_a"), ("   ", "dr_a"), ("long-term patient", ""), ("ok", " ")]
)
def test_loosen_needs_reason_and_approver(reason: str, approver: str) -> None:
    with pytest.raises(AdjustmentError):
        loosen(protocol(), "dam.first_dose_max_mg", "20", reason=reason, approved_by=approver)


def test_loosen_refuses_a_tightening() -> None:
    with pytest.raises(AdjustmentError) as error:
        loosen(protocol(), "dam.first_dose_max_mg", "10", reason="r", approved_by="dr_a")
    assert "tighten" in error.value.problem


def test_a_decision_using_a_loosened_value_reports_it() -> None:
    looser = loosen(
        protocol(),
        "dam.first_dose_max_mg",
        "20",
        reason="transfer from another HAT clinic",
        approved_by="dr_meier",
    )
    assert looser.hash != protocol().hash
    decision = decide(context(preset=looser, request_mg="20"))
    assert decision.verdict is Verdict.DOSE
    assert decision.max_dose_mg == Decimal(20)
    finding = decision.finding("titration_first_dose")
    assert finding is not None
    assert finding.loosened is not None
    for text in ("15", "20", "transfer from another HAT clinic", "dr_meier"):
        assert text in finding.loosened
    assert finding.as_dict()["loosened"] == finding.loosened
    # Findings whose values were not loosened say nothing.
    assert decision.finding("order_dose").loosened is None


def test_a_loosened_value_survives_the_snapshot() -> None:
    looser = loosen(protocol(), "sessions.max_per_day", "4", reason="r", approved_by="dr_a")
    history = [
        *STABLE,
        dose(at(0, "08:00"), "200", session="a"),
        dose(at(0, "11:00"), "200", session="b"),
        dose(at(0, "14:00"), "200", session="c"),
    ]
    decision = decide(
        context(
            preset=looser,
            history=history,
            orders=(order(sessions=4),),
            now=at(0, "18:00"),
            request_mg="100",
        )
    )
    assert decision.verdict is Verdict.DOSE
    refused = decide(
        context(
            preset=looser,
            history=[*history, dose(at(0, "18:00"), "100", session="d")],
            orders=(order(sessions=4),),
            now=at(0, "20:00"),
            request_mg="100",
        )
    )
    assert refused.verdict is Verdict.NOT_DUE
    assert "from 3 to 4" in refused.finding("sessions_per_day").loosened
    assert replay(decision.snapshot()).as_dict() == decision.as_dict()


def test_a_loosened_alcohol_reduction_share_is_reported() -> None:
    """Loosening the smallest alcohol reduction (25% -> 10%) changes the dose: it must be said."""
    looser = loosen(
        protocol(),
        "alcohol.reduce_by_fraction_min",
        "0.10",
        reason="clinic policy",
        approved_by="dr_a",
    )
    decision = decide(context(preset=looser, history=STABLE, alcohol="0.15"))
    assert decision.max_dose_mg == Decimal(180)  # 200 mg less 10%
    assert any(item.loosened and "0.25" in item.loosened for item in decision.findings), [
        (item.rule_id, item.loosened) for item in decision.findings
    ]


def test_a_loosened_missed_days_share_is_reported() -> None:
    """Loosening the dose after missed days (50% -> 75%) changes the cap: it must be said."""
    looser = loosen(
        protocol(),
        "missed.reduced_dose_fraction",
        "0.75",
        reason="clinic policy",
        approved_by="dr_a",
    )
    decision = decide(context(preset=looser, history=daily_doses(-60, -4, "200")))
    finding = decision.finding("missed_days")
    assert finding is not None and finding.cap_mg == Decimal(150)  # 75% of 200 mg
    assert any(item.loosened and "0.5" in item.loosened for item in decision.findings), [
        (item.rule_id, item.loosened) for item in decision.findings
    ]


def test_every_decision_reports_a_loosened_observation_time() -> None:
    """Observation time applies to every dose, so the decision itself lists its loosening."""
    looser = loosen(
        protocol(), "observation.minutes", 15, reason="short-stay room", approved_by="dr_a"
    )
    decision = decide(context(preset=looser, history=STABLE))
    assert decision.observation_minutes == 15
    assert any("observation.minutes" in text and "20" in text for text in decision.loosened)
    assert decision.as_dict()["loosened"] == list(decision.loosened)
    assert decide(context(history=STABLE)).loosened == ()


def test_the_decision_summary_lists_a_loosened_share() -> None:
    looser = loosen(
        protocol(),
        "alcohol.reduce_by_fraction_min",
        "0.10",
        reason="clinic policy",
        approved_by="dr_a",
    )
    decision = decide(context(preset=looser, history=STABLE, alcohol="0.15"))
    assert any("alcohol.reduce_by_fraction_min" in text for text in decision.loosened)


def test_adjustments_take_decimals_as_well_as_text() -> None:
    from decimal import Decimal

    assert tighten(protocol(), "dam.daily_max_mg", Decimal("800")).number("dam.daily_max_mg") == 800
    looser = loosen(
        protocol(), "dam.daily_max_mg", Decimal("1200"), reason="trial", approved_by="dr_a"
    )
    assert looser.number("dam.daily_max_mg") == 1200
