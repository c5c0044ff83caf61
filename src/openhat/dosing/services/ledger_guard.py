"""The station's guard on the ledger: a dose recorded as given stays given (CLINIC.md §7, 4).

Undoing part of an administered dose's issue in the ledger (a reversal, a return or waste after
the fact) would leave the ledger saying the mg went back to stock while the administration says
the patient received them. Partial doses are handled at the station, when the dose is recorded.
"""

from __future__ import annotations

from openhat.core.errors import DomainError
from openhat.dosing.models import Administration
from openhat.pharmacy.models import LedgerEntry


def refuse_undoing_administered_doses(issues: list[LedgerEntry]) -> DomainError | None:
    given = Administration.objects.filter(issued_entry__in=issues).first()
    if given is None:
        return None
    return DomainError(
        "dose_administered",
        f"This dose was recorded as given in session {given.session_id}; the ledger cannot undo "
        "it. Correct it at the dosing station.",
        "entry",
    )
