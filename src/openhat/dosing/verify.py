"""`openhat sessions verify`: the dosing records' chains, and every dose against the ledger.

1. The chains of decisions, administrations and adverse events, through the shared walk
   (`audit.walk`): positions, previous hashes, keyed hashes and the signed checkpoints.
2. Every administration against its ledger entries, to the microgram (mg to three places):
   the dose issued equals the dose administered plus what was returned to stock plus what was
   wasted; the remainder the administration records is what was returned and wasted; the issue
   was a `dose issued` entry for the same patient; and the dose is not above the maximum of the
   decision it was given under.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Model

from openhat.audit.checkpoints import Anchors, load_anchors
from openhat.audit.keys import chain_keys
from openhat.audit.walk import ChainBreak, ChainWalk, walk_rows
from openhat.dosing.models import Administration, AdverseEvent, SessionDecision
from openhat.pharmacy.models import EntryKind, LedgerEntry

ZERO = Decimal("0")
DOSING_CHAINS: tuple[tuple[str, type[Model]], ...] = (
    ("session_decision", SessionDecision),
    ("administration", Administration),
    ("adverse_event", AdverseEvent),
)


@dataclass(frozen=True)
class DoseMismatch:
    administration_id: int
    session_id: int
    problem: str


@dataclass(frozen=True)
class SessionsReport:
    rows_checked: dict[str, int]
    breaks: list[ChainBreak]
    administrations_checked: int
    mismatches: list[DoseMismatch]
    checkpoint_problems: list[str]

    @property
    def intact(self) -> bool:
        return not (self.breaks or self.mismatches or self.checkpoint_problems)


def _mg(value: Decimal) -> str:
    return f"{value.normalize():f}"


def dose_problems(given: Administration, linked: list[LedgerEntry]) -> list[str]:
    """What does not add up between one administration and the ledger entries of its dose."""
    issued = given.issued_entry
    if issued is None:
        return ["it has no `dose issued` ledger entry"]
    problems = []
    if issued.kind != EntryKind.DOSE_ISSUED or issued.patient_id != given.patient_id:
        problems.append(f"ledger entry {issued.pk} is not a dose issued to this patient")
    booked_back = sum((e.quantity_mg for e in linked if e.kind == EntryKind.DOSE_RETURNED), ZERO)
    wasted = sum((-e.quantity_mg for e in linked if e.kind == EntryKind.WASTE), ZERO)
    returned = booked_back - wasted
    issued_mg = -issued.quantity_mg
    if issued_mg != given.dose_mg + returned + wasted:
        problems.append(
            f"issued {_mg(issued_mg)} mg but administered {_mg(given.dose_mg)} + returned "
            f"{_mg(returned)} + wasted {_mg(wasted)} = {_mg(given.dose_mg + returned + wasted)} mg"
        )
    if given.remainder_mg != returned + wasted:
        problems.append(
            f"its remainder is {_mg(given.remainder_mg)} mg but the ledger returned "
            f"{_mg(returned)} and wasted {_mg(wasted)} mg"
        )
    if given.dose_mg > given.decision.max_dose_mg:
        problems.append(
            f"the dose {_mg(given.dose_mg)} mg is above its decision's maximum "
            f"{_mg(given.decision.max_dose_mg)} mg"
        )
    return problems


def verify_sessions(
    on_row: Callable[[], None] | None = None, anchors: Anchors | None = None
) -> SessionsReport:
    anchors = anchors if anchors is not None else load_anchors()
    keys = chain_keys()
    counts: dict[str, int] = {}
    breaks: list[ChainBreak] = []
    for table, model in DOSING_CHAINS:
        rows = model._default_manager.order_by("chain_key", "chain_seq").iterator(chunk_size=2000)
        counts[table], found = walk_rows(rows, ChainWalk(table, keys, anchors), on_row)
        breaks.extend(found)

    linked: dict[int, list[LedgerEntry]] = {}
    for entry in LedgerEntry.objects.filter(
        returns_entry__isnull=False, kind__in=[EntryKind.DOSE_RETURNED, EntryKind.WASTE]
    ).iterator(chunk_size=2000):
        linked.setdefault(int(entry.returns_entry_id), []).append(entry)  # type: ignore[arg-type]
    mismatches = []
    checked = 0
    administrations = Administration.objects.select_related("issued_entry", "decision").order_by(
        "pk"
    )
    for given in administrations.iterator(chunk_size=2000):
        checked += 1
        for problem in dose_problems(given, linked.get(int(given.issued_entry_id or 0), [])):
            mismatches.append(DoseMismatch(given.pk, given.session_id, problem))
    return SessionsReport(counts, breaks, checked, mismatches, anchors.problems)
