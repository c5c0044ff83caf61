"""The board reads a fixed number of queries, whatever the number of patients (no per-patient
query): a 150-patient clinic must render within the issue's budget (measured by the benchmark)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from openhat.core import clock
from openhat.dosing.services.board import build_board
from openhat.patients.services import upload_photo
from tests.dosing.board_history import checked_in, dosed, held, patient_on_dam, small_png, the_day


def _add_patients(personas, station, day, count, start):
    """Patients in every state: due, checked in, in observation, done, held, with a photo."""
    for index in range(start, start + count):
        patient = patient_on_dam(personas, since=day.moment(6, days=3))
        kind = index % 5
        if kind == 1:
            checked_in(personas, patient, day.moment(9))
        elif kind == 2:
            dosed(personas, station, patient, day.moment(9, 50), signed_off=False)
        elif kind == 3:
            dosed(personas, station, patient, day.moment(8, 0, days=1))
            dosed(personas, station, patient, day.moment(7, 30))
        elif kind == 4:
            held(personas, patient, day.moment(8))
        if index % 2 == 0:
            upload_photo(actor=personas["nurse"], patient=patient, content=small_png())


def _count(personas, day):
    with CaptureQueriesContext(connection) as captured:
        board = build_board(
            personas.clinic, day=day.day, window="morning", now=day.moment(10), with_photos=True
        )
    return len(board.rows), len(captured.captured_queries)


def _page(client, day):
    with clock.backdated(day.moment(10)), CaptureQueriesContext(connection) as captured:
        response = client.get("/dosing/?window=morning")
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_board_query_count_does_not_grow_with_the_patients(personas, station, client_for):
    day = the_day(personas.clinic)
    nurse = client_for("nurse")
    _add_patients(personas, station, day, 3, 0)
    build_board(personas.clinic, day=day.day, window="morning", now=day.moment(10))  # warm up
    rows_3, queries_3 = _count(personas, day)
    page_3 = _page(nurse, day)

    _add_patients(personas, station, day, 9, 3)
    rows_12, queries_12 = _count(personas, day)
    page_12 = _page(nurse, day)

    assert (rows_3, rows_12) == (3, 12)
    assert queries_12 == queries_3 <= 4
    assert page_12 == page_3
