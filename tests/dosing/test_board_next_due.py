"""The board's "next due" words for every case, on plain values (no database)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from openhat.dosing.services.missed import Break, current_break
from openhat.dosing.services.next_due import DueInputs, next_due

ZONE = ZoneInfo("Europe/Zurich")
DAY = date(2026, 3, 10)
BOUNDS = {
    "morning": (datetime.combine(DAY, time(7), ZONE), datetime.combine(DAY, time(10, 30), ZONE)),
    "midday": (
        datetime.combine(DAY, time(11, 30), ZONE),
        datetime.combine(DAY, time(14, 30), ZONE),
    ),
    "evening": (datetime.combine(DAY, time(16), ZONE), datetime.combine(DAY, time(20), ZONE)),
}


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(DAY, time(hour, minute), ZONE)


def inputs(now: datetime, **changes: object) -> DueInputs:
    values: dict[str, object] = {
        "now": now,
        "zone": ZONE,
        "window_bounds": BOUNDS,
        "order_windows": frozenset(),
        "sessions_allowed": 3,
        "sessions_today": 0,
        "last_dose_at": None,
        "min_interval": timedelta(minutes=180),
        "open_state": None,
        "observe_until": None,
    }
    values.update(changes)
    return DueInputs(**values)  # type: ignore[arg-type]


CASES = [
    ("no dose yet, a window open", inputs(at(8)), "now", "now"),
    ("before the first window opens", inputs(at(6, 15)), "later", "07:00 (morning)"),
    ("between windows", inputs(at(10, 45)), "later", "11:30 (midday)"),
    (
        "interval after a dose, within the window",
        inputs(at(12), sessions_today=1, last_dose_at=at(10)),
        "later",
        "13:00",
    ),
    (
        "interval ends after the window: the next window",
        inputs(at(12), sessions_today=1, last_dose_at=at(12)),
        "later",
        "16:00 (evening)",
    ),
    (
        "interval passed",
        inputs(at(12), sessions_today=1, last_dose_at=at(8)),
        "now",
        "now",
    ),
    (
        "all the day's sessions given",
        inputs(at(12), sessions_today=3, last_dose_at=at(11, 40)),
        "done_today",
        "not today: all 3 given",
    ),
    (
        "the order allows two",
        inputs(at(12), sessions_today=2, sessions_allowed=2, last_dose_at=at(11, 40)),
        "done_today",
        "not today: all 2 given",
    ),
    (
        "in observation",
        inputs(at(12), open_state="observing", observe_until=at(12, 15)),
        "after_observation",
        "after observation",
    ),
    (
        "observation over, not signed off",
        inputs(at(12, 20), open_state="observing", observe_until=at(12, 15)),
        "after_sign_off",
        "after the observation sign-off",
    ),
    ("checked in", inputs(at(12), open_state="checked_in"), "in_session", "in session now"),
    ("dose drawn", inputs(at(12), open_state="prepared"), "in_session", "in session now"),
    (
        "an evening-only order in the morning",
        inputs(at(8), order_windows=frozenset({"evening"})),
        "later",
        "16:00 (evening)",
    ),
    ("after the last window", inputs(at(20, 30)), "tomorrow", "tomorrow"),
    (
        "the interval runs past the last window",
        inputs(at(19), sessions_today=1, last_dose_at=at(18)),
        "tomorrow",
        "tomorrow",
    ),
]


@pytest.mark.parametrize(
    ("given", "kind", "text"),
    [pytest.param(case[1], case[2], case[3], id=case[0]) for case in CASES],
)
def test_next_due(given: DueInputs, kind: str, text: str) -> None:
    due = next_due(given)

    assert (due.kind, due.text) == (kind, text)


def test_a_later_time_is_the_moment_itself() -> None:
    due = next_due(inputs(at(12), sessions_today=1, last_dose_at=at(10, 7)))

    assert due.at == at(13, 7) and due.text == "13:07"


@pytest.mark.parametrize(
    ("last", "started", "expected"),
    [
        (DAY - timedelta(days=1), DAY - timedelta(days=30), None),
        (DAY - timedelta(days=4), DAY - timedelta(days=30), Break(3)),
        (DAY - timedelta(days=4), DAY - timedelta(days=2), Break(2)),  # counted from the order
        (None, DAY - timedelta(days=30), Break(14, at_least=True)),
        (None, DAY - timedelta(days=5), Break(5)),
        (None, DAY, None),  # the order starts today
    ],
)
def test_the_current_break(last: date | None, started: date, expected: Break | None) -> None:
    assert current_break(DAY, last, started) == expected


def test_break_texts() -> None:
    assert Break(1).text == "missed 1 day"
    assert Break(3).text == "missed 3 days"
    assert Break(14, at_least=True).text == "missed 14+ days"
