"""Physician overrides on PostgreSQL: at the station the physician signs in on the nurse's screen
(username, password, authenticator code); from their own device a signed-in physician sees today's
sessions waiting and enters only the code. The new decision marks what was lifted, by whom, why."""

from __future__ import annotations

from typing import Any

import pytest

from openhat.dosing.models import SessionDecision, SessionOverride
from openhat.dosing.services.exceptions import end_without_dose
from tests.conftest import PASSWORD, Personas
from tests.dosing.factories import counts, decided, open_session
from tests.dosing.test_pages_helpers import field_error, key_on, session_url, step_url, text
from tests.prescribing.conftest import totp_code

pytestmark = pytest.mark.django_db
REASON = "known patient, drowsy from a sleepless night; reviewed in person"


def station_data(personas: Personas, decision: SessionDecision, **changes: Any) -> dict[str, Any]:
    data = {
        "idempotency_key": f"test-override-{decision.pk}-01",
        "decision_id": str(decision.pk),
        "physician_username": "physician_zrh",
        "physician_password": PASSWORD,
        "totp_code": totp_code(personas["physician"]),
        "rule_ids": ["sedation_hold"],
        "allowed_dose_mg": "15",
        "reason": REASON,
    }
    data.update(changes)
    return data


def test_the_station_override_lifts_the_hold_and_the_decision_says_who_and_why(
    client_for: Any, personas: Personas, station: Any
) -> None:
    session, decision = decided(personas, station.patient, sedation_score=4)
    client = client_for("nurse")
    page = text(client.get(step_url(session, "override")))
    assert "Physician's username" in page and "Physician's authenticator code" in page
    assert 'value="sedation_hold"' in page and key_on(page).startswith("override-")

    response = client.post(step_url(session, "override"), station_data(personas, decision))

    assert response.status_code == 302 and response["Location"] == session_url(session)
    override = SessionOverride.objects.get()
    assert override.physician == personas["physician"] and override.via == "station"
    new = SessionDecision.objects.latest("at", "pk")
    assert new.pk != decision.pk and new.verdict in ("dose", "dose_reduced")
    screen = text(client.get(session_url(session)))
    assert f"overridden by Dr physician_zrh: {REASON}" in screen
    assert 'data-testid="lifted-sedation_hold"' in screen and "Prepare the dose" in screen


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"physician_password": "wrong"}, "physician_password", "username or password is wrong"),
        ({"physician_password": ""}, "physician_username", "their own username and password"),
        (
            {"physician_username": "nurse_zrh"},
            "physician_username",
            "Only a physician of this clinic may override",
        ),
        ({"totp_code": "000000"}, "totp_code", "That code is not valid"),
        ({"totp_code": ""}, "totp_code", "6-digit code"),
        ({"reason": "ok"}, "reason", "clinical reason"),
        ({"rule_ids": []}, "rule_ids", "Choose the finding"),
        ({"rule_ids": ["no_valid_order"]}, "rule_ids", "has no finding no_valid_order"),
        ({"allowed_dose_mg": ""}, "allowed_dose_mg", "largest dose the override allows"),
        ({"allowed_dose_mg": "16"}, "allowed_dose_mg", "which no override can raise"),
    ],
)
def test_a_bad_station_override_is_explained_and_nothing_is_lifted(
    client_for: Any,
    personas: Personas,
    station: Any,
    changes: dict,
    field: str,
    message: str,
) -> None:
    session, decision = decided(personas, station.patient, sedation_score=4)
    client = client_for("nurse")
    data = station_data(personas, decision, **changes)
    before = counts()

    response = client.post(step_url(session, "override"), data)

    assert response.status_code == 400
    assert message in field_error(text(response), field)
    after = counts()
    after.pop("AuditEvent"), before.pop("AuditEvent")  # a failed sign-in is audited
    assert after == before


def test_a_stale_override_form_is_refused(
    client_for: Any, personas: Personas, station: Any
) -> None:
    session, decision = decided(personas, station.patient, sedation_score=4)
    client = client_for("nurse")
    client.post(step_url(session, "override"), station_data(personas, decision))

    again = client.post(
        step_url(session, "override"),
        station_data(personas, decision, idempotency_key="test-override-second-01"),
    )

    assert again.status_code == 400 and "not the latest for the session" in text(again)
    assert SessionOverride.objects.count() == 1


def test_nothing_to_override_before_a_decision(
    client_for: Any, personas: Personas, station: Any
) -> None:
    session = open_session(personas, station.patient)

    page = text(client_for("nurse").get(step_url(session, "override")))

    assert 'data-testid="nothing-to-override"' in page and "<form" not in page.split("<main")[1]


def test_a_physician_overrides_remotely_with_only_the_code(
    client_for: Any, personas: Personas, station: Any
) -> None:
    session, decision = decided(personas, station.patient, sedation_score=4)
    client = client_for("physician")
    waiting = text(client.get("/dosing/sessions/overrides/"))
    assert station.patient.client_code in waiting and "Hold: no dose now" in waiting

    url = f"/dosing/sessions/overrides/{session.pk}/"
    page = text(client.get(url))
    response = client.post(
        url,
        {
            "idempotency_key": "test-remote-override-01",
            "decision_id": str(decision.pk),
            "rule_ids": ["sedation_hold"],
            "allowed_dose_mg": "15",
            "reason": REASON,
            "totp_code": totp_code(personas["physician"]),
        },
    )

    assert "Physician's username" not in page and "Code from your authenticator app" in page
    assert response.status_code == 302 and response["Location"] == "/dosing/sessions/overrides/"
    assert SessionOverride.objects.get().via == "remote"
    after = text(client.get("/dosing/sessions/overrides/"))
    assert 'data-testid="none-waiting"' in after


def test_a_wrong_code_on_the_remote_form_is_shown_beside_the_code(
    client_for: Any, personas: Personas, station: Any
) -> None:
    session, decision = decided(personas, station.patient, sedation_score=4)

    response = client_for("physician").post(
        f"/dosing/sessions/overrides/{session.pk}/",
        {
            "idempotency_key": "test-remote-override-02",
            "decision_id": str(decision.pk),
            "rule_ids": ["sedation_hold"],
            "allowed_dose_mg": "15",
            "reason": REASON,
            "totp_code": "123456",
        },
    )

    assert response.status_code == 400
    assert "not valid" in field_error(text(response), "totp_code")
    assert not SessionOverride.objects.exists()


@pytest.mark.parametrize("role", ["nurse", "pharmacist", "counsellor"])
def test_only_physicians_use_the_remote_list(client_for: Any, station: Any, role: str) -> None:
    assert client_for(role).get("/dosing/sessions/overrides/").status_code == 403


def test_a_hold_no_override_can_lift_offers_no_override_first(
    client_for: Any, personas: Personas, station: Any
) -> None:
    """After an alcohol hold, a blank reading is a hold only a new reading clears: the decision
    page ends the session as its first action and offers no override (which could not help)."""
    held, _ = decided(personas, station.patient, breath_alcohol="0.80")
    end_without_dose(
        actor=personas["nurse"], session_id=held.pk, kind="held", notes="breath alcohol 0.80"
    )
    session, decision = decided(personas, station.patient, breath_alcohol="")
    assert {item["rule_id"] for item in decision.findings if item["severity"] == "hold"} == {
        "breath_alcohol_reading_missing"
    }

    page = text(client_for("nurse").get(session_url(session)))

    assert 'data-testid="to-override"' not in page and "Physician override" not in page
    assert 'data-testid="to-held"' in page and "End: no dose" in page


def test_a_liftable_hold_still_offers_the_override_first(
    client_for: Any, personas: Personas, station: Any
) -> None:
    session, _ = decided(personas, station.patient, sedation_score=4)
    page = text(client_for("nurse").get(session_url(session)))
    assert page.index('data-testid="to-override"') < page.index('data-testid="to-held"')
