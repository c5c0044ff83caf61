"""The board's rows are built as HTML strings in Python (views/board_rows.py), not by the template:
every value must still be escaped, and the row must carry what the board's script and the
browser tests read (data attributes, hidden, the photo only for roles that may see it)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser

from openhat.clinics.models import Clinic
from openhat.dosing.services.board import Board, BoardRow
from openhat.dosing.services.board_orders import OrderSummary
from openhat.dosing.services.board_rows import DrugToday
from openhat.dosing.services.missed import Break
from openhat.dosing.services.next_due import NextDue
from openhat.dosing.views.board_rows import RowViews

HOSTILE = '<script>alert("x")</script>&'
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    return collector


def _order() -> OrderSummary:
    return OrderSummary(
        line_id=7,
        drug="dam",
        routes=("iv",),
        dose_min_mg=Decimal(100),
        dose_max_mg=Decimal(150),
        sessions_per_day=3,
        daily_max_mg=Decimal(450),
        windows=frozenset(),
        suspended=True,
        started_at=NOW - timedelta(days=40),
    )


def _row(**changes: object) -> BoardRow:
    values: dict[str, object] = {
        "patient_id": 41,
        "client_code": "ZRH-0041",
        "group": "observing",
        "orders": (_order(),),
        "doses_today": (DrugToday("dam", 2, Decimal("250")),),
        "next_due": NextDue("after_sign_off", "after sign-off"),
        "state_text": "in observation",
        "session_id": 9001,
        "observe_until": NOW + timedelta(minutes=12),
        "observe_until_hhmm": "10:42",
        "missed": Break(3),
        "has_photo": True,
    }
    values.update(changes)
    return BoardRow(**values)  # type: ignore[arg-type]


def _board(row: BoardRow, query: str = "", group: str = "") -> Board:
    return Board(
        clinic=Clinic(code="ZRH", name="Zurich", time_zone="Europe/Zurich"),
        day=date(2026, 3, 2),
        window="morning",
        now=NOW,
        window_start=NOW - timedelta(hours=2),
        window_end=NOW + timedelta(hours=1),
        rows=(row,),
        query=query,
        group=group,
    )


def test_every_value_of_a_row_is_escaped() -> None:
    row = _row(
        client_code=HOSTILE,
        group="checked_in",
        state_text=HOSTILE,
        next_due=NextDue("later", HOSTILE),
        observe_until=None,
    )
    html = RowViews(_board(row), can_run=True, show_photos=True)(row)
    assert "<script>" not in html
    assert html.count("&lt;script&gt;") >= 4  # data-code, the photo's alt, the code, state, next
    parsed = _parse(html)
    assert next(attrs for tag, attrs in parsed.tags if tag == "li")["data-code"] == HOSTILE
    assert HOSTILE in parsed.text


def test_a_row_carries_what_the_board_script_and_the_nurse_need() -> None:
    row = _row()
    html = RowViews(_board(row), can_run=True, show_photos=True)(row)
    parsed = _parse(html)
    tags = dict((tag, attrs) for tag, attrs in parsed.tags)
    item = tags["li"]
    assert item["data-patient"] == "41" and item["data-group"] == "observing"
    assert "hidden" not in item
    assert (tags["a"]["href"] or "").endswith("/9001/")
    assert tags["img"]["alt"] == "Photo of ZRH-0041"
    countdown = next(attrs for _, attrs in parsed.tags if attrs.get("data-testid") == "countdown")
    assert countdown["data-until"] == str(int((NOW + timedelta(minutes=12)).timestamp() * 1000))
    text = "".join(parsed.text)
    assert "until 10:42" in text and "missed 3 days" in text
    assert "suspended" in text and "2 doses" in text and "250 mg" in text
    assert "\N{DOWNWARDS ARROW WITH CORNER LEFTWARDS} Open" in text


def test_a_row_is_hidden_when_the_search_does_not_match_and_shows_no_photo_to_others() -> None:
    row = _row()
    html = RowViews(_board(row, query="VAN"), can_run=False, show_photos=False)(row)
    parsed = _parse(html)
    item = next(attrs for tag, attrs in parsed.tags if tag == "li")
    assert "hidden" in item
    assert not any(tag == "img" for tag, _ in parsed.tags)
    assert any(attrs.get("class") == "photo-placeholder" for _, attrs in parsed.tags)


def test_a_patient_not_yet_come_is_checked_in_from_the_row_by_a_nurse_only() -> None:
    row = _row(group="due", session_id=None, observe_until=None, missed=None)
    nurse = _parse(RowViews(_board(row), can_run=True, show_photos=False)(row))
    reader = _parse(RowViews(_board(row), can_run=False, show_photos=False)(row))
    nurse_link = next(attrs for tag, attrs in nurse.tags if tag == "a")["href"] or ""
    reader_link = next(attrs for tag, attrs in reader.tags if tag == "a")["href"] or ""
    assert "check-in" in nurse_link or "check_in" in nurse_link
    assert "Check in" in "".join(nurse.text)
    assert "Chart" in "".join(reader.text) and "ZRH-0041" in reader_link
