"""Role x route cases for the dosing station's JSON API (format: tests/access/cases.py; the
placeholders of the dosing world are listed in tests/dosing/world.py, the pharmacy's in
tests/pharmacy/world.py).

Nurses run sessions (check-in, assessment, decision, administration, sign-off, exceptions);
nurses, pharmacists and physicians prepare (draw) doses; physicians override a decision and sign
off adverse events; nurses and physicians record adverse events; every chart-reading role reads
the board and a session; researchers nothing. Every path names clinic ZRH, so each case is also
sent by every ZRH role for clinic OUT, which must be "not found".
"""

from __future__ import annotations

from tests.access.cases import RouteCase
from tests.conftest import PASSWORD

VIEWERS = frozenset(
    {
        "physician",
        "nurse",
        "pharmacist",
        "pharmacy_technician",
        "counsellor",
        "manager",
        "auditor",
    }
)
NURSES = frozenset({"nurse"})
PREPARERS = frozenset({"nurse", "pharmacist", "physician"})
PHYSICIANS = frozenset({"physician"})
RECORDERS = frozenset({"nurse", "physician"})

OK = frozenset({200})
CREATED = frozenset({201})
DOSING = "/api/clinics/{clinic}/dosing"
ROUTE = "api:{method} /api/clinics/{{clinic}}/dosing/{rest}"
SESSION = "sessions/{dosing_session_id}"
# What the outsider must never read: the ZRH patients' codes.
ZRH_PATIENTS = ("{code}", "{dosing_client_code}")


def _read(rest: str, path: str) -> RouteCase:
    return RouteCase(
        ROUTE.format(method="GET", rest=rest),
        "GET",
        f"{DOSING}/{path}",
        VIEWERS,
        OK,
        outsider_must_not_see=ZRH_PATIENTS,
    )


def _write(rest: str, path: str, allowed: frozenset[str], data: dict[str, object]) -> RouteCase:
    return RouteCase(
        ROUTE.format(method="POST", rest=rest),
        "POST",
        f"{DOSING}/{path}",
        allowed,
        CREATED,
        data=data,
        json=True,
        outsider_must_not_see=ZRH_PATIENTS,
    )


DOSING_API_CASES: list[RouteCase] = [
    _read("board", "board?window={dosing_window}&day={dosing_day}"),
    _read("sessions/{session_id}", SESSION),
    _write(
        "sessions",
        "sessions",
        NURSES,
        {
            "patient_id": "{dosing_due_patient_id}",
            "window": "{dosing_window}",
            "identity_confirmed": True,
        },
    ),
    # A window is open in the test clinic (round the clock): the out-of-window session is refused
    # as unneeded, 400 `window_is_open`, once the physician's sign-in is checked.
    RouteCase(
        ROUTE.format(method="POST", rest="sessions/out-of-window"),
        "POST",
        f"{DOSING}/sessions/out-of-window",
        NURSES,
        frozenset({400}),
        data={
            "patient_id": "{dosing_due_patient_id}",
            "window": "{dosing_window}",
            "identity_confirmed": True,
            "reason": "matrix: reviewed in person at the station",
            "totp_code": "{physician_totp}",
            "physician_username": "physician_zrh",
            "physician_password": PASSWORD,
        },
        json=True,
        outsider_must_not_see=ZRH_PATIENTS,
    ),
    _write(
        "sessions/{session_id}/assessment",
        f"{SESSION}/assessment",
        NURSES,
        {"sedation_score": 1, "breath_alcohol_mg_per_l": "0.00", "signs": [], "notes": "calm"},
    ),
    _write(
        "sessions/{session_id}/decision",
        f"{SESSION}/decision",
        NURSES,
        {"drug": "dam", "route": "iv", "dose_mg": "200"},
    ),
    _write(
        "sessions/{session_id}/preparation",
        f"{SESSION}/preparation",
        PREPARERS,
        {
            "decision_id": "{dosing_decision_id}",
            "dose_mg": "{dosing_dose_mg}",
            "lot_id": "{solution_lot_id}",
            "location_id": "{dosing_room_id}",
        },
    ),
    _write(
        "sessions/{session_id}/administration",
        f"{SESSION}/administration",
        NURSES,
        {
            "decision_id": "{dosing_decision_id}",
            "dose_mg": "{dosing_dose_mg}",
            "site": "left_arm",
            "lot_id": "{solution_lot_id}",
            "location_id": "{dosing_room_id}",
        },
    ),
    _write(
        "sessions/{session_id}/sign-off",
        "sessions/{dosing_observing_session_id}/sign-off",
        NURSES,
        {"sedation_score": 1, "notes": "alert, comfortable"},
    ),
    _write(
        "sessions/{session_id}/exceptions",
        f"{SESSION}/exceptions",
        NURSES,
        {"kind": "refused", "notes": "did not want the dose today"},
    ),
    _write(
        "sessions/{session_id}/override",
        f"{SESSION}/override",
        PHYSICIANS,
        {
            "decision_id": "{dosing_decision_id}",
            "rule_ids": ["{dosing_liftable_rule_id}"],
            "allowed_dose_mg": "{dosing_dose_mg}",
            "reason": "known patient returning from hospital, tolerance documented",
            "totp_code": "{totp}",
        },
    ),
    _write(
        "adverse-events",
        "adverse-events",
        RECORDERS,
        {
            "patient_id": "{dosing_patient_id}",
            "session_id": "{dosing_session_id}",
            "kind": "overdose",
            "severity": "moderate",
            "outcome": "recovered",
            "description": "slow breathing after the dose",
            "naloxone_given": True,
            "naloxone_dose_mg": "0.4",
            "naloxone_route": "im",
            "oxygen_given": True,
            "ambulance_called": False,
        },
    ),
    _write(
        "adverse-events/{event_id}/sign-off",
        "adverse-events/{adverse_event_id}/sign-off",
        PHYSICIANS,
        {"note": "seen; site care explained, continue"},
    ),
]
