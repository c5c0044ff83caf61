"""The station's guard on the ledger (docs/domain.md §7, 4).

- A dose recorded as given stays given: undoing part of its issue in the ledger afterwards (a
  reversal, a return or waste) would leave the ledger saying the mg went back to stock while the
  administration says the patient received them.
- A dose drawn at the station is the station's to settle: it is given, its remainder returned or
  wasted at the administration, or it is recorded spilled or not given (witnessed waste), all at
  the station, which sets `station_adjusting` while it books them. Once settled, the ledger
  cannot undo that either.
"""

from __future__ import annotations

from contextvars import ContextVar

from openhat.core.errors import DomainError
from openhat.dosing.models import Administration, DosePreparation, SessionState
from openhat.pharmacy.models import LedgerEntry

station_adjusting: ContextVar[bool] = ContextVar("station_adjusting", default=False)


def refuse_undoing_administered_doses(issues: list[LedgerEntry]) -> DomainError | None:
    given = Administration.objects.filter(issued_entry__in=issues).first()
    if given is not None:
        return DomainError(
            "dose_administered",
            f"This dose was recorded as given in session {given.session_id}; the ledger cannot "
            "undo it. Correct it at the dosing station.",
            "entry",
        )
    if station_adjusting.get():
        return None
    drawn = (
        DosePreparation.objects.filter(issued_entry__in=issues).select_related("session").first()
    )
    if drawn is None:
        return None
    if drawn.session.state == SessionState.PREPARED and not hasattr(drawn, "spill"):
        return DomainError(
            "dose_prepared",
            f"This dose was drawn for session {drawn.session_id}, which is still open; the "
            "station gives it, returns what is left, or records it spilled.",
            "entry",
        )
    return DomainError(
        "dose_settled_at_station",
        f"This dose was drawn for session {drawn.session_id} and settled at the dosing station "
        "(spilled or not given, wasted with a witness); the ledger cannot undo it.",
        "entry",
    )
