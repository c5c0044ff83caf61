"""Role x route cases for the outcome interviews and the counsellor's worklist (format:
tests/access/cases.py).

{interview_code}: a ZRH patient whose treatment started today, so the intake interview is due
(built by build_interviews; for clinic OUT's record it is OUT's patient, which must be 404).

Who: the worklist and a patient's interviews are read by every role that reads charts
(VIEW_CLINICAL), never by researchers; only counsellors record an interview or a missed one
(RECORD_INTERVIEWS); only nurses tell the counsellors from the board (RUN_SESSIONS). The worklist
lists the caller's own clinic, so the outsider gets OUT's worklist, with nothing of ZRH in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.access.cases import ALL_ROLES, RouteCase
from tests.conftest import Personas
from tests.interviews.helpers import answers, enrolled_since

READERS = ALL_ROLES - {"researcher"}
COUNSELLORS = frozenset({"counsellor"})
NURSES = frozenset({"nurse"})
OK = frozenset({200})
SAVED = frozenset({302})
ZRH_PATIENTS = ("{code}", "ZRH-")


@dataclass(frozen=True)
class InterviewWorld:
    client_code: str

    def placeholders(self, record_of: str, other_code: str) -> dict[str, str]:
        return {"{interview_code}": other_code if record_of == "OUT" else self.client_code}


def build_interviews(personas: Personas) -> InterviewWorld:
    return InterviewWorld(enrolled_since(personas, 0).client_code)


def _form_answers() -> dict[str, Any]:
    data: dict[str, Any] = {"interviewed_on": "{today}"}
    for code, value in answers().items():
        data[f"a_{code}"] = ("yes" if value else "no") if isinstance(value, bool) else str(value)
    return data


INTERVIEW = "/interviews/patients/{interview_code}"
INTERVIEW_PAGE_CASES: list[RouteCase] = [
    RouteCase(
        "interviews:worklist",
        "GET",
        "/interviews/",
        READERS,
        outsider_status=OK,
        outsider_must_not_see=ZRH_PATIENTS,
    ),
    RouteCase("interviews:patient", "GET", f"{INTERVIEW}/", READERS),
    RouteCase("interviews:record", "GET", f"{INTERVIEW}/intake/", COUNSELLORS),
    RouteCase(
        "interviews:record",
        "POST",
        f"{INTERVIEW}/intake/",
        COUNSELLORS,
        ok_status=SAVED,
        data=_form_answers(),
    ),
    RouteCase("interviews:missed", "GET", f"{INTERVIEW}/intake/missed/", COUNSELLORS),
    RouteCase(
        "interviews:missed",
        "POST",
        f"{INTERVIEW}/intake/missed/",
        COUNSELLORS,
        ok_status=SAVED,
        data={"reason": "refused"},
    ),
    RouteCase("interviews:call", "GET", f"{INTERVIEW}/call/", NURSES),
    RouteCase(
        "interviews:call",
        "POST",
        f"{INTERVIEW}/call/",
        NURSES,
        ok_status=SAVED,
        data={"next": "/dosing/"},
    ),
]


def _json_answers() -> dict[str, Any]:
    return {
        "time_point": "intake",
        "interviewed_on": "{today}",
        "answers": answers(),
    }


API_PATIENT = "/api/patients/{interview_code}/interviews"
INTERVIEW_API_CASES: list[RouteCase] = [
    RouteCase("api:GET /api/patients/{code}/interviews", "GET", API_PATIENT, READERS),
    RouteCase(
        "api:POST /api/patients/{code}/interviews",
        "POST",
        API_PATIENT,
        COUNSELLORS,
        frozenset({201}),
        data=_json_answers(),
        json=True,
    ),
    RouteCase(
        "api:POST /api/patients/{code}/interviews/missed",
        "POST",
        f"{API_PATIENT}/missed",
        COUNSELLORS,
        frozenset({201}),
        data={"time_point": "intake", "reason": "not_reachable"},
        json=True,
    ),
    RouteCase(
        "api:GET /api/patients/{code}/interviews/fhir", "GET", f"{API_PATIENT}/fhir", READERS
    ),
    # Instruments identify nobody: every member of a clinic reads them, the outsider too.
    RouteCase(
        "api:GET /api/interview-instruments",
        "GET",
        "/api/interview-instruments",
        ALL_ROLES,
        outsider_status=OK,
        outsider_must_not_see=ZRH_PATIENTS,
    ),
    RouteCase(
        "api:GET /api/interview-instruments/{key}/{version}/fhir",
        "GET",
        "/api/interview-instruments/openhat-core/1/fhir",
        ALL_ROLES,
        outsider_status=OK,
        outsider_must_not_see=ZRH_PATIENTS,
    ),
    RouteCase(
        "api:GET /api/clinics/{clinic}/interview-settings",
        "GET",
        "/api/clinics/{clinic}/interview-settings",
        READERS,
    ),
    RouteCase(
        "api:PUT /api/clinics/{clinic}/interview-settings",
        "PUT",
        "/api/clinics/{clinic}/interview-settings",
        frozenset({"manager"}),
        data={
            "instrument_key": "openhat-core",
            "intake_opens_before": 30,
            "intake_closes_after": 14,
            "follow_up_opens_before": 10,
            "follow_up_closes_after": 21,
            "exit_opens_before": 14,
            "exit_closes_after": 30,
        },
        json=True,
    ),
]
