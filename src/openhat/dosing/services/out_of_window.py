"""A physician opens a session outside the clinic's dosing windows or the order's (docs/domain.md
§3.5): a patient who must take the evening dose at midday, a late arrival the physician accepts.

The nurse checks the patient in as usual (identity against the photo); the physician signs in on
the nurse's screen, names the window the session stands for, writes the reason and enters a
current second-factor code, as for an override. The session records the physician, the reason
and when the code was checked; the engine then decides for the window named, with every other
rule in force.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction

from openhat.audit.codes import AuditCode
from openhat.audit.services import record_event
from openhat.clinics.access import require
from openhat.clinics.roles import Capability
from openhat.core import clock, idempotency
from openhat.core.errors import DomainError
from openhat.dosing.models import DosingSession
from openhat.dosing.services.due_check import require_due_and_stocked
from openhat.dosing.services.sessions import open_session, require_identity_and_enrolment
from openhat.dosing.services.steps import clean_notes
from openhat.dosing.services.window_guard import check_in_window, named_window
from openhat.patients.models import Patient
from openhat.prescribing.services.signing import fresh_second_factor
from openhat.rules.context import SessionWindow

OPERATION = "dosing.out_of_window"


def _refuse_if_in_window(patient: Patient, window: str) -> None:
    try:
        check_in_window(patient, clock.now(), named_window(window))
    except DomainError:
        return
    raise DomainError(
        "window_is_open",
        f"The {window} window is open and covered by the orders: check the patient in as usual.",
        "window",
    )


def _earlier(actor: User, key: str | None, patient: Patient) -> DosingSession | None:
    if not key:
        return None
    with transaction.atomic():
        found = idempotency.previous_result(actor, key, f"{OPERATION}:{patient.pk}")
    return None if found is None else DosingSession.objects.get(pk=int(found.result_id))


def open_out_of_window(
    *,
    actor: User,
    physician: User,
    patient: Patient,
    window: object,
    reason: str,
    totp_code: str | None,
    identity_confirmed: bool,
    idempotency_key: str | None = None,
) -> DosingSession:
    """`actor` (the nurse) checks the patient in; `physician` allows it outside the windows."""
    require(actor, patient.clinic, Capability.RUN_SESSIONS)
    require(physician, patient.clinic, Capability.OVERRIDE_DOSE)
    chosen = named_window(window)
    if chosen is None:
        raise DomainError("window_required", "Name the window this session stands for.", "window")
    text = clean_notes(reason)
    if len(text) < 10:
        raise DomainError(
            "out_of_window_reason_required",
            "Write the clinical reason for a dose outside the windows (at least a sentence).",
            "reason",
        )
    require_identity_and_enrolment(patient, identity_confirmed)
    # The key is held from the first look for an earlier attempt to the commit: a retry sent while
    # this attempt is between its second-factor check and its session waits, then answers with it.
    with idempotency.key_held(actor, idempotency_key):
        earlier = _earlier(actor, idempotency_key, patient)
        if earlier is not None:
            return earlier
        _refuse_if_in_window(patient, chosen)
        # Outside the transaction, as for an override: a wrong code stays on record.
        verified_at = fresh_second_factor(physician, totp_code)
        return _open(actor, physician, patient, chosen, text, verified_at, idempotency_key)


def _open(
    actor: User,
    physician: User,
    patient: Patient,
    chosen: SessionWindow,
    text: str,
    verified_at: datetime,
    idempotency_key: str | None,
) -> DosingSession:
    with transaction.atomic():
        if idempotency_key:
            # The key's lock is held (key_held); the transaction's read sees every earlier commit.
            found = idempotency.previous_result(actor, idempotency_key, f"{OPERATION}:{patient.pk}")
            if found is not None:
                return DosingSession.objects.get(pk=int(found.result_id))
        now = clock.now()
        session = open_session(
            actor,
            patient,
            chosen,
            now,
            before_opening=lambda: require_due_and_stocked(patient, chosen, now),
            out_of_window_by=physician,
            out_of_window_reason=text,
            out_of_window_verified_at=verified_at,
        )
        record_event(
            AuditCode.SESSION_OPENED_OUT_OF_WINDOW,
            actor=physician,
            clinic=patient.clinic,
            target=session,
            data={
                "client_code": patient.client_code,
                "window": str(chosen),
                "reason": text,
                "checked_in_by": actor.get_username(),
            },
        )
        if idempotency_key:
            idempotency.remember_result(
                actor, idempotency_key, f"{OPERATION}:{patient.pk}", session
            )
        return session
