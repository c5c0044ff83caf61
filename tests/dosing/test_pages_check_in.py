"""The check-in screen on PostgreSQL: the photo (for roles that see identity), the order, the
window; the identity tick is needed; a double submit opens one session; an open session or a
patient who is not enrolled gets a clear message and nothing is written."""

from __future__ import annotations

from typing import Any

import pytest

from openhat.core import clock
from openhat.dosing.models import DosingSession, SessionState
from openhat.patients.models import Patient
from openhat.patients.services import upload_photo
from tests.conftest import PASSWORD, Personas
from tests.dosing.test_pages_helpers import key_on, session_url, small_png, text
from tests.dosing.test_windows import at
from tests.prescribing.conftest import totp_code

pytestmark = pytest.mark.django_db


def check_in_url(patient: Patient) -> str:
    return f"/dosing/sessions/check-in/{patient.pk}/"


def test_the_check_in_screen_shows_the_photo_the_order_and_the_window(
    client_for: Any, personas: Personas, station: Any
) -> None:
    upload_photo(actor=personas["nurse"], patient=station.patient, content=small_png())

    page = text(client_for("nurse").get(check_in_url(station.patient)))

    assert f'src="/patients/{station.patient.client_code}/photo"' in page
    assert station.patient.client_code in page
    assert "DAM IV" in page and "150\N{EN DASH}200 mg" in page
    assert "I have compared this person with the photo" in page
    assert 'name="identity_confirmed"' in page and "autofocus" in page
    assert "(open now" in page and 'data-testid="window-line"' in page
    assert 'name="window"' not in page and key_on(page).startswith("check-in-")


def test_without_a_photo_the_screen_says_to_check_identity_another_way(
    client_for: Any, station: Any
) -> None:
    page = text(client_for("nurse").get(check_in_url(station.patient)))

    assert "No photo on file" in page and "/photo" not in page


def test_checking_in_without_the_identity_tick_is_refused_beside_the_tick(
    client_for: Any, station: Any
) -> None:
    response = client_for("nurse").post(
        check_in_url(station.patient),
        {"idempotency_key": "test-check-in-0001", "window": "morning"},
    )

    assert response.status_code == 400
    page = text(response)
    assert "Confirm the person is the patient in the photo" in page
    assert "has-error" in page.split('name="identity_confirmed"')[0][-400:]
    assert not DosingSession.objects.exists()


def test_checking_in_opens_the_session_and_a_double_submit_opens_one(
    client_for: Any, personas: Personas, station: Any
) -> None:
    client = client_for("nurse")
    data = {
        "idempotency_key": "test-check-in-0002",
        "window": "evening",
        "identity_confirmed": "on",
    }

    with clock.backdated(at(personas, 12, 0)):
        first = client.post(check_in_url(station.patient), data)
        second = client.post(check_in_url(station.patient), data)

    session = DosingSession.objects.get()
    # The window is the clock's: a window sent with the form is not read.
    assert session.state == SessionState.CHECKED_IN and session.window == "midday"
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == session_url(session)
    screen = text(client.get(session_url(session)))
    assert "Pre-dose assessment" in screen and "Awake and alert" in screen


def test_a_second_check_in_while_a_session_is_open_is_refused(
    client_for: Any, station: Any
) -> None:
    client = client_for("nurse")
    client.post(
        check_in_url(station.patient),
        {"idempotency_key": "test-check-in-0003", "window": "morning", "identity_confirmed": "on"},
    )

    page = text(client.get(check_in_url(station.patient)))
    response = client.post(
        check_in_url(station.patient),
        {"idempotency_key": "test-check-in-0004", "window": "morning", "identity_confirmed": "on"},
    )

    assert "Continue that session" in page
    assert response.status_code == 400 and "already has an open session" in text(response)
    assert DosingSession.objects.count() == 1


def test_a_patient_who_is_not_enrolled_cannot_be_checked_in(
    client_for: Any, patient: Patient
) -> None:
    response = client_for("nurse").post(
        check_in_url(patient),
        {"idempotency_key": "test-check-in-0005", "window": "morning", "identity_confirmed": "on"},
    )

    assert response.status_code == 400 and "not enrolled" in text(response)
    assert not DosingSession.objects.exists()


def test_a_check_in_outside_the_windows_is_refused_and_a_physician_is_offered(
    client_for: Any, personas: Personas, usual_windows: Any, station: Any
) -> None:
    client = client_for("nurse")
    data = {"idempotency_key": "test-check-in-0006", "identity_confirmed": "on"}
    with clock.backdated(at(personas, 22, 59)):
        shown = text(client.get(check_in_url(station.patient)))
        response = client.post(check_in_url(station.patient), data)

    assert "No dosing window is open now (22:59)" in shown
    assert 'data-testid="out-of-window-link"' in shown
    assert response.status_code == 400
    assert "no dosing window is open" in text(response)
    assert not DosingSession.objects.exists()


def test_a_physician_opens_the_session_on_the_nurses_screen(
    client_for: Any, personas: Personas, usual_windows: Any, station: Any
) -> None:
    client = client_for("nurse")
    data = {
        "idempotency_key": "test-out-of-window-1",
        "identity_confirmed": "on",
        "window": "evening",
        "reason": "Came straight from hospital; evening dose late, reviewed.",
        "physician_username": "physician_zrh",
        "physician_password": PASSWORD,
        "totp_code": totp_code(personas["physician"]),
    }
    url = check_in_url(station.patient) + "out-of-window/"
    with clock.backdated(at(personas, 22, 59)):
        refused = client.post(url, {**data, "physician_password": "wrong"})
        assert refused.status_code == 400 and not DosingSession.objects.exists()
        response = client.post(url, {**data, "idempotency_key": "test-out-of-window-2"})

    session = DosingSession.objects.get()
    assert response.status_code == 302 and response["Location"] == session_url(session)
    assert session.out_of_window_by == personas["physician"] and session.window == "evening"


@pytest.mark.parametrize(("role", "status"), [("counsellor", 403), ("physician", 403)])
def test_only_nurses_check_in(client_for: Any, station: Any, role: str, status: int) -> None:
    assert client_for(role).get(check_in_url(station.patient)).status_code == status


def test_another_clinics_patient_is_not_found(client_for: Any, other_patient: Patient) -> None:
    response = client_for("nurse").get(check_in_url(other_patient))

    assert response.status_code == 404 and other_patient.client_code not in text(response)
