"""The board, its refresh fragment, the day sheet and the chart's dosing section as pages: status,
content, links, photos by role, bad input, and the access log."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from openhat.audit.models import AccessedRecord, AccessLog
from openhat.core import clock
from openhat.patients.services import upload_photo
from tests.dosing.board_history import checked_in, dosed, held, patient_on_dam, small_png, the_day


@pytest.fixture
def board_day(personas, station):
    day = the_day(personas.clinic)
    since = day.moment(6, days=3)
    due, came, watched, stopped = (patient_on_dam(personas, since=since) for _ in range(4))
    upload_photo(actor=personas["nurse"], patient=due, content=small_png())
    session = checked_in(personas, came, day.moment(9))
    given = dosed(personas, station, watched, day.moment(9, 50), signed_off=False)
    held(personas, stopped, day.moment(8))
    return day, {"due": due, "came": came, "watched": watched, "stopped": stopped}, session, given


def _get(client, day, path, hour=10, minute=0):
    with clock.backdated(day.moment(hour, minute)):
        return client.get(path)


def test_the_nurses_board(client_for, board_day):
    day, people, session, given = board_day
    response = _get(client_for("nurse"), day, "/dosing/?window=morning")
    body = response.content.decode()

    assert response.status_code == 200
    for patient in people.values():
        assert patient.client_code in body
    assert 'data-testid="group-due"' in body and 'data-testid="group-observing"' in body
    assert reverse("dosing:check_in", args=[people["due"].pk]) in body
    assert reverse("dosing:session", args=[session.pk]) in body
    assert reverse("dosing:session", args=[given.session_id]) in body
    assert f'data-until="{int(given.observe_until.timestamp() * 1000)}"' in body
    assert "↵ Check in" in body and "↵ Continue" in body
    assert reverse("patients:photo", args=[people["due"].client_code]) in body
    assert body.count("photo-placeholder") == 3
    assert 'accesskey="b"' in body and 'accesskey="h"' in body
    assert "Dose held" in body
    assert 'src="/static/dosing/board.js"' in body


def test_roles_without_identity_see_no_photo_and_cannot_check_in(client_for, board_day):
    day, people, session, _ = board_day
    body = _get(client_for("pharmacist"), day, "/dosing/").content.decode()

    assert reverse("patients:photo", args=[people["due"].client_code]) not in body
    assert body.count("photo-placeholder") == 4
    assert reverse("dosing:check_in", args=[people["due"].pk]) not in body
    assert reverse("patients:chart", args=[people["due"].client_code]) in body
    assert reverse("dosing:session", args=[session.pk]) in body


def test_the_window_switch_and_the_day(client_for, board_day):
    day, people, _, _ = board_day
    client = client_for("nurse")
    evening = _get(client, day, f"/dosing/?window=evening&day={day.day.isoformat()}")
    earlier = _get(client, day, f"/dosing/?window=morning&day={(day.day - timedelta(days=1))}")

    body = evening.content.decode()
    assert evening.status_code == 200 and "Evening 16:00-" in body  # the clinic's hours
    assert 'aria-current="page">Evening' in body
    assert people["due"].client_code in body
    assert "16:00 (evening)" not in body, "two sessions a day may come in any window: now"
    # The day before: everybody's window is over and nobody came (no check-in on a past day).
    assert 'data-testid="group-not_come"' in earlier.content.decode()
    assert reverse("dosing:check_in", args=[people["due"].pk]) not in earlier.content.decode()
    # Today after the window: who did not come may still be checked in late.
    late = _get(client, day, f"/dosing/?window=morning&day={day.day.isoformat()}", hour=11)
    assert 'data-testid="group-not_come"' in late.content.decode()
    assert reverse("dosing:check_in", args=[people["due"].pk]) in late.content.decode()


def test_search_and_group_in_the_address(client_for, board_day):
    day, people, _, _ = board_day
    code = people["stopped"].client_code
    body = _get(client_for("nurse"), day, f"/dosing/?q={code}&group=held").content.decode()

    # Every row is on the page (the keys change the filter without the server); the others are
    # hidden, like every group but the one chosen.
    hidden_rows = re.findall(r'data-code="([^"]+)" data-group="\w+" hidden', body)
    assert sorted(hidden_rows) == sorted(
        p.client_code for name, p in people.items() if name != "stopped"
    )
    assert f'data-code="{code}" data-group="held">' in body
    assert re.search(r'data-group-section="held"[^>]*>', body).group(0).count("hidden") == 0
    assert 'data-group-section="due" aria-labelledby="group-due" hidden' in body
    assert 'data-group="held"' in body and f'value="{code}"' in body
    assert 'data-testid="board-no-match" hidden' in body


def test_a_search_that_finds_nobody_says_so(client_for, board_day):
    day, _, _, _ = board_day
    body = _get(client_for("nurse"), day, "/dosing/?q=XYZ").content.decode()

    assert 'data-testid="board-no-match">' in body and "XYZ" in body


def test_an_empty_board_says_why(client_for, personas):
    body = client_for("nurse").get("/dosing/?window=morning").content.decode()

    assert 'data-testid="board-empty"' in body
    assert "Nobody is expected in the morning window" in body


@pytest.mark.parametrize("day", ["yesterday", "2026-13-40", "1999-01-01"])
def test_a_bad_day_is_explained(client_for, personas, day):
    response = client_for("nurse").get(f"/dosing/?day={day}")

    assert response.status_code == 400
    body = response.content.decode()
    assert "Give the day as YYYY-MM-DD." in body or "Choose a day within a year" in body


def test_the_refresh_fragment(client_for, board_day):
    day, people, _, given = board_day
    response = _get(client_for("nurse"), day, "/dosing/rows/?window=morning", minute=45)
    body = response.content.decode()

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "<html" not in body and 'data-testid="board-chips"' in body
    assert people["came"].client_code in body
    assert "data-server-now" in body
    # After observe_until the row asks for the sign-off.
    late = _get(client_for("nurse"), day, "/dosing/rows/?window=morning", hour=10, minute=29)
    assert "observation over — sign off" in late.content.decode()
    assert given.observe_until < day.moment(10, 29)


def test_the_day_sheet_page(client_for, board_day):
    day, people, _, _ = board_day
    before = AccessLog.objects.count()
    response = client_for("auditor").get(f"/dosing/day-sheet/?day={day.day.isoformat()}")
    body = response.content.decode()

    assert response.status_code == 200
    assert 'data-testid="day-sheet"' in body and 'data-testid="sheet-signatures"' in body
    assert people["watched"].client_code in body and people["stopped"].client_code in body
    assert people["due"].client_code not in body, "no session, not on the sheet"
    assert "Dose held" in body and "drowsy and slurring" in body
    assert "not signed off" in body
    assert 'href="/static/dosing/daysheet.css"' in body
    logged = AccessLog.objects.filter(pk__gt=0).order_by("pk")[before:]
    assert len(logged) == 3
    assert {entry.record for entry in logged} == {AccessedRecord.DOSING_RECORD}


def test_a_bad_day_sheet_day_logs_nothing(client_for, board_day):
    before = AccessLog.objects.count()
    response = client_for("nurse").get("/dosing/day-sheet/?day=31.12.2026")

    assert response.status_code == 400
    assert "Give the day as YYYY-MM-DD." in response.content.decode()
    assert AccessLog.objects.count() == before


def test_the_chart_shows_the_last_days_by_window(client_for, board_day):
    _, people, _, _ = board_day
    response = client_for("counsellor").get(
        reverse("patients:chart", args=[people["stopped"].client_code])
    )
    body = response.content.decode()

    assert response.status_code == 200
    assert 'data-testid="chart-attendance"' in body
    assert "dose held" in body
    assert 'data-testid="chart-missed-days"' in body
    assert "Not built yet" not in body


def test_the_chart_shows_adverse_events_in_the_list_and_on_their_day(
    client_for, personas, board_day
):
    from openhat.dosing.services.adverse import record_adverse_event

    day, people, _, given = board_day
    with clock.backdated(day.moment(10)):
        event = record_adverse_event(
            actor=personas["nurse"],
            patient=people["watched"],
            kind="overdose",
            severity="severe",
            outcome="recovered",
            session_id=given.session_id,
            onset_at=day.moment(9, 55).isoformat(),
            description="slow breathing after the dose",
            naloxone_given=True,
            naloxone_dose_mg="0.4",
            naloxone_route="im",
        )

    body = (
        client_for("nurse")
        .get(reverse("patients:chart", args=[people["watched"].client_code]))
        .content.decode()
    )
    quiet = (
        client_for("nurse")
        .get(reverse("patients:chart", args=[people["stopped"].client_code]))
        .content.decode()
    )

    listed = body.split('data-testid="chart-adverse-events"')[1].split("</table>")[0]
    assert f'data-testid="chart-event-{event.pk}"' in listed
    assert "Overdose / respiratory depression" in listed and "naloxone 0.40 mg" in listed
    assert "not yet signed off" in listed
    row = next(
        line
        for line in body.split("<tr")
        if day.day.strftime("%a %-d %b") in line and "chart-day-events" in line
    )
    assert "09:55 overdose / respiratory depression, naloxone" in row
    assert 'data-testid="chart-no-adverse-events"' in quiet
