"""The dosing station over JSON (issue 6): the board, sessions step by step, adverse events.

Every path is under /api/clinics/{clinic}/dosing/. Handlers validate with a schema, check the
role through clinic_for_request, find the record in the caller's clinic (another clinic's is "not
found"), call one dosing service and answer with the record written. Nurses run sessions;
nurses, pharmacists and physicians prepare doses; physicians override and sign off adverse
events; every chart-reading role reads. The steps are in api_steps.py, adverse events in
api_events.py; all are registered on this module's `router`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Q, Sum
from django.http import HttpRequest
from ninja import Header, Query, Router, Status

from openhat.clinics.models import Clinic
from openhat.clinics.roles import Capability
from openhat.core import clock
from openhat.dosing.api_common import (
    DOSING,
    ERRORS,
    IDEMPOTENCY_HELP,
    caller_in,
    key,
    patient_in,
    session_in,
)
from openhat.dosing.api_events import router as events_router
from openhat.dosing.api_rows import session_detail, session_row
from openhat.dosing.api_steps import router as steps_router
from openhat.dosing.models import Administration, DosingSession
from openhat.dosing.schemas import BoardOut, BoardQuery, CheckInIn, SessionDetailOut, SessionOut
from openhat.dosing.services.sessions import check_in
from openhat.dosing.windows import current_window
from openhat.patients.lifecycle import PatientStatus
from openhat.patients.models import Patient
from openhat.rules.day import dosing_day

router = Router(tags=["dosing"])


def _board_rows(clinic: Clinic, day: Any, window: str) -> list[dict[str, Any]]:
    """Today's state per patient: the latest session of the window, else "due" when enrolled."""
    sessions = (
        DosingSession.objects.filter(clinic=clinic, dosing_day=day, window=window)
        .select_related("administration")
        .order_by("patient_id", "-checked_in_at", "-pk")
        .distinct("patient_id")
    )
    latest = {session.patient_id: session for session in sessions}
    doses = {
        row["patient_id"]: row
        for row in Administration.objects.filter(clinic=clinic, session__dosing_day=day)
        .values("patient_id")
        .annotate(count=Count("pk"), mg=Sum("dose_mg"), last=Max("administered_at"))
    }
    patients = (
        Patient.objects.filter(clinic=clinic)
        .filter(Q(status=PatientStatus.ENROLLED) | Q(pk__in=list(latest)))
        .only("pk", "client_code")
        .order_by("client_code")
    )
    rows = []
    for patient in patients:
        session = latest.get(patient.pk)
        given = getattr(session, "administration", None) if session else None
        dosed = doses.get(patient.pk, {})
        rows.append(
            {
                "patient_id": patient.pk,
                "client_code": patient.client_code,
                "state": session.state if session else "due",
                "session_id": session.pk if session else None,
                "window": session.window if session else None,
                "doses_today": dosed.get("count", 0),
                "mg_today": dosed.get("mg") or Decimal(0),
                "last_dose_at": dosed.get("last"),
                "observe_until": given.observe_until if given else None,
            }
        )
    return rows


@router.get(
    f"{DOSING}/board",
    response={200: BoardOut, **ERRORS},
    summary="The board: each enrolled patient's state in a window of a day",
    description=(
        "`state` is the state of the patient's latest session in that window (checked_in, "
        "assessed, decided, prepared, observing, completed, no_dose), or `due` without one. "
        "Default: today and the window open now."
    ),
)
def board(request: HttpRequest, clinic: str, filters: Query[BoardQuery]) -> dict[str, Any]:
    who = caller_in(request, clinic, Capability.VIEW_DOSING)
    now = clock.now()
    day = filters.day or dosing_day(now, who.clinic.zone)
    window = str(filters.window or current_window(who.clinic, now))
    return {"day": day, "window": window, "rows": _board_rows(who.clinic, day, window)}


@router.post(
    f"{DOSING}/sessions",
    response={201: SessionOut, **ERRORS},
    summary="Check a patient in: the nurse has confirmed their identity against the photo",
    description=(
        "A patient with an open session is 409 `session_open`; a patient not enrolled is 400 "
        f"`patient_not_enrolled`. {IDEMPOTENCY_HELP}"
    ),
)
def open_session(
    request: HttpRequest,
    clinic: str,
    payload: CheckInIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status[dict[str, Any]]:
    who = caller_in(request, clinic, Capability.RUN_SESSIONS)
    session = check_in(
        actor=who.user,
        patient=patient_in(who.clinic, payload.patient_id),
        window=payload.window,
        identity_confirmed=payload.identity_confirmed,
        idempotency_key=key(idempotency_key),
    )
    return Status(201, session_row(session))


@router.get(
    f"{DOSING}/sessions/{{int:session_id}}",
    response={200: SessionDetailOut, **ERRORS},
    summary="One session with every step so far: what a station needs to continue it",
)
def show_session(request: HttpRequest, clinic: str, session_id: int) -> dict[str, Any]:
    who = caller_in(request, clinic, Capability.VIEW_DOSING)
    return session_detail(session_in(who.clinic, session_id))


router.add_router("", steps_router)
router.add_router("", events_router)
