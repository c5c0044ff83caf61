"""The board's query on real PostgreSQL: every group, the countdown's data, the window switch,
search and group filter, photos, doses today, next due and the missed-days badge."""

from __future__ import annotations

from datetime import timedelta

import pytest

from openhat.dosing.services.board import build_board
from openhat.patients.services import upload_photo
from tests.dosing.board_history import (
    checked_in,
    dosed,
    held,
    patient_on_dam,
    small_png,
    the_day,
)


@pytest.fixture
def morning(personas, station):
    """On the day: A is due, B checked in at 09:00, C dosed at 09:50 and in observation, D dosed
    and signed off at 07:30, E held at 08:00; F's order covers the evening only; G came the day
    before and had both of the day's sessions; H was last dosed four days before the day."""
    day = the_day(personas.clinic)
    since = day.moment(7, days=10)
    people = {name: patient_on_dam(personas, since=since) for name in "ABCDEGH"}
    people["F"] = patient_on_dam(personas, since=since, windows=["evening"])
    checked_in(personas, people["B"], day.moment(9, 0))
    people["C_given"] = dosed(personas, station, people["C"], day.moment(9, 50), signed_off=False)
    people["D_given"] = dosed(personas, station, people["D"], day.moment(7, 30))
    held(personas, people["E"], day.moment(8, 0))
    dosed(personas, station, people["G"], day.moment(8, 0, days=1))
    dosed(personas, station, people["G"], day.moment(7, 10))
    dosed(personas, station, people["G"], day.moment(8, 40))
    dosed(personas, station, people["H"], day.moment(8, 0, days=5))
    dosed(personas, station, people["H"], day.moment(8, 0, days=4))
    return day, people


def _board(personas, day, hour, minute=0, window="morning", **options):
    return build_board(
        personas.clinic, day=day.day, window=window, now=day.moment(hour, minute), **options
    )


def _rows(board):
    return {row.client_code: row for row in board.rows}


def test_each_patient_is_in_their_group(personas, morning):
    day, people = morning
    rows = _rows(_board(personas, day, 10))

    def group(name):
        return rows[people[name].client_code].group

    assert group("A") == "due" and group("H") == "due"
    assert group("B") == "checked_in"
    assert group("C") == "observing"
    assert group("D") == "done" and group("G") == "done"
    assert group("E") == "held"
    assert people["F"].client_code not in rows, "an evening-only order is not in the morning"
    assert rows[people["E"].client_code].state_text == "Dose held"
    assert rows[people["B"].client_code].state_text.startswith("Assessed · in since 09:00")
    assert rows[people["D"].client_code].state_text.startswith("signed off 07:")


def test_when_the_window_is_over_who_did_not_come_is_not_come(personas, morning):
    day, people = morning
    board = _board(personas, day, 11)
    rows = _rows(board)

    assert board.window_over
    assert rows[people["A"].client_code].group == "not_come"
    assert rows[people["H"].client_code].group == "not_come"
    # The ones who came keep their group after the window.
    assert rows[people["B"].client_code].group == "checked_in"
    assert rows[people["E"].client_code].group == "held"
    assert board.counts["not_come"] == 2


def test_the_observation_countdown_runs_to_observe_until(personas, morning):
    day, people = morning
    given = people["C_given"]
    during = _rows(_board(personas, day, 10))[people["C"].client_code]
    after = _rows(_board(personas, day, 11))[people["C"].client_code]

    assert during.observe_until == given.observe_until > day.moment(10)
    assert during.observe_until_ms == int(given.observe_until.timestamp() * 1000)
    assert not during.observation_over and after.observation_over
    assert during.session_id == given.session_id
    # Only a patient in observation has a countdown.
    assert all(
        row.observe_until is None
        for row in _board(personas, day, 10).rows
        if row.group != "observing"
    )


def test_next_due_says_when_each_patient_may_come(personas, morning):
    day, people = morning
    rows = _rows(_board(personas, day, 10))

    def due(name):
        return rows[people[name].client_code].next_due.text

    assert due("A") == "now"
    assert due("B") == "in session now"
    assert due("C") == "after observation"
    assert due("D") == "now", "one of two sessions given, the 30 min interval passed"
    assert due("E") == "now", "a held session gave no dose"
    assert due("G") == "not today: all 2 given"
    evening = _rows(_board(personas, day, 10, window="evening"))
    assert evening[people["F"].client_code].next_due.text == "16:00 (evening)"
    assert evening[people["F"].client_code].group == "due"


def test_next_due_waits_for_the_interval_after_a_dose(personas, morning):
    day, people = morning
    signed = people["D_given"].administered_at
    just_after = build_board(
        personas.clinic, day=day.day, window="morning", now=signed + timedelta(minutes=25)
    )
    row = _rows(just_after)[people["D"].client_code]

    assert row.next_due.kind == "later"
    assert row.next_due.at == signed + timedelta(minutes=30)
    local = row.next_due.at.astimezone(personas.clinic.zone)
    assert row.next_due.text == f"{local:%H:%M}"


def test_doses_today_count_and_mg(personas, morning):
    day, people = morning
    rows = _rows(_board(personas, day, 10))
    g = rows[people["G"].client_code]

    assert [dose.text for dose in rows[people["D"].client_code].doses_today] == [
        "DAM 1 dose · 15 mg"
    ]
    assert len(g.doses_today) == 1 and g.doses_today[0].doses == 2
    assert g.doses_today[0].text.startswith("DAM 2 doses · ")
    assert rows[people["A"].client_code].doses_today == ()
    assert rows[people["E"].client_code].doses_today == ()


def test_the_order_summary_reads_drug_route_range_and_sessions(personas, morning):
    day, people = morning
    row = _rows(_board(personas, day, 10))[people["A"].client_code]
    evening = _rows(_board(personas, day, 10, window="evening"))[people["F"].client_code]

    assert [order.text for order in row.orders] == ["DAM IV 150-200 mg · 2/day"]
    assert [order.text for order in evening.orders] == ["DAM IV 150-200 mg · 2/day · evening"]


def test_a_patient_back_after_days_away_carries_a_missed_badge(personas, morning):
    day, people = morning
    rows = _rows(_board(personas, day, 10))

    assert rows[people["H"].client_code].missed.text == "missed 3 days"
    assert rows[people["G"].client_code].missed is None, "dosed the day before"
    # A and D had no dose in the ten days of their orders before the day (D came on the day).
    assert rows[people["A"].client_code].missed.text == "missed 10 days"
    assert rows[people["D"].client_code].missed.text == "missed 10 days"
    far = build_board(
        personas.clinic, day=day.day + timedelta(days=10), window="morning", now=day.moment(10)
    )
    assert _rows(far)[people["A"].client_code].missed.text == "missed 14+ days"


def test_search_and_group_filter(personas, morning):
    day, people = morning
    code = people["C"].client_code

    found = _board(personas, day, 10, query=code.lower())
    held_only = _board(personas, day, 10, group="held")
    unknown = _board(personas, day, 10, group="nonsense")

    # Search and group hide rows; the board keeps them so the page can change its mind.
    assert [row.client_code for row in found.rows if found.visible(row)] == [code]
    assert len(found.rows) == len(unknown.rows) == 7
    assert found.counts["observing"] == 1 and found.counts["due"] == 0 and found.matching == 1
    assert [row.client_code for row in held_only.rows if held_only.visible(row)] == [
        people["E"].client_code
    ]
    assert [group.key for group in held_only.groups if group.shown] == ["held"]
    assert held_only.counts["due"] == 2, "the chips count every group"
    assert unknown.group == "" and all(group.shown for group in unknown.groups)
    nobody = _board(personas, day, 10, query="NO-SUCH")
    assert nobody.matching == 0 and not any(nobody.visible(row) for row in nobody.rows)


def test_photos_only_when_asked_for(personas, morning):
    day, people = morning
    upload_photo(actor=personas["nurse"], patient=people["A"], content=small_png())

    with_photos = _rows(_board(personas, day, 10, with_photos=True))
    without = _rows(_board(personas, day, 10))

    assert with_photos[people["A"].client_code].has_photo
    assert not with_photos[people["B"].client_code].has_photo
    assert not any(row.has_photo for row in without.values())


def test_rows_are_ordered_by_group_then_time(personas, morning):
    day, _ = morning
    board = _board(personas, day, 10)
    order = [row.group for row in board.rows]

    assert order == sorted(order, key=["due", "checked_in", "observing", "done", "held"].index)


def test_an_empty_window_and_a_day_without_orders(personas, station):
    day = the_day(personas.clinic)
    board = _board(personas, day, 10)

    # The station's patient's order starts after the day: nobody is expected.
    assert board.rows == () and all(count == 0 for count in board.counts.values())
