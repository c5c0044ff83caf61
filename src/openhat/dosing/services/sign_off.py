"""Ending observation: the post-dose assessment and sign-off (docs/domain.md §3.5).

Refused before the observation ends (the decision's minutes, or longer after naloxone: see
services/observation.py). After a serious adverse event in the observation, a physician signs off
with the nurse, with their second factor; the sign-off stores them and when the code was checked.
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
from openhat.core.errors import Conflict, DomainError
from openhat.dosing.models import (
    AssessmentKind,
    DosingSession,
    ObservationSignOff,
    SessionAssessment,
    SessionState,
)
from openhat.dosing.services.observation import observation_of
from openhat.dosing.services.steps import locked_session, once, session_for
from openhat.dosing.services.steps import sedation_score as read_score
from openhat.prescribing.services.signing import fresh_second_factor


def sign_off(
    *,
    actor: User,
    session_id: object,
    sedation_score: object,
    notes: str = "",
    physician: User | None = None,
    totp_code: str | None = None,
    idempotency_key: str | None = None,
) -> ObservationSignOff:
    """The post-dose assessment that ends observation; refused before the observation ends (the
    decision's minutes, longer after naloxone). After a serious adverse event a physician signs
    off with the nurse, with their second factor (`physician`, `totp_code`)."""
    session = session_for(actor, session_id, Capability.RUN_SESSIONS)
    score = read_score(sedation_score)
    if score is None:
        raise DomainError(
            "sedation_score", "Record the post-dose sedation score (1-4).", "sedation_score"
        )
    # The key is held from the look for an earlier attempt to the commit: a retry sent while the
    # first is between the physician's code and its sign-off waits for it, then answers with it.
    with idempotency.key_held(actor, idempotency_key):
        verified_at = None
        if physician is not None:
            require(physician, session.clinic, Capability.SIGN_OFF_ADVERSE_EVENT)
            earlier = _earlier_sign_off(actor, idempotency_key, session)
            if earlier is not None:  # a retry: the code it carries was already used by the first
                return earlier
            _sign_off_checks(
                DosingSession.objects.select_related("clinic", "patient").get(pk=session.pk),
                physician,
            )
            verified_at = fresh_second_factor(physician, totp_code)

        def work() -> ObservationSignOff:
            return _sign_off(actor, locked_session(session), score, notes, physician, verified_at)

        return once(
            actor, idempotency_key, f"dosing.sign_off:{session.pk}", ObservationSignOff, work
        )


def _earlier_sign_off(
    actor: User, key: str | None, session: DosingSession
) -> ObservationSignOff | None:
    if not key:
        return None
    with transaction.atomic():
        found = idempotency.previous_result(actor, key, f"dosing.sign_off:{session.pk}")
    return None if found is None else ObservationSignOff.objects.get(pk=int(found.result_id))


def _sign_off_checks(session: DosingSession, physician: User | None) -> None:
    if session.state != SessionState.OBSERVING:
        raise Conflict(
            "not_in_observation",
            "This session is not in observation"
            + (" (observation already ended)." if session.state == SessionState.COMPLETED else "."),
            "session",
        )
    now = clock.now()
    watch = observation_of(session, session.administration, now)
    if now < watch.until:
        left = watch.until - now
        why = (
            f" (naloxone given: at least {watch.after_naloxone_minutes} min after it)"
            if watch.after_naloxone_minutes is not None
            and watch.until > session.administration.observe_until
            else ""
        )
        until = f"{watch.until.astimezone(session.clinic.zone):%H:%M}"
        raise DomainError(
            "observation_not_over",
            f"Observation runs {int(left.total_seconds() // 60) + 1} more minute(s), until "
            f"{until}{why}.",
            "session",
        )
    if watch.needs_physician and physician is None:
        raise DomainError(
            "physician_sign_off_required",
            "A serious adverse event happened in this observation: a physician signs off, with "
            "their authenticator code.",
            "physician_username",
        )


def _sign_off(
    actor: User,
    session: DosingSession,
    score: int,
    notes: str,
    physician: User | None = None,
    verified_at: datetime | None = None,
) -> ObservationSignOff:
    _sign_off_checks(session, physician)
    now = clock.now()
    assessment = SessionAssessment.objects.create(
        session=session,
        kind=AssessmentKind.POST_DOSE,
        sedation_score=score,
        notes=(notes or "").strip()[:2000],
        at=now,
        by=actor,
    )
    signed = ObservationSignOff.objects.create(
        session=session,
        assessment=assessment,
        at=now,
        by=actor,
        physician=physician,
        second_factor_verified_at=verified_at,
    )
    session.state = SessionState.COMPLETED
    session.ended_at = now
    session.save(update_fields=["state", "ended_at"])
    record_event(
        AuditCode.OBSERVATION_SIGNED_OFF,
        actor=actor,
        clinic=session.clinic,
        target=signed,
        data={
            "session": session.pk,
            "sedation_score": score,
            "physician": physician.get_username() if physician else None,
        },
    )
    return signed
