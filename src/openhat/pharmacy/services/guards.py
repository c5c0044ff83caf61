"""Checks other apps register on dose issues before the ledger undoes any part of one.

The dosing station records administrations that point at their dose-issue entries; the pharmacy
does not import the dosing app (dosing imports the pharmacy), so the station registers a guard
here instead. A guard returns a DomainError to refuse, or None.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from openhat.core.errors import DomainError
from openhat.pharmacy.models import EntryKind, LedgerEntry

DoseIssueGuard = Callable[[list[LedgerEntry]], DomainError | None]
_dose_issue_guards: list[DoseIssueGuard] = []


def register_dose_issue_guard(guard: DoseIssueGuard) -> None:
    if guard not in _dose_issue_guards:
        _dose_issue_guards.append(guard)


def refuse_if_guarded(entries: Iterable[LedgerEntry]) -> None:
    """Called under the balance lock, before a reversal, return or waste touches a dose issue.

    A line booked against a dose issue (its return, or waste of what was left) counts as
    touching that issue: reversing it would change how much of the dose was given.
    """
    issues = []
    for entry in entries:
        if entry.kind == EntryKind.DOSE_ISSUED:
            issues.append(entry)
        elif entry.returns_entry is not None:
            issues.append(entry.returns_entry)
    if not issues:
        return
    for guard in _dose_issue_guards:
        refusal = guard(issues)
        if refusal is not None:
            raise refusal
