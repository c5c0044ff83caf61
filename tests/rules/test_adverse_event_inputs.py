"""Adverse-event notes as inputs: they refuse what they cannot mean, and snapshots keep them."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from openhat.rules import (
    AdverseEventKind,
    AdverseEventNote,
    AdverseEventSeverity,
    ContextError,
    decide,
    replay,
)
from openhat.rules.snapshot import context_from_data, context_to_data
from tests.rules.builders import at, context, daily_doses, event

STABLE = daily_doses(-60, -1, "200")
OVERDOSE = event(at(-1, "09:40"), "overdose", "severe", naloxone=True)
MILD = event(at(0, "08:10"), "injection_site", "mild")


# --- validation ----------------------------------------------------------------------------------


def test_a_note_takes_the_string_values_and_keeps_its_instant_in_utc() -> None:
    note = AdverseEventNote(at(-1, "09:40"), "allergic_reaction", "life_threatening")  # type: ignore[arg-type]
    assert note.kind is AdverseEventKind.ALLERGIC_REACTION
    assert note.severity is AdverseEventSeverity.LIFE_THREATENING
    assert note.at == datetime(2026, 6, 9, 7, 40, tzinfo=UTC) and note.at.tzinfo is UTC
    assert not note.naloxone_given and not note.physician_signed_off


def test_the_enums_have_exactly_the_recorded_values() -> None:
    assert [item.value for item in AdverseEventKind] == [
        "overdose",
        "seizure",
        "allergic_reaction",
        "injection_site",
        "other",
    ]
    assert [item.value for item in AdverseEventSeverity] == [
        "mild",
        "moderate",
        "severe",
        "life_threatening",
    ]


@pytest.mark.parametrize(
    ("kind", "severity", "naloxone", "serious"),
    [
        ("overdose", "mild", False, True),
        ("seizure", "mild", False, True),
        ("allergic_reaction", "moderate", False, True),
        ("injection_site", "moderate", False, False),
        ("other", "mild", False, False),
        ("injection_site", "severe", False, True),
        ("other", "life_threatening", False, True),
        ("other", "mild", True, True),
    ],
)
def test_what_counts_as_serious(kind: str, severity: str, naloxone: bool, serious: bool) -> None:
    assert event(at(0, "08:00"), kind, severity, naloxone=naloxone).serious is serious


BAD_NOTES: dict[str, tuple[dict[str, Any], str, str]] = {
    "an unknown kind": ({"kind": "headache"}, "adverse_events.kind", "unknown adverse event kind"),
    "an unknown severity": ({"severity": "fatal"}, "adverse_events.severity", "unknown severity"),
    "a naive time": ({"at": datetime(2026, 6, 9, 9, 40)}, "adverse_events.at", "naive"),
    "a time that is no datetime": ({"at": "2026-06-09"}, "adverse_events.at", "not a datetime"),
    "naloxone as text": ({"naloxone_given": "yes"}, "adverse_events.naloxone_given", "true or"),
    "sign-off as a number": (
        {"physician_signed_off": 1},
        "adverse_events.physician_signed_off",
        "true or false",
    ),
}


@pytest.mark.parametrize("case", BAD_NOTES, ids=list(BAD_NOTES))
def test_a_bad_note_names_its_field(case: str) -> None:
    change, field, problem = BAD_NOTES[case]
    values: dict[str, Any] = {"at": at(-1, "09:40"), "kind": "overdose", "severity": "severe"}
    with pytest.raises(ContextError) as caught:
        AdverseEventNote(**{**values, **change})
    assert caught.value.field == field
    assert problem in caught.value.problem


def test_an_event_after_now_is_refused() -> None:
    with pytest.raises(ContextError) as caught:
        context(now=at(0, "13:00"), adverse_events=(event(at(0, "13:01")),))
    assert caught.value.field == "adverse_events"
    assert "after 'now'" in caught.value.problem


def test_only_notes_are_adverse_events() -> None:
    with pytest.raises(ContextError) as caught:
        context(adverse_events=({"kind": "overdose"},))  # type: ignore[arg-type]
    assert caught.value.field == "adverse_events"


def test_adverse_events_come_last_and_default_to_none() -> None:
    built = context(history=STABLE, adverse_events=[OVERDOSE])  # type: ignore[arg-type]
    assert built.adverse_events == (OVERDOSE,)
    assert context(history=STABLE).adverse_events == ()


# --- snapshots -----------------------------------------------------------------------------------


def _snapshot(**kwargs: Any) -> tuple[Any, dict[str, Any]]:
    decision = decide(context(**kwargs))
    return decision, json.loads(json.dumps(decision.snapshot()))


def test_a_snapshot_with_adverse_events_round_trips_and_replays_the_same() -> None:
    decision, snapshot = _snapshot(history=STABLE, adverse_events=(OVERDOSE, MILD))
    assert snapshot["adverse_events"][0] == {
        "at": "2026-06-09T07:40:00+00:00",
        "kind": "overdose",
        "severity": "severe",
        "naloxone_given": True,
        "physician_signed_off": False,
    }
    rebuilt = context_from_data(snapshot)
    assert rebuilt.adverse_events == (OVERDOSE, MILD)
    assert context_to_data(rebuilt) == snapshot
    assert replay(snapshot).as_dict() == decision.as_dict()


def test_a_snapshot_keeps_only_the_events_in_view_yet_replays_the_same() -> None:
    old = event(at(-10, "09:00"), "seizure")
    decision, snapshot = _snapshot(history=STABLE, adverse_events=(old, MILD))
    assert [item["kind"] for item in snapshot["adverse_events"]] == ["injection_site"]
    assert replay(snapshot).as_dict() == decision.as_dict()


def test_a_snapshot_stored_before_adverse_events_replays_with_none() -> None:
    decision, snapshot = _snapshot(history=STABLE)
    assert snapshot["adverse_events"] == []
    del snapshot["adverse_events"]
    assert context_from_data(snapshot).adverse_events == ()
    assert replay(snapshot).as_dict() == decision.as_dict()


def test_a_protocol_stored_before_the_watch_window_still_snapshots_and_replays() -> None:
    """An old snapshot's protocol has no adverse_events.watch_hours; without events it is not read."""
    decision, snapshot = _snapshot(history=STABLE)
    del snapshot["adverse_events"]
    del snapshot["protocol"]["values"]["adverse_events.watch_hours"]
    replayed = replay(snapshot)
    assert replayed.verdict is decision.verdict
    assert replayed.snapshot()["adverse_events"] == []


def _with_event(change: dict[str, Any]) -> dict[str, Any]:
    _, snapshot = _snapshot(history=STABLE, adverse_events=(OVERDOSE,))
    broken = copy.deepcopy(snapshot)
    broken["adverse_events"][0].update(change)
    return broken


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"at": "2026-06-09T09:40:00"}, "adverse_events.at"),
        ({"at": "last tuesday"}, "adverse_events.at"),
        ({"kind": "headache"}, "adverse_events.kind"),
        ({"severity": None}, "adverse_events.severity"),
        ({"naloxone_given": "no"}, "adverse_events.naloxone_given"),
        ({"at": "2026-06-11T09:40:00+00:00"}, "adverse_events"),
    ],
    ids=["naive time", "not a time", "unknown kind", "no severity", "naloxone as text", "future"],
)
def test_a_malformed_event_in_a_snapshot_names_its_field(
    change: dict[str, Any], field: str
) -> None:
    with pytest.raises(ContextError) as caught:
        context_from_data(_with_event(change))
    assert caught.value.field == field


def test_an_event_missing_a_field_in_a_snapshot_is_a_malformed_snapshot() -> None:
    broken = _with_event({})
    del broken["adverse_events"][0]["physician_signed_off"]
    with pytest.raises(ContextError) as caught:
        context_from_data(broken)
    assert caught.value.field == "snapshot"
