"""What bad input gets at the dosing API (issue 6): a 4xx with its stable code and message, and
nothing recorded — no administration, ledger entry, exception, decision or audit row more."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from openhat.core import clock
from openhat.pharmacy.models import Lot
from tests.dosing.api_client import (
    ASSESSMENT,
    WITNESS,
    check_in_body,
    decided_over_http,
    expect,
    expect_error,
    get,
    post,
    prepared_over_http,
    station_rows,
)

pytestmark = pytest.mark.django_db


def _give(station: Any, decision: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {
        "decision_id": decision["id"],
        "dose_mg": "15",
        "site": "left_arm",
        "lot_id": station.solution.pk,
        "location_id": station.formulary.dosing_room.pk,
        **changes,
    }


def refused(client: Client, rest: str, body: Any, status: int, code: str) -> dict[str, Any]:
    """The request is refused with `code` and every station table is as it was."""
    rows = station_rows()
    error = expect_error(post(client, rest, body), status, code)
    assert station_rows() == rows
    return error


def test_administering_without_a_decision(personas, station, client_for):
    nurse = client_for("nurse")
    session = expect(post(nurse, "sessions", check_in_body(station.patient.pk)), 201)
    rest = f"sessions/{session['id']}/administration"
    body = _give(station, {"id": 1})

    refused(nurse, rest, body, 400, "no_decision")
    expect(post(nurse, f"sessions/{session['id']}/assessment", ASSESSMENT), 201)
    error = refused(nurse, rest, body, 400, "no_decision")

    assert error["field"] == "decision"


def test_a_dose_above_the_decisions_maximum(personas, station, client_for):
    nurse = client_for("nurse")
    decision = decided_over_http(nurse, station.patient.pk)
    assert decision["max_dose_mg"] == "15"
    sid = decision["session_id"]

    error = refused(
        nurse,
        f"sessions/{sid}/administration",
        _give(station, decision, dose_mg="15.5"),
        400,
        "dose_exceeds_decision",
    )
    refused(
        nurse,
        f"sessions/{sid}/preparation",
        {
            "decision_id": decision["id"],
            "dose_mg": "200",
            "lot_id": station.solution.pk,
            "location_id": station.formulary.dosing_room.pk,
        },
        400,
        "dose_exceeds_decision",
    )

    assert error["field"] == "dose_mg" and "15" in error["message"]


def test_an_administration_while_the_sessions_observation_is_open(personas, station, client_for):
    nurse = client_for("nurse")
    decision = decided_over_http(nurse, station.patient.pk)
    sid = decision["session_id"]
    expect(post(nurse, f"sessions/{sid}/administration", _give(station, decision)), 201)

    error = refused(
        nurse,
        f"sessions/{sid}/administration",
        _give(station, decision, dose_mg="5"),
        409,
        "already_administered",
    )

    assert "still open" in error["message"]


@pytest.mark.parametrize("site", ["left_deltoid", "", "mouth"])
def test_a_site_not_valid_for_the_route(personas, station, client_for, site):
    nurse = client_for("nurse")
    decision = decided_over_http(nurse, station.patient.pk)

    error = refused(
        nurse,
        f"sessions/{decision['session_id']}/administration",
        _give(station, decision, site=site),
        400,
        "site_not_valid_for_route",
    )

    assert error["field"] == "site"


def test_an_unknown_lot(personas, station, client_for):
    nurse = client_for("nurse")
    decision = decided_over_http(nurse, station.patient.pk)
    sid = decision["session_id"]

    refused(
        nurse,
        f"sessions/{sid}/administration",
        _give(station, decision, lot_id=999999),
        404,
        "unknown_lot",
    )
    refused(
        nurse,
        f"sessions/{sid}/preparation",
        {"decision_id": decision["id"], "dose_mg": "15", "lot_id": 999999, "location_id": 1},
        404,
        "unknown_lot",
    )


def test_an_expired_solution(personas, station, client_for):
    nurse = client_for("nurse")
    decision = decided_over_http(nurse, station.patient.pk)
    # In use at check-in (check-in needs usable stock); its in-use time then ran out, in the
    # same window.
    Lot.objects.filter(pk=station.solution.pk).update(
        in_use_expires_at=clock.now() - timedelta(minutes=1)
    )

    error = refused(
        nurse,
        f"sessions/{decision['session_id']}/administration",
        _give(station, decision),
        400,
        "solution_expired",
    )

    assert error["field"] == "lot"


def test_a_missing_witness_for_waste(personas, station, client_for):
    nurse = client_for("nurse")
    prepared = prepared_over_http(nurse, station)
    sid = prepared["session_id"]
    partial = {
        "decision_id": prepared["decision_id"],
        "dose_mg": "10",
        "site": "left_arm",
        "preparation_id": prepared["id"],
        "remainder": "waste",
    }

    refused(nurse, f"sessions/{sid}/administration", partial, 400, "witness_required")
    refused(nurse, f"sessions/{sid}/exceptions", {"kind": "spilled"}, 400, "witness_required")
    refused(nurse, f"sessions/{sid}/exceptions", {"kind": "refused"}, 400, "witness_required")
    refused(
        nurse,
        f"sessions/{sid}/administration",
        {**partial, "witness_username": WITNESS["witness_username"]},
        400,
        "witness_sign_in_incomplete",
    )


def test_a_stale_form_after_another_station_recorded_the_dose(personas, station, client_for):
    first, second = client_for("nurse"), client_for("nurse")
    prepared = prepared_over_http(first, station)
    sid = prepared["session_id"]
    # Both stations show the same form: the session, its decision and the drawn dose.
    form = expect(get(second, f"sessions/{sid}"), 200)
    body = {
        "decision_id": form["decision"]["id"],
        "dose_mg": form["preparation"]["dose_mg"],
        "site": "left_arm",
        "preparation_id": form["preparation"]["id"],
    }
    expect(post(first, f"sessions/{sid}/administration", body), 201)

    error = refused(second, f"sessions/{sid}/administration", body, 409, "already_administered")
    refused(
        second,
        f"sessions/{sid}/administration",
        {**body, "site": "right_arm", "dose_mg": "5", "remainder": "return", **WITNESS},
        409,
        "already_administered",
    )
    refused(
        second,
        f"sessions/{sid}/preparation",
        {
            "decision_id": form["decision"]["id"],
            "dose_mg": "15",
            "lot_id": station.solution.pk,
            "location_id": station.formulary.dosing_room.pk,
        },
        409,
        "already_administered",
    )
    refused(second, f"sessions/{sid}/exceptions", {"kind": "refused"}, 409, "session_past_dose")

    assert "another station" in error["message"]


BAD_VALUES: list[Any] = [None, "", "abc", -1, 0, 10**30, 1.5, [], {}, True, "\x00", "9" * 5000]
BODIES: dict[str, dict[str, Any]] = {
    "sessions": check_in_body(1),
    "assessment": ASSESSMENT,
    "decision": {"drug": "dam", "route": "iv", "dose_mg": "15"},
    "preparation": {"decision_id": 1, "dose_mg": "15", "lot_id": 1, "location_id": 1},
    "administration": {
        "decision_id": 1,
        "dose_mg": "15",
        "site": "left_arm",
        "lot_id": 1,
        "location_id": 1,
        "preparation_id": 1,
        "remainder": "waste",
        "remainder_reason": "",
        **WITNESS,
    },
    "sign-off": {"sedation_score": 1, "notes": ""},
    "exceptions": {"kind": "spilled", "notes": "", **WITNESS},
    "override": {
        "decision_id": 1,
        "rule_ids": ["titration_first_dose"],
        "reason": "a reason long enough",
        "totp_code": "123456",
        "physician_username": "",
        "physician_password": "",
    },
    "adverse-events": {
        "patient_id": 1,
        "session_id": 1,
        "kind": "overdose",
        "severity": "severe",
        "outcome": "recovered",
        "onset_at": None,
        "description": "",
        "naloxone_given": True,
        "naloxone_dose_mg": "0.4",
        "naloxone_route": "im",
        "oxygen_given": False,
        "ambulance_called": False,
    },
}


@pytest.mark.parametrize("route", sorted(BODIES))
def test_no_value_in_any_field_is_a_server_error(personas, station, client_for, route):
    """Every field of every write, set in turn to a wrong type, an empty or a huge value: a 4xx
    in the error shape (or, where the value happens to be allowed, a success), never a 500."""
    client = client_for("physician" if route == "override" else "nurse")
    decision = decided_over_http(client_for("nurse"), station.patient.pk)
    sid = decision["session_id"]
    rest = route if route in ("sessions", "adverse-events") else f"sessions/{sid}/{route}"
    base = {
        key: {"decision_id": decision["id"], "patient_id": station.patient.pk}.get(key, value)
        for key, value in BODIES[route].items()
    }

    for field in base:
        for value in BAD_VALUES:
            response = post(client, rest, {**base, field: value})
            assert response.status_code < 500, (field, value, response.content[:300])
            if response.status_code >= 400:
                assert {"code", "message", "field"} <= set(response.json()), (field, value)
    assert post(client, rest, [1, 2]).status_code == 422
    assert post(client, rest, {**base, "unknown": 1}).json()["code"] == "invalid_input"
    malformed = client.post(
        f"/api/clinics/ZRH/dosing/{rest}", data="{not json", content_type="application/json"
    )
    assert malformed.status_code == 400 and malformed.json()["code"] == "malformed_json"
