"""The administration checked before its confirmation (docs/domain.md §3.5 step 5), read only.

The page shows a "cannot be undone" confirmation before it records a dose; what can be wrong
with the dose is answered on the form before that screen, not after the nurse confirmed.
"""

from __future__ import annotations

from django.contrib.auth.models import User

from openhat.clinics.roles import Capability
from openhat.core.errors import Conflict, DomainError
from openhat.dosing.models import DosingSession, SessionState
from openhat.dosing.services.administer import (
    check_site,
    refuse_if_done,
    remainder_handling,
)
from openhat.dosing.services.steps import (
    checked_again,
    current_preparation,
    positive_mg,
    require_latest_decision,
    session_for,
)


def check_administration(
    *,
    actor: User,
    session_id: object,
    decision_id: object,
    dose_mg: object,
    site: str = "",
    preparation_id: object | None = None,
    remainder: str = "",
) -> None:
    """Everything `administer` checks except the witness, read only and without a lock: the page
    asks it before its "cannot be undone" confirmation, so a missing site, a dose above what was
    drawn or allowed, an unhandled remainder or a stale form is answered on the form. Recording
    the dose checks all of it again under the lock."""
    session = session_for(actor, session_id, Capability.RUN_SESSIONS)
    dose = positive_mg(dose_mg)
    current = DosingSession.objects.select_related("clinic", "patient").get(pk=session.pk)
    refuse_if_done(current)
    if current.state not in (SessionState.DECIDED, SessionState.PREPARED):
        raise DomainError(
            "no_decision", "Ask for the decision before recording a dose.", "decision"
        )
    latest = require_latest_decision(current, decision_id)
    check_site(latest.route, (site or "").strip())
    preparation = current_preparation(current)
    if current.state == SessionState.PREPARED and (
        preparation is None
        or (preparation_id not in (None, "") and str(preparation.pk) != str(preparation_id))
    ):
        raise Conflict(
            "stale_preparation",
            "The drawn dose on this form is not the session's current one; reload.",
            "preparation",
        )
    checked_again(current, latest, dose)
    if preparation is None:
        return
    if dose > preparation.dose_mg:
        raise DomainError(
            "dose_exceeds_prepared",
            f"Only {preparation.dose_mg.normalize():f} mg was drawn for this session.",
            "dose_mg",
        )
    if dose < preparation.dose_mg:
        remainder_handling(preparation.dose_mg - dose, remainder)
