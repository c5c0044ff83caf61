"""A board row as the page shows it: where Enter takes the nurse and the hint that says so, the
photo, and the row's texts, made once here so the template only places them.

Every row is one string built with the standard library's html.escape on every value (what
Django's escape calls, without the lazy-string wrapper each call of escape or format_html goes
through): 150 rows render in a few milliseconds instead of some twenty template lookups a row.
The view marks each group's joined rows safe once.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from django.urls import NoReverseMatch, reverse

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


# One row of the board: Enter on the link opens what the hint says. Every value is escaped.
_ROW = (
    '<li class="board-row state-{group}" data-row data-patient="{patient_id}" data-code="{code}" '
    'data-group="{group}"{hidden}>'
    '<a class="row-link" href="{href}" data-key="row-{patient_id}" data-row-link>'
    '<span class="row-photo" data-photo="{patient_id}">{photo}</span>'
    '<span class="row-who"><strong class="code">{code}</strong><span class="order">{orders}</span></span>'
    '<span class="row-today"><span class="label">Today</span>{today}</span>'
    '<span class="row-next"><span class="label">Next</span>{next_text}</span>'
    '<span class="row-state">{state}</span>'
    '<kbd class="row-hint" aria-hidden="true">\u21b5 {hint}</kbd>'
    "</a>{mark}</li>"
)
# A patient due for an outcome interview (openhat.interviews): a small mark over the row's corner,
# outside the row's link, so a nurse can tell the counsellors while the patient is here.
_MARK_LINK = (
    '<a class="interview-mark" href="{href}" data-testid="interview-mark-{code}" '
    'title="Interview due: tell the counsellors">Interview due</a>'
)
_MARK_TEXT = '<span class="interview-mark" data-testid="interview-mark-{code}">Interview due</span>'
_PHOTO = '<img src="{}" alt="Photo of {}" width="56" height="70">'
_PLACEHOLDER = '<span class="photo-placeholder" aria-hidden="true"></span>'


class RowViews:
    def __init__(
        self,
        board: Board,
        *,
        can_run: bool,
        show_photos: bool,
        interview_due: frozenset[int] = frozenset(),
    ) -> None:
        self.board = board
        self.interview_due = interview_due
        self.call_url = _url("interviews:call", "__code__")
        self.can_run = can_run
        self.show_photos = show_photos
        self.session_url = _url("dosing:session")
        self.check_in_url = _url("dosing:check_in")
        self.chart_url = _url("patients:chart", "__code__")
        self.photo_url = _url("patients:photo", "__code__")

    def __call__(self, row: BoardRow) -> str:
        """The row's whole <li> as HTML with every value escaped (not yet marked safe)."""
        href, hint = self._link(row)
        code = escape(row.client_code)
        photo = _PLACEHOLDER
        if self.photo_url and self._photo(row):
            photo = _PHOTO.format(escape(self.photo_url(row.client_code)), code)
        return _ROW.format(
            group=escape(row.group),
            patient_id=int(row.patient_id),
            code=code,
            hidden="" if self.board.visible(row) else " hidden",
            href=escape(href),
            photo=photo,
            orders=_orders(row),
            today=_today(row),
            next_text=escape(row.next_due.text or "\u2014"),
            state=_state(row),
            hint=escape(hint),
            mark=self._mark(row, code),
        )

    def _mark(self, row: BoardRow, code: str) -> str:
        if row.patient_id not in self.interview_due:
            return ""
        if self.can_run and self.call_url:
            href = self.call_url(row.client_code) + "?next=/dosing/"
            return _MARK_LINK.format(href=escape(href), code=code)
        return _MARK_TEXT.format(code=code)

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


def _orders(row: BoardRow) -> str:
    if not row.orders:
        return '<span class="muted">no active order</span>'
    return "<br>".join(
        escape(order.text) + (' <span class="flag">suspended</span>' if order.suspended else "")
        for order in row.orders
    )


def _today(row: BoardRow) -> str:
    if not row.doses_today:
        return "none yet"
    return "<br>".join(
        '{} {} · <span class="nowrap">{} mg</span>'.format(
            escape(drug_short(dose.drug)),
            "1 dose" if dose.doses == 1 else f"{int(dose.doses)} doses",
            escape(mg_text(dose.mg)),
        )
        for dose in row.doses_today
    )


def _state(row: BoardRow) -> str:
    if row.group == OBSERVING and row.observe_until is not None:
        text = (
            "observation over \u2014 sign off"
            if row.observation_over
            else f"until {row.observe_until_hhmm}"
        )
        state = (
            '<span class="countdown{}" data-until="{}" data-testid="countdown" role="timer">{}'
            "</span>"
        ).format(
            " over" if row.observation_over else "",
            row.observe_until_ms,
            escape(text),
        )
    else:
        state = escape(row.state_text)
    if row.missed is not None:
        badge = escape(row.missed.text)
        state += f'<span class="flag danger" data-testid="missed-badge">{badge}</span>'
    return state
