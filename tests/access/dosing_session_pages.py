"""Role x route cases for the session screens, overrides and adverse events (format:
tests/access/cases.py; the dosing placeholders are in tests/dosing/world.py, the pharmacy's in
tests/pharmacy/world.py).

Who: nurses run sessions (check-in, assessment, decision, administration, sign-off, exceptions);
nurses, pharmacists and physicians draw doses; the station's override screen is the nurse's (or a
physician's at the station), the physician signing on it; physicians override from their own
device and sign off adverse events; nurses and physicians record adverse events; every
chart-reading role reads a session and the list of unsigned events; researchers nothing. A ZRH
session, patient or event is not found for the outsider (manager of clinic OUT).

{physician_totp} is the ZRH physician's current authenticator code (the matrix fills it), for the
override at the station, where the physician signs on the nurse's screen.
"""

from __future__ import annotations

from tests.access.cases import ALL_ROLES, RouteCase
from tests.conftest import PASSWORD

VIEWERS = ALL_ROLES - {"researcher"}
NURSES = frozenset({"nurse"})
PREPARERS = frozenset({"nurse", "pharmacist", "physician"})
PHYSICIANS = frozenset({"physician"})
AT_THE_STATION = frozenset({"nurse", "physician"})
RECORDERS = frozenset({"nurse", "physician"})

OK = frozenset({200})
REDIRECT = frozenset({302})
FORBIDDEN = frozenset({403})
NOT_FOUND = frozenset({404})
# Every ZRH client code starts so; none may reach the outsider.
ZRH_PATIENTS = ("{code}", "ZRH-")
SESSION = "/dosing/sessions/{dosing_session_id}"


def _key(route: str) -> str:
    return f"matrix-{route.split(':')[1].replace('_', '-')}-0001"


def _post(
    route: str,
    path: str,
    allowed: frozenset[str],
    data: dict[str, object],
    ok_status: frozenset[int] = REDIRECT,
) -> RouteCase:
    return RouteCase(
        route,
        "POST",
        path,
        allowed,
        ok_status=ok_status,
        data={"idempotency_key": _key(route), **data},
        outsider_must_not_see=ZRH_PATIENTS,
    )


def _get(
    route: str, path: str, allowed: frozenset[str], outsider_status: frozenset[int] = NOT_FOUND
) -> RouteCase:
    return RouteCase(
        route,
        "GET",
        path,
        allowed,
        outsider_status=outsider_status,
        outsider_must_not_see=ZRH_PATIENTS,
    )


DOSING_SESSION_PAGE_CASES: list[RouteCase] = [
    _get("dosing:check_in", "/dosing/sessions/check-in/{dosing_due_patient_id}/", NURSES),
    _post(
        "dosing:check_in",
        "/dosing/sessions/check-in/{dosing_due_patient_id}/",
        NURSES,
        {"window": "{dosing_window}", "identity_confirmed": "on"},
    ),
    # The test clinic doses round the clock, so a window is open: the physician's out-of-window
    # session is refused as unneeded (400), after the physician's sign-in on the nurse's screen.
    _get(
        "dosing:out_of_window",
        "/dosing/sessions/check-in/{dosing_due_patient_id}/out-of-window/",
        NURSES,
    ),
    _post(
        "dosing:out_of_window",
        "/dosing/sessions/check-in/{dosing_due_patient_id}/out-of-window/",
        NURSES,
        {
            "identity_confirmed": "on",
            "window": "{dosing_window}",
            "reason": "matrix: reviewed in person at the station",
            "physician_username": "physician_zrh",
            "physician_password": PASSWORD,
            "totp_code": "{physician_totp}",
        },
        ok_status=frozenset({400}),
    ),
    _get("dosing:session", f"{SESSION}/", VIEWERS),
    _post(
        "dosing:assess",
        f"{SESSION}/assess/",
        NURSES,
        {"sedation_score": "1", "breath_alcohol_mg_per_l": "0", "notes": "matrix"},
    ),
    _post("dosing:decide", f"{SESSION}/decide/", NURSES, {"therapy": "dam:iv", "dose_mg": "200"}),
    _post(
        "dosing:prepare",
        f"{SESSION}/prepare/",
        PREPARERS,
        {
            "decision_id": "{dosing_decision_id}",
            "stock": "{solution_lot_id}:{dosing_room_id}",
            "dose_mg": "{dosing_dose_mg}",
        },
    ),
    # The check step: the confirmation with its summary, nothing recorded yet.
    _post(
        "dosing:administer",
        f"{SESSION}/administer/",
        NURSES,
        {
            "decision_id": "{dosing_decision_id}",
            "dose_mg": "{dosing_dose_mg}",
            "site": "left_arm",
            "stage": "check",
        },
        ok_status=OK,
    ),
    _post(
        "dosing:sign_off",
        "/dosing/sessions/{dosing_observing_session_id}/sign-off/",
        NURSES,
        {"sedation_score": "1", "notes": "matrix: alert"},
    ),
    _get("dosing:exception", f"{SESSION}/exception/?kind=refused", NURSES),
    _post(
        "dosing:exception", f"{SESSION}/exception/", NURSES, {"kind": "refused", "notes": "matrix"}
    ),
    _get("dosing:override", f"{SESSION}/override/", AT_THE_STATION),
    _post(
        "dosing:override",
        f"{SESSION}/override/",
        AT_THE_STATION,
        {
            "decision_id": "{dosing_decision_id}",
            "physician_username": "physician_zrh",
            "physician_password": PASSWORD,
            # At the station the physician signs on the nurse's screen: their code, not the sender's.
            "totp_code": "{physician_totp}",
            "rule_ids": ["{dosing_liftable_rule_id}"],
            "allowed_dose_mg": "{dosing_dose_mg}",
            "reason": "matrix: reviewed in person at the station",
        },
    ),
    # Lists the working clinic's own sessions: the outsider's role (manager) may not override.
    _get(
        "dosing:override_remote",
        "/dosing/sessions/overrides/",
        PHYSICIANS,
        outsider_status=FORBIDDEN,
    ),
    _get(
        "dosing:override_remote_session",
        "/dosing/sessions/overrides/{dosing_session_id}/",
        PHYSICIANS,
    ),
    _post(
        "dosing:override_remote_session",
        "/dosing/sessions/overrides/{dosing_session_id}/",
        PHYSICIANS,
        {
            "decision_id": "{dosing_decision_id}",
            "rule_ids": ["{dosing_liftable_rule_id}"],
            "allowed_dose_mg": "{dosing_dose_mg}",
            "reason": "matrix: reviewed on the phone",
            "totp_code": "{totp}",
        },
    ),
    # The working clinic's own events: the outsider sees clinic OUT's (none of ZRH's).
    _get("dosing:adverse_events", "/dosing/sessions/adverse-events/", VIEWERS, outsider_status=OK),
    _get(
        "dosing:adverse_event",
        "/dosing/sessions/adverse-events/new/{dosing_observing_patient_id}/"
        "?session={dosing_observing_session_id}",
        RECORDERS,
    ),
    _post(
        "dosing:adverse_event",
        "/dosing/sessions/adverse-events/new/{dosing_observing_patient_id}/",
        RECORDERS,
        {
            "session": "{dosing_observing_session_id}",
            "kind": "overdose",
            "severity": "severe",
            "naloxone_given": "on",
            "naloxone_dose_mg": "0.4",
            "naloxone_route": "intranasal",
            "outcome": "recovered",
        },
    ),
    _get(
        "dosing:adverse_sign_off",
        "/dosing/sessions/adverse-events/{adverse_event_id}/sign-off/",
        PHYSICIANS,
    ),
    _post(
        "dosing:adverse_sign_off",
        "/dosing/sessions/adverse-events/{adverse_event_id}/sign-off/",
        PHYSICIANS,
        {"note": "matrix: reviewed, no change to the plan"},
    ),
]
