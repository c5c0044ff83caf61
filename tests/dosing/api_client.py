"""The dosing API as a station uses it in tests: paths under /api/clinics/ZRH/dosing, JSON bodies,
an optional Idempotency-Key, and the row counts a refused request must leave as they were."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from openhat.dosing.models import (
    AdverseEventSignOff,
    DosingSession,
    ObservationSignOff,
    SessionAssessment,
)
from tests.conftest import PASSWORD
from tests.dosing.factories import counts

WITNESS = {"witness_username": "pharmacy_technician_zrh", "witness_password": PASSWORD}


def url(rest: str, clinic: str = "ZRH") -> str:
    return f"/api/clinics/{clinic}/dosing/{rest}"


def post(
    client: Client, rest: str, body: Any, *, key: str | None = None, clinic: str = "ZRH"
) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(
        url(rest, clinic), data=json.dumps(body), content_type="application/json", headers=headers
    )


def get(client: Client, rest: str, clinic: str = "ZRH") -> Any:
    return client.get(url(rest, clinic))


def station_rows() -> dict[str, int]:
    """Rows of every table a station step writes to: administrations, preparations, ledger
    entries, exceptions, overrides, decisions, adverse events, audit events (tests/dosing/
    factories.py), and sessions, assessments and sign-offs."""
    return {
        **counts(),
        "DosingSession": DosingSession.objects.count(),
        "SessionAssessment": SessionAssessment.objects.count(),
        "ObservationSignOff": ObservationSignOff.objects.count(),
        "AdverseEventSignOff": AdverseEventSignOff.objects.count(),
    }


def expect(response: Any, status: int) -> dict[str, Any]:
    """The JSON body of a response that must have `status` (the body is shown when it has not)."""
    body = response.json()
    assert response.status_code == status, body
    return body


def expect_error(response: Any, status: int, code: str) -> dict[str, Any]:
    body = expect(response, status)
    assert set(body) >= {"code", "message", "field"} and body["code"] == code, body
    assert body["message"], body
    return body


def check_in_body(patient_id: int, window: str | None = None) -> dict[str, Any]:
    """A check-in; the session's window is the one open now (a named one must be that one)."""
    body: dict[str, Any] = {"patient_id": patient_id, "identity_confirmed": True}
    if window is not None:
        body["window"] = window
    return body


ASSESSMENT = {"sedation_score": 1, "breath_alcohol_mg_per_l": "0", "signs": [], "notes": ""}


# Sedation 3: the dose is reduced, a finding a physician may lift by an override.
SEDATED = {**ASSESSMENT, "sedation_score": 3}


def decided_over_http(
    nurse: Client, patient_id: int, dose_mg: str = "200", assessment: dict[str, Any] = ASSESSMENT
) -> dict[str, Any]:
    """Checked in, assessed and decided through the API; returns the decision's body."""
    session = expect(post(nurse, "sessions", check_in_body(patient_id)), 201)
    expect(post(nurse, f"sessions/{session['id']}/assessment", assessment), 201)
    return expect(
        post(
            nurse,
            f"sessions/{session['id']}/decision",
            {"drug": "dam", "route": "iv", "dose_mg": dose_mg},
        ),
        201,
    )


def board_row(client: Client, patient_id: int, window: str = "morning") -> dict[str, Any]:
    rows = expect(get(client, f"board?window={window}"), 200)["rows"]
    return next(row for row in rows if row["patient_id"] == patient_id)


def prepared_over_http(nurse: Client, station: Any, dose_mg: str = "15") -> dict[str, Any]:
    """A session decided and its dose drawn through the API; returns the preparation's body."""
    decision = decided_over_http(nurse, station.patient.pk)
    body = {
        "decision_id": decision["id"],
        "dose_mg": dose_mg,
        "lot_id": station.solution.pk,
        "location_id": station.formulary.dosing_room.pk,
    }
    return expect(post(nurse, f"sessions/{decision['session_id']}/preparation", body), 201)
