"""The interview schedule, one row per situation (pure: no database)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from openhat.interviews.schedule import (
    DONE,
    DUE,
    MISSED,
    OVERDUE,
    RECORDED_MISSED,
    UPCOMING,
    Course,
    Windows,
    add_months,
    schedule,
)

START = date(2025, 1, 15)
WINDOWS = Windows()


def day(offset: int) -> date:
    return START + timedelta(days=offset)


def statuses(course: Course, today: date, recorded: dict[str, str] | None = None) -> dict[str, str]:
    return {point.code: point.status for point in schedule(course, WINDOWS, today, recorded)}


ROWS = [
    # (sentence, course, today, recorded, expected subset of {point: status})
    (
        "intake is due from 30 days before the start",
        Course(START),
        day(-30),
        {},
        {"intake": DUE, "month_3": UPCOMING},
    ),
    (
        "intake is not yet due 31 days before the start",
        Course(START),
        day(-31),
        {},
        {"intake": UPCOMING},
    ),
    ("intake is overdue the day after the start", Course(START), day(1), {}, {"intake": OVERDUE}),
    (
        "intake is still open 14 days after the start",
        Course(START),
        day(14),
        {},
        {"intake": OVERDUE},
    ),
    ("intake is missed 15 days after the start", Course(START), day(15), {}, {"intake": MISSED}),
    ("a recorded intake is done", Course(START), day(15), {"intake": DONE}, {"intake": DONE}),
    (
        "the 3-month interview opens 14 days before its day",
        Course(START),
        date(2025, 4, 1),
        {"intake": DONE},
        {"month_3": DUE, "month_6": UPCOMING},
    ),
    (
        "the 3-month interview is overdue after its day and missed 31 days after",
        Course(START),
        date(2025, 5, 16),
        {"intake": DONE},
        {"month_3": MISSED},
    ),
    (
        "the 12-month interview falls a year after the start",
        Course(START),
        date(2026, 1, 15),
        {"intake": DONE, "month_3": DONE, "month_6": RECORDED_MISSED},
        {"month_12": DUE, "month_6": RECORDED_MISSED, "month_24": UPCOMING},
    ),
    (
        "after 12 months the interviews are yearly",
        Course(START),
        date(2027, 1, 20),
        {},
        {"month_24": OVERDUE, "month_36": UPCOMING},
    ),
    (
        "an exit brings an exit interview, due from 14 days before the exit",
        Course(START, exit_on=date(2025, 8, 1)),
        date(2025, 8, 20),
        {},
        {"exit": OVERDUE, "month_6": MISSED},
    ),
    (
        "without a research consent nothing is scheduled after the exit",
        Course(START, exit_on=date(2025, 8, 1)),
        date(2026, 1, 15),
        {},
        {"intake": MISSED, "month_3": MISSED, "month_6": MISSED, "exit": MISSED},
    ),
    (
        "with a research consent the follow-ups continue after the exit",
        Course(START, exit_on=date(2025, 8, 1), research_consent=True),
        date(2026, 1, 15),
        {},
        {"exit": MISSED, "month_12": DUE},
    ),
    (
        "after a death nothing further is scheduled, not even an exit interview",
        Course(
            START, exit_on=date(2025, 8, 1), research_consent=True, deceased_on=date(2025, 8, 1)
        ),
        date(2026, 1, 15),
        {},
        {"intake": MISSED, "month_3": MISSED, "month_6": MISSED},
    ),
]


@pytest.mark.parametrize(
    ("sentence", "course", "today", "recorded", "expected"), ROWS, ids=[row[0] for row in ROWS]
)
def test_schedule(
    sentence: str, course: Course, today: date, recorded: dict[str, str], expected: dict[str, str]
) -> None:
    found = statuses(course, today, recorded)
    assert {code: found.get(code) for code in expected} == expected, found
    if sentence.startswith(("without a research consent", "after a death")):
        assert set(found) == set(expected)


def test_a_month_without_the_day_ends_on_its_last_day() -> None:
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert add_months(date(2023, 11, 30), 3) == date(2024, 2, 29)


def test_a_clinic_may_set_narrower_windows() -> None:
    narrow = Windows(follow_up_opens_before=3, follow_up_closes_after=7)
    points = {p.code: p for p in schedule(Course(START), narrow, date(2025, 4, 10))}
    assert (points["month_3"].opens, points["month_3"].closes) == (
        date(2025, 4, 12),
        date(2025, 4, 22),
    )
    assert points["month_3"].status == UPCOMING
