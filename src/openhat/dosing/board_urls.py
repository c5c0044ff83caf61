"""The board, its refreshing fragment and the day sheet (at /dosing/)."""

from django.urls import URLPattern, path

from openhat.dosing.views import board, daysheet

urlpatterns: list[URLPattern] = [
    path("", board.board, name="board"),
    path("rows/", board.board_rows, name="board_rows"),
    path("day-sheet/", daysheet.day_sheet, name="day_sheet"),
]
