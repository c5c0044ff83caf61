"""A board row as the page shows it: where Enter takes the nurse and the hint that says so, the
photo, and the row's texts, made once here so the template only places them (150 rows render in
a few milliseconds). Every text is escaped by format_html."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from openhat.dosing.services.board import CHECKED_IN, DUE, NOT_COME, OBSERVING, Board, BoardRow
from openhat.dosing.services.board_orders import drug_short, mg_text

_SENTINEL = "9999999999"


def _url(name: str, sentinel: str = _SENTINEL) -> Callable[[object], str] | None:
    """A fast reverse for many rows: reversed once, then the argument substituted."""
    try:
        pattern = reverse(name, args=[sentinel])
    except NoReverseMatch:  # the session screens are not mounted in this build
        return None
    return lambda value: pattern.replace(sentinel, str(value), 1)


@dataclass(frozen=True)
class RowView:
    patient_id: int
    code: str
    group: str
    href: str
    hint: str  # what Enter does on the row
    hidden: bool  # not matching the search or the chosen group
    photo_url: str  # "" for a neutral placeholder
    orders: SafeString
    today: SafeString
    next_text: str
    state: SafeString


class RowViews:
    def __init__(self, board: Board, *, can_run: bool, show_photos: bool) -> None:
        self.board = board
        self.can_run = can_run
        self.show_photos = show_photos
        self.session_url = _url("dosing:session")
        self.check_in_url = _url("dosing:check_in")
        self.chart_url = _url("patients:chart", "__code__")
        self.photo_url = _url("patients:photo", "__code__")

    def __call__(self, row: BoardRow) -> RowView:
        href, hint = self._link(row)
        photo = self.photo_url(row.client_code) if self.photo_url and self._photo(row) else ""
        return RowView(
            patient_id=row.patient_id,
            code=row.client_code,
            group=row.group,
            href=href,
            hint=hint,
            hidden=not self.board.visible(row),
            photo_url=photo,
            orders=_orders(row),
            today=_today(row),
            next_text=row.next_due.text or "—",
            state=_state(row),
        )

    def _photo(self, row: BoardRow) -> bool:
        return self.show_photos and row.has_photo

    def _link(self, row: BoardRow) -> tuple[str, str]:
        if row.session_id is not None and self.session_url:
            href = self.session_url(row.session_id)
            if row.group == OBSERVING:
                return href, "Sign off" if row.observation_over else "Open"
            return href, "Continue" if row.group == CHECKED_IN and self.can_run else "Open"
        # A patient who has not come may still arrive late: the nurse checks them in.
        if (
            row.group in (DUE, NOT_COME)
            and self.can_run
            and self.board.is_today
            and row.session_id is None
            and self.check_in_url
        ):
            return self.check_in_url(row.patient_id), "Check in"
        assert self.chart_url is not None  # the patients app is always mounted
        return self.chart_url(row.client_code), "Chart"


def _orders(row: BoardRow) -> SafeString:
    if not row.orders:
        return mark_safe('<span class="muted">no active order</span>')
    return format_html_join(
        mark_safe("<br>"),
        "{}{}",
        (
            (
                order.text,
                mark_safe(' <span class="flag">suspended</span>') if order.suspended else "",
            )
            for order in row.orders
        ),
    )


def _today(row: BoardRow) -> SafeString:
    if not row.doses_today:
        return mark_safe("none yet")
    return format_html_join(
        mark_safe("<br>"),
        '{} {} · <span class="nowrap">{} mg</span>',
        (
            (
                drug_short(dose.drug),
                "1 dose" if dose.doses == 1 else f"{dose.doses} doses",
                mg_text(dose.mg),
            )
            for dose in row.doses_today
        ),
    )


def _state(row: BoardRow) -> SafeString:
    if row.group == OBSERVING and row.observe_until is not None:
        text = (
            "observation over — sign off"
            if row.observation_over
            else f"until {row.observe_until_hhmm}"
        )
        state = format_html(
            '<span class="countdown{}" data-until="{}" data-testid="countdown" role="timer">{}</span>',
            " over" if row.observation_over else "",
            row.observe_until_ms,
            text,
        )
    else:
        state = format_html("{}", row.state_text)
    if row.missed is not None:
        state = format_html(
            '{}<span class="flag danger" data-testid="missed-badge">{}</span>',
            state,
            row.missed.text,
        )
    return state
