"""Snapshots: every decision's inputs as JSON, replayed to the same decision."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from openhat.rules import ContextError, Verdict, decide, replay, replay_differences, tighten
from openhat.rules.snapshot import context_from_data
from tests.rules.builders import at, context, daily_doses, dose, order, override, protocol

CASES = {
    "first dose ever": dict(request_mg="15"),
    "day 1 top-up": dict(
        history=[dose(at(0, "09:00"), "15", session="s1")],
        now=at(0, "09:05"),
        top_up=True,
        request_mg="15",
    ),
    "stable patient": dict(history=daily_doses(-60, -1, "200")),
    "missed days": dict(history=daily_doses(-60, -4, "200")),
    "re-titration": dict(history=daily_doses(-60, -6, "200")),
    "alcohol and sedation": dict(history=daily_doses(-60, -1, "200"), alcohol="0.15", sedation=3),
    "signs": dict(history=daily_doses(-60, -1, "200"), signs=("pinpoint pupils",)),
    "no valid order": dict(orders=(order(suspended=True),)),
    "override": dict(
        history=daily_doses(-60, -1, "200"), sedation=4, overrides=(override("sedation_hold"),)
    ),
    "ca-ioat HDM switch": dict(
        preset="ca-ioat",
        orders=(order(), order("hdm", dose="150", daily_max="500")),
        history=daily_doses(-60, -1, "200"),
        drug="hdm",
        request_mg=None,
        window="midday",
    ),
    "methadone beside DAM": dict(
        orders=(order(), order("methadone", ("oral",), dose="120", daily_max="200")),
        drug="methadone",
        route="oral",
        request_mg="120",
    ),
    "tightened preset": dict(
        preset=tighten(protocol(), "dam.first_dose_max_mg", "10"), request_mg="15"
    ),
}


def snapshot_of(**kwargs: Any) -> tuple[Any, dict[str, Any]]:
    decision = decide(context(**kwargs))
    return decision, decision.snapshot()


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_snapshot_is_json_and_replays_identically(case: str) -> None:
    decision, snapshot = snapshot_of(**CASES[case])
    text = json.dumps(snapshot)  # plain JSON: no Decimal, datetime or enum objects
    replayed = replay(json.loads(text))
    assert replayed.as_dict() == decision.as_dict()
    assert replay_differences(json.loads(text), decision.as_dict()) == []


def test_decision_as_dict_is_json() -> None:
    decision, _ = snapshot_of(**CASES["alcohol and sedation"])
    assert json.loads(json.dumps(decision.as_dict()))["verdict"] == "dose_reduced"


def test_snapshot_keeps_the_effective_protocol_values() -> None:
    stricter = tighten(protocol(), "dam.first_dose_max_mg", "10")
    _, snapshot = snapshot_of(preset=stricter, request_mg="15")
    assert snapshot["protocol"]["values"]["dam.first_dose_max_mg"]["value"] == "10"
    assert replay(snapshot).preset_hash == stricter.hash


@pytest.mark.parametrize(
    "history",
    [
        daily_doses(-365, -1, "200"),
        # a year with a long break: the current episode started 31 days ago
        [*daily_doses(-365, -40, "200"), *daily_doses(-30, -1, "200")],
        # a year with a break ending exactly 30 days ago (day 31 of the episode)
        [*daily_doses(-365, -38, "200"), *daily_doses(-31, -1, "200")],
        # a year with a break: the current episode started 29 days ago (vigilance)
        [*daily_doses(-365, -36, "200"), *daily_doses(-29, -1, "200")],
        # a year, then 3 missed days
        daily_doses(-365, -4, "200"),
        # a year, then 20 missed days
        daily_doses(-365, -21, "200"),
        # a year, last dose 100 days ago
        daily_doses(-365, -100, "200"),
    ],
    ids=[
        "every day",
        "restart 30 days ago",
        "restart 31 days ago",
        "restart 29 days ago",
        "3 missed days",
        "20 missed days",
        "100 missed days",
    ],
)
def test_snapshot_keeps_only_the_look_back_yet_replays_the_same(history: list) -> None:
    decision, snapshot = snapshot_of(history=history)
    assert len(snapshot["history"]) < len(history)
    assert replay(json.loads(json.dumps(snapshot))).as_dict() == decision.as_dict()


def test_replay_differences_names_the_tampered_fields() -> None:
    decision, snapshot = snapshot_of(**CASES["stable patient"])
    stored = copy.deepcopy(decision.as_dict())
    stored["max_dose_mg"] = "400"
    stored["verdict"] = "dose_reduced"
    assert replay_differences(snapshot, stored) == ["max_dose_mg", "verdict"]


def test_replay_differences_notices_a_tampered_finding() -> None:
    decision, snapshot = snapshot_of(**CASES["override"])
    stored = copy.deepcopy(decision.as_dict())
    hold = next(item for item in stored["findings"] if item["rule_id"] == "sedation_hold")
    assert hold["overridden"] is True
    hold["overridden"] = False
    assert replay_differences(snapshot, stored) == ["findings"]


def test_a_newer_engine_that_decides_the_same_is_no_difference() -> None:
    """After an upgrade, the stored decision names the older engine and its wording; a replay
    that decides the same (verdict, doses, findings' rules, severities and caps) reports nothing,
    while a changed cap in a finding still shows."""
    decision, snapshot = snapshot_of(**CASES["override"])
    stored = copy.deepcopy(decision.as_dict())
    stored["engine_version"] = "0.9.0"
    for item in stored["findings"]:
        item["message"] = "worded by an older engine"
    assert replay_differences(snapshot, stored) == []
    stored["findings"] = "not a list"
    assert replay_differences(snapshot, stored) == ["findings"]
    stored = copy.deepcopy(decision.as_dict())
    stored["findings"] = [*stored["findings"], "not a finding"]
    assert replay_differences(snapshot, stored) == ["findings"]


def test_replay_differences_notices_a_tampered_snapshot() -> None:
    decision, snapshot = snapshot_of(**CASES["stable patient"])
    tampered = copy.deepcopy(snapshot)
    tampered["assessment"]["sedation_score"] = 4
    # a sedation hold: the verdict, the dose allowed and the findings change; the cap does not
    assert replay_differences(tampered, decision.as_dict()) == [
        "findings",
        "max_dose_mg",
        "verdict",
    ]


def _broken(change: Any) -> dict[str, Any]:
    _, snapshot = snapshot_of(**CASES["stable patient"])
    broken = copy.deepcopy(snapshot)
    change(broken)
    return broken


def _set(path: tuple[Any, ...], value: Any) -> Any:
    def change(data: dict[str, Any]) -> None:
        for key in path[:-1]:
            data = data[key]
        data[path[-1]] = value

    return change


def _drop(*path: Any) -> Any:
    def change(data: dict[str, Any]) -> None:
        for key in path[:-1]:
            data = data[key]
        del data[path[-1]]

    return change


MALFORMED = {
    "unknown format": (_set(("format",), 99), "snapshot.format"),
    "no format": (_drop("format"), "snapshot.format"),
    "no history": (_drop("history"), "snapshot"),
    "history is not a list": (_set(("history",), None), "snapshot"),
    "no request": (_drop("request"), "snapshot"),
    "an order without a dose": (_drop("orders", 0, "dose_max_mg"), "snapshot"),
    "now is not a date": (_set(("now",), "yesterday-ish"), "now"),
    "now is naive": (_set(("now",), "2026-06-10T13:00:00"), "now"),
    "a dose at a naive time": (_set(("history", 0, "at"), "2026-05-01T08:00:00"), "history.at"),
    "an unknown drug": (_set(("request", "drug"), "fentanyl"), "request.drug"),
    "an unknown time zone": (_set(("time_zone",), "Mars/Olympus"), "time_zone"),
    "a sedation score of 7": (
        _set(("assessment", "sedation_score"), 7),
        "assessment.sedation_score",
    ),
    "a dose that is not a number": (_set(("history", 0, "dose_mg"), "lots"), None),
    "a preset value that is not a number": (
        _set(("protocol", "values", "dam.daily_max_mg", "value"), "many"),
        None,
    ),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_malformed_snapshot_raises_context_error(case: str) -> None:
    change, field = MALFORMED[case]
    with pytest.raises(ContextError) as error:
        context_from_data(_broken(change))
    if field is not None:
        assert error.value.field == field


def test_replay_of_a_malformed_snapshot_raises_context_error() -> None:
    with pytest.raises(ContextError):
        replay({"format": 1})


def test_a_replayed_hold_is_still_a_hold() -> None:
    decision, snapshot = snapshot_of(history=daily_doses(-60, -1, "200"), alcohol="0.30")
    assert decision.verdict is Verdict.HOLD
    assert replay(snapshot).verdict is Verdict.HOLD
