"""Adverse events on PostgreSQL: the record at the station (type, severity, onset, naloxone with
dose and route, oxygen, ambulance, outcome), the clinic's unsigned events, a physician's sign-off;
and the next decision asks for a physician's review until a serious event is signed off."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from openhat.core import clock
from openhat.dosing.models import AdverseEvent, AdverseEventSignOff
from openhat.dosing.services.administer import administer
from openhat.dosing.services.adverse import record_adverse_event
from tests.conftest import Personas
from tests.dosing.factories import decided
from tests.dosing.test_pages_helpers import field_error, key_on, session_url, text

pytestmark = pytest.mark.django_db


def event_url(patient: Any, session: Any = None) -> str:
    url = f"/dosing/sessions/adverse-events/new/{patient.pk}/"
    return f"{url}?session={session.pk}" if session else url


def event_data(personas: Personas, session: Any = None, **changes: Any) -> dict[str, Any]:
    local = clock.now().astimezone(personas.clinic.zone) - timedelta(minutes=4)
    data = {
        "idempotency_key": "test-adverse-event-0001",
        "session": str(session.pk) if session else "",
        "kind": "overdose",
        "severity": "severe",
        "onset_at": local.strftime("%Y-%m-%dT%H:%M"),
        "description": "slow breathing 6/min, pinpoint pupils",
        "naloxone_given": "on",
        "naloxone_dose_mg": "0.4",
        "naloxone_route": "im",
        "oxygen_given": "on",
        "outcome": "recovered",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def in_observation(personas: Personas, station: Any) -> Any:
    session, decision = decided(personas, station.patient)
    administer(
        actor=personas["nurse"],
        session_id=session.pk,
        decision_id=decision.pk,
        dose_mg=decision.max_dose_mg,
        site="left_arm",
        lot_id=station.solution.pk,
        location_id=station.formulary.dosing_room.pk,
    )
    return session


def test_an_overdose_with_naloxone_is_recorded_against_the_session(
    client_for: Any, personas: Personas, station: Any
) -> None:
    session = in_observation(personas, station)
    client = client_for("nurse")
    page = text(client.get(event_url(station.patient, session)))
    assert "Overdose / respiratory depression" in page and key_on(page).startswith("adverse-")
    assert f'name="session" value="{session.pk}"' in page

    response = client.post(event_url(station.patient), event_data(personas, session))

    assert response.status_code == 302 and response["Location"] == session_url(session)
    event = AdverseEvent.objects.get()
    assert (event.kind, event.severity, event.outcome) == ("overdose", "severe", "recovered")
    assert event.naloxone_given and event.naloxone_dose_mg == Decimal("0.4")
    assert event.naloxone_route == "im" and event.oxygen_given and not event.ambulance_called
    assert event.session == session and event.recorded_by == personas["nurse"]
    local = event.onset_at.astimezone(personas.clinic.zone)
    assert local.strftime("%Y-%m-%dT%H:%M") == event_data(personas)["onset_at"]
    screen = text(client.get(session_url(session)))
    assert "naloxone 0.40 mg intramuscular" in screen


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"naloxone_dose_mg": ""}, "naloxone_dose_mg", "Give the naloxone dose in mg"),
        ({"naloxone_route": ""}, "naloxone_route", "Choose the route"),
        ({"naloxone_given": None}, "naloxone_given", "not ticked as given"),
        ({"naloxone_dose_mg": "50"}, "naloxone_dose_mg", "at most 20 mg"),
        ({"kind": ""}, "kind", "Choose the type of event"),
        ({"kind": "other", "description": ""}, "description", "Describe what happened"),
        ({"onset_at": "2001-01-01T08:00"}, "onset_at", "in the past 7 days"),
        ({"onset_at": "yesterday"}, "onset_at", "Give the date and time it began"),
    ],
)
def test_a_bad_adverse_event_is_explained_and_nothing_is_recorded(
    client_for: Any,
    personas: Personas,
    station: Any,
    changes: dict,
    field: str,
    message: str,
) -> None:
    response = client_for("nurse").post(event_url(station.patient), event_data(personas, **changes))

    assert response.status_code == 400
    assert message in field_error(text(response), field)
    assert not AdverseEvent.objects.exists()


def test_a_double_submitted_event_is_recorded_once(
    client_for: Any, personas: Personas, station: Any
) -> None:
    client = client_for("nurse")

    client.post(event_url(station.patient), event_data(personas))
    client.post(event_url(station.patient), event_data(personas))

    assert AdverseEvent.objects.count() == 1


def test_a_physician_signs_off_from_the_list_and_the_review_finding_goes(
    client_for: Any, personas: Personas, station: Any
) -> None:
    nurse = personas["nurse"]
    event = record_adverse_event(
        actor=nurse,
        patient=station.patient,
        kind="overdose",
        severity="severe",
        outcome="recovered",
        naloxone_given=True,
        naloxone_dose_mg="0.4",
        naloxone_route="im",
    )
    _, held = decided(personas, station.patient)
    assert "adverse_event_review" in {finding["rule_id"] for finding in held.findings}
    client = client_for("physician")
    listing = text(client.get("/dosing/sessions/adverse-events/"))
    assert station.patient.client_code in listing and "naloxone 0.40 mg intramuscular" in listing
    url = f"/dosing/sessions/adverse-events/{event.pk}/sign-off/"

    empty = client.post(url, {"idempotency_key": "test-ae-sign-off-01", "note": ""})
    done = client.post(
        url, {"idempotency_key": "test-ae-sign-off-02", "note": "reviewed; dose unchanged"}
    )

    assert empty.status_code == 400
    assert "physician's assessment and plan" in field_error(text(empty), "note")
    assert done.status_code == 302 and done["Location"] == "/dosing/sessions/adverse-events/"
    assert AdverseEventSignOff.objects.get().physician == personas["physician"]
    assert 'data-testid="no-unsigned-events"' in text(client.get(done["Location"]))
    assert 'data-testid="signed"' in text(client.get(url))


def test_nurses_read_the_list_but_do_not_sign_off(
    client_for: Any, personas: Personas, station: Any
) -> None:
    event = record_adverse_event(
        actor=personas["nurse"],
        patient=station.patient,
        kind="seizure",
        severity="moderate",
        outcome="recovered",
    )
    client = client_for("nurse")

    listing = text(client.get("/dosing/sessions/adverse-events/"))
    sign_off = client.get(f"/dosing/sessions/adverse-events/{event.pk}/sign-off/")

    assert "Seizure" in listing and "Sign off</a>" not in listing
    assert sign_off.status_code == 403


@pytest.mark.parametrize("role", ["pharmacist", "counsellor", "researcher"])
def test_roles_that_do_not_record_events_get_403(client_for: Any, station: Any, role: str) -> None:
    assert client_for(role).get(event_url(station.patient)).status_code == 403
