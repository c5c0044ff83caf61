"""Physician overrides: a hold or a cap lifted for one session with a written reason (docs/domain.md §5).

Hard limits - no valid order, sessions per day, the daily maximum, the order's dose, an observation
not signed off - cannot be lifted: the override is refused and says so ('override_not_allowed').
"""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openhat.rules import ContextError, Override, Verdict, decide, replay
from openhat.rules.protocol import protocol_from_data
from tests.rules.builders import at, context, daily_doses, dose, order, override, protocol
from tests.rules.scenarios import Scenario, run, table

STABLE = daily_doses(-60, -1, "200")
MORNING = dose(at(0, "08:00"), "200", session="today-1")
NOON = dose(at(0, "12:00"), "200", session="today-2")
DAY_2_AFTER_90 = [dose(at(-1, clock), "30") for clock in ("09:00", "10:00", "11:00")]
HDM_ORDER = (order("hdm", dose="100", daily_max="500"),)
DAM_AND_HDM = (order("dam", dose=("100", "400")), order("hdm", dose="150", daily_max="500"))
METHADONE_BESIDE_DAM = (
    order(),
    order("methadone", ("oral",), dose="120", sessions=2, daily_max="200"),
)

LIFTED = [
    Scenario(
        "a physician override lifts a sedation-4 hold; the score-3 reduction still applies",
        dict(history=STABLE, sedation=4, overrides=(override("sedation_hold"),)),
        Verdict.DOSE_REDUCED,
        max_dose_mg="150",
        overridden=("sedation_hold",),
        present=("sedation_reduce",),
        absent=("override_not_allowed",),
    ),
    Scenario(
        "a physician override of the sedation-4 hold and its reduction allows the full dose",
        dict(history=STABLE, sedation=4, overrides=(override("sedation_hold", "sedation_reduce"),)),
        Verdict.DOSE,
        max_dose_mg="200",
        overridden=("sedation_hold", "sedation_reduce"),
    ),
    Scenario(
        "a physician override lifts a sedation-3 reduction",
        dict(history=STABLE, sedation=3, overrides=(override("sedation_reduce"),)),
        Verdict.DOSE,
        max_dose_mg="200",
        overridden=("sedation_reduce",),
    ),
    Scenario(
        "a physician override lifts a breath-alcohol hold at 0.30 mg/L; the reduction still applies",
        dict(history=STABLE, alcohol="0.30", overrides=(override("breath_alcohol_hold"),)),
        Verdict.DOSE_REDUCED,
        max_dose_mg="150",
        overridden=("breath_alcohol_hold",),
        present=("breath_alcohol_reduce",),
    ),
    Scenario(
        "a physician override lifts a breath-alcohol reduction at 0.15 mg/L",
        dict(history=STABLE, alcohol="0.15", overrides=(override("breath_alcohol_reduce"),)),
        Verdict.DOSE,
        max_dose_mg="200",
        overridden=("breath_alcohol_reduce",),
    ),
    Scenario(
        "an override of the alcohol hold leaves both reductions: 200 mg to 112.5 mg",
        dict(
            history=STABLE,
            alcohol="0.30",
            sedation=3,
            overrides=(override("breath_alcohol_hold"),),
        ),
        Verdict.DOSE_REDUCED,
        max_dose_mg="112.5",
        overridden=("breath_alcohol_hold",),
        present=("sedation_reduce", "breath_alcohol_reduce"),
    ),
    Scenario(
        "a physician override lifts the 30-min session interval",
        dict(
            history=[*STABLE, MORNING],
            now=at(0, "08:10"),
            overrides=(override("session_interval"),),
        ),
        Verdict.DOSE,
        max_dose_mg="200",
        overridden=("session_interval",),
    ),
    Scenario(
        "a physician override lifts the 20-min HDM top-up wait",
        dict(
            preset="ca-ioat",
            orders=HDM_ORDER,
            drug="hdm",
            history=[dose(at(0, "09:00"), "50", drug="hdm", session="h1")],
            now=at(0, "09:10"),
            top_up=True,
            request_mg="30",
            overrides=(override("titration_interval"),),
        ),
        Verdict.DOSE,
        max_dose_mg="30",
        overridden=("titration_interval",),
    ),
    Scenario(
        "an override cannot lift the 15 mg first-dose cap where the preset does not mark it so",
        dict(request_mg="30", overrides=(override("titration_first_dose"),)),
        Verdict.DOSE_REDUCED,
        max_dose_mg="15",
        present=("override_not_allowed",),
    ),
    Scenario(
        "an override lifting the missed-days cap allows the dose the physician states, not the "
        "order's full dose",
        dict(
            history=daily_doses(-30, -5, "70", clocks=("09:00", "17:00")),
            request_mg="110",
            orders=(order(dose=("50", "110")),),
            overrides=(
                Override(frozenset({"missed_days"}), "seen, tolerance kept", "dr", Decimal(60)),
            ),
        ),
        Verdict.DOSE_REDUCED,
        max_dose_mg="60",
        overridden=("missed_days",),
        finding_caps={"override_dose": "60"},
    ),
    Scenario(
        "a physician override lifts the day-2 share-of-total cap up to the order",
        dict(history=DAY_2_AFTER_90, overrides=(override("next_day_share_of_total"),)),
        Verdict.DOSE,
        max_dose_mg="200",
        overridden=("next_day_share_of_total",),
    ),
    Scenario(
        "a physician override lifts the +50% cap after one injection",
        dict(
            history=[dose(at(-1, "09:00"), "60")],
            overrides=(override("next_day_increase"),),
        ),
        Verdict.DOSE,
        max_dose_mg="200",
        overridden=("next_day_increase",),
    ),
    Scenario(
        "a physician override answers the missed-days review",
        dict(history=daily_doses(-60, -4, "200"), overrides=(override("missed_days"),)),
        (Verdict.DOSE, Verdict.DOSE_REDUCED),
        overridden=("missed_days",),
    ),
    Scenario(
        "a physician override confirms a DAM to HDM switch at the converted 136.3 mg cap",
        dict(
            preset="ca-ioat",
            orders=DAM_AND_HDM,
            history=STABLE,
            drug="hdm",
            request_mg=None,
            overrides=(override("drug_switch"),),
        ),
        Verdict.DOSE,
        max_dose_mg="136.3",
        overridden=("drug_switch",),
    ),
    Scenario(
        "a physician override lifts the methadone-beside-DAM hold; the order's maximum still holds",
        dict(
            orders=METHADONE_BESIDE_DAM,
            history=[dose(at(0, "08:00"), "150", drug="methadone", route="oral")],
            drug="methadone",
            route="oral",
            request_mg="50",
            overrides=(override("methadone_beside_dam"),),
        ),
        Verdict.DOSE,
        max_dose_mg="50",
        overridden=("methadone_beside_dam",),
    ),
    Scenario(
        "a physician override lifts the no-top-up-on-maintenance hold",
        dict(
            history=[*STABLE, MORNING],
            now=at(0, "08:30"),
            top_up=True,
            request_mg="15",
            overrides=(override("top_up_outside_titration"),),
        ),
        # Only the maintenance caps remain: the 200 mg order, 300 mg by the next-day rule.
        Verdict.DOSE,
        max_dose_mg="200",
        overridden=("top_up_outside_titration",),
    ),
]


def refused(rule_id: str):
    def check(decision) -> None:
        finding = decision.finding(rule_id)
        assert finding is not None and not finding.overridden and not finding.overridable
        note = decision.finding("override_not_allowed")
        assert note is not None and f"'{rule_id}'" in note.message

    return check


HARD = [
    Scenario(
        "an override cannot create a valid order from an unsigned one",
        dict(
            history=STABLE,
            orders=(order(signed=False),),
            overrides=(override("no_valid_order"),),
        ),
        Verdict.NO_VALID_ORDER,
        max_dose_mg="0",
        present=("no_valid_order", "override_not_allowed"),
        check=refused("no_valid_order"),
    ),
    Scenario(
        "an override cannot lift the daily maximum",
        dict(
            history=[
                *daily_doses(-60, -2, "300"),
                dose(at(-1, "08:00"), "500"),
                dose(at(-1, "13:00"), "500"),
                dose(at(0, "08:00"), "500", session="today-1"),
                dose(at(0, "12:00"), "500", session="today-2"),
            ],
            orders=(order(dose="500", daily_max="1200"),),
            now=at(0, "17:00"),
            overrides=(override("daily_max"),),
        ),
        Verdict.NOT_DUE,
        present=("daily_max", "override_not_allowed"),
        check=refused("daily_max"),
    ),
    Scenario(
        "an override cannot lift the sessions-per-day limit",
        dict(
            history=[*STABLE, MORNING, NOON],
            orders=(order(sessions=2),),
            now=at(0, "17:00"),
            overrides=(override("sessions_per_day"),),
        ),
        Verdict.NOT_DUE,
        present=("sessions_per_day", "override_not_allowed"),
        check=refused("sessions_per_day"),
    ),
    Scenario(
        "an override cannot lift the order's 200 mg dose",
        dict(history=STABLE, request_mg="250", overrides=(override("order_dose"),)),
        Verdict.DOSE_REDUCED,
        max_dose_mg="200",
        present=("override_not_allowed",),
        check=refused("order_dose"),
    ),
    Scenario(
        "an override cannot skip signing off the last observation",
        dict(
            history=[*STABLE, dose(at(0, "08:00"), "200", session="today-1", signed_off=False)],
            now=at(0, "12:00"),
            overrides=(override("observation_open"),),
        ),
        Verdict.NOT_DUE,
        present=("observation_open", "override_not_allowed"),
        check=refused("observation_open"),
    ),
    Scenario(
        "an override of a hard limit beside an overridable one lifts only the overridable one",
        dict(
            history=STABLE,
            sedation=4,
            request_mg="250",
            overrides=(override("sedation_hold", "sedation_reduce", "order_dose"),),
        ),
        Verdict.DOSE_REDUCED,
        max_dose_mg="200",
        overridden=("sedation_hold",),
        check=refused("order_dose"),
    ),
]


@table(LIFTED)
def test_override_lifts(scenario: Scenario) -> None:
    run(scenario)


@table(HARD)
def test_override_refused(scenario: Scenario) -> None:
    run(scenario)


def test_override_lasts_one_session() -> None:
    """The next session, decided without the override, is held again."""
    with_override = decide(
        context(
            history=STABLE, sedation=4, now=at(0, "08:00"), overrides=(override("sedation_hold"),)
        )
    )
    assert with_override.allows_dose
    next_session = decide(context(history=[*STABLE, MORNING], sedation=4, now=at(0, "12:00")))
    assert next_session.verdict is Verdict.HOLD
    finding = next_session.finding("sedation_hold")
    assert finding is not None and not finding.overridden


def test_override_of_an_absent_finding_lifts_nothing_and_says_so() -> None:
    plain = decide(context(history=STABLE))
    lifted = decide(context(history=STABLE, overrides=(override("sedation_hold"),)))
    unmatched = lifted.finding("override_unmatched")
    assert unmatched is not None and "'sedation_hold'" in unmatched.message
    assert [item for item in lifted.findings if item.rule_id != "override_unmatched"] == list(
        plain.findings
    )
    assert (lifted.verdict, lifted.max_dose_mg) == (plain.verdict, plain.max_dose_mg)


def test_an_override_naming_no_rule_of_the_engine_is_refused() -> None:
    with pytest.raises(ContextError) as error:
        override("breath_alcohol_hld")
    assert error.value.field == "override.rule_ids" and "breath_alcohol_hld" in str(error.value)


@pytest.mark.parametrize("allowed", [Decimal(0), Decimal(-5)])
def test_an_override_allows_more_than_0_mg(allowed: Decimal) -> None:
    with pytest.raises(ContextError) as error:
        Override(frozenset({"sedation_hold"}), "reviewed", "dr", allowed)
    assert error.value.field == "override.allowed_dose_mg"


def test_the_first_dose_cap_is_liftable_where_the_preset_marks_it() -> None:
    data = protocol().as_data()
    data["values"]["dam.first_dose_cap_liftable"] = {
        "value": "1",
        "unit": "count",
        "sources": ["local"],
        "local_reason": "a clinic that titrates known patients faster",
    }
    marked = protocol_from_data(data)
    lift = Override(frozenset({"titration_first_dose"}), "known tolerance", "dr", Decimal(25))
    decision = decide(context(request_mg="30", preset=marked, overrides=(lift,)))
    assert decision.verdict is Verdict.DOSE_REDUCED and decision.max_dose_mg == 25
    finding = decision.finding("titration_first_dose")
    assert finding is not None and finding.overridden


@settings(max_examples=60, deadline=None)
@given(
    allowed=st.decimals(min_value=Decimal("0.1"), max_value=Decimal(2000), places=1),
    lifted=st.sampled_from(["missed_days", "next_day_share_of_total", "sedation_hold"]),
)
def test_an_override_never_allows_more_than_its_stated_dose_or_a_hard_limit(
    allowed: Decimal, lifted: str
) -> None:
    plain = context(history=daily_doses(-30, -5, "70", clocks=("09:00", "17:00")), sedation=4)
    lift = Override(frozenset({lifted}), "reviewed", "dr", allowed)
    decision = decide(dataclasses.replace(plain, overrides=(lift,)))
    hard = min(
        (item.cap_mg for item in decision.findings if not item.overridable and item.cap_mg),
        default=Decimal(10**6),
    )
    assert decision.max_dose_mg <= min(allowed, hard)


def test_overridden_finding_is_recorded_not_dropped() -> None:
    decision = decide(context(history=STABLE, sedation=4, overrides=(override("sedation_hold"),)))
    finding = decision.finding("sedation_hold")
    assert finding is not None
    assert finding.as_dict()["overridden"] is True
    assert finding.as_dict()["severity"] == "hold"


def test_override_is_part_of_the_snapshot() -> None:
    the_override = override("sedation_hold", reason="patient known, score from fatigue")
    decision = decide(context(history=STABLE, sedation=4, overrides=(the_override,)))
    snapshot = json.loads(json.dumps(decision.snapshot()))
    assert snapshot["overrides"] == [
        {
            "rule_ids": ["sedation_hold"],
            "reason": "patient known, score from fatigue",
            "physician": "physician_zrh",
            "allowed_dose_mg": None,
        }
    ]
    replayed = replay(snapshot)
    assert replayed.as_dict() == decision.as_dict()
    assert replayed.allows_dose
    without = dict(snapshot, overrides=[])
    assert replay(without).verdict is Verdict.HOLD
