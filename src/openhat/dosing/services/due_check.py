"""At check-in, before anything is recorded: is a dose possible in this session at all?

The engine is asked, for each drug and route of the patient's orders in force, what it would say
now with no assessment yet. When every one is "not due" (too soon after the last dose, all the
day's sessions given, the observation not signed off, another window's order), check-in says so
and records nothing; the nurse need not assess, ask and then record a hold (issue 12, item 5).
When none of the drugs that could be given has a usable lot in the dosing room (held, not
expired, in a form for the route), check-in says so too, not the preparation screen.
"""

from __future__ import annotations

from datetime import datetime

from openhat.core.errors import DomainError
from openhat.dosing.services.administer import FORMS_BY_ROUTE
from openhat.dosing.services.context import session_context
from openhat.patients.models import Patient
from openhat.pharmacy.models import LocationKind, StockBalance
from openhat.pharmacy.services.lookup import lot_is_expired, solution_is_expired
from openhat.prescribing.services.queries import active_orders
from openhat.rules.context import DoseRequest
from openhat.rules.decide import decide

NOT_DUE = "not_due"


def _therapies(patient: Patient, now: datetime) -> list[tuple[str, str]]:
    seen: dict[tuple[str, str], None] = {}
    for version in active_orders(patient, now):
        for route in version.routes:
            seen.setdefault((str(version.drug), str(route)), None)
    return list(seen)


def _waiting_messages(
    patient: Patient, drug: str, route: str, window: str, now: datetime
) -> list[str]:
    request = DoseRequest(drug=drug, route=route, dose_mg=None, window=window)  # type: ignore[arg-type]
    decision = decide(
        session_context(
            patient=patient, clinic=patient.clinic, request=request, assessment=None, now=now
        )
    )
    return [f.message for f in decision.findings if f.severity.value == NOT_DUE]


def has_usable_stock(patient: Patient, drug: str, route: str, now: datetime) -> bool:
    rows = StockBalance.objects.filter(
        clinic=patient.clinic,
        balance_mg__gt=0,
        location__kind=LocationKind.DOSING_ROOM,
        product__drug=drug,
        product__kind__in=sorted(FORMS_BY_ROUTE.get(route, frozenset())),
    ).select_related("lot")
    return any(
        not lot_is_expired(row.lot, patient.clinic, now) and not solution_is_expired(row.lot, now)
        for row in rows
    )


def require_due_and_stocked(patient: Patient, window: str, now: datetime) -> None:
    """Refused (`not_due`, `no_usable_stock`) when no dose could follow this check-in now."""
    therapies = _therapies(patient, now)
    if not therapies:
        return  # no order: the decision says so, with the engine's words
    waiting: list[str] = []
    possible: list[tuple[str, str]] = []
    for drug, route in therapies:
        messages = _waiting_messages(patient, drug, route, window, now)
        if messages:
            waiting.extend(message for message in messages if message not in waiting)
        else:
            possible.append((drug, route))
    if not possible:
        raise DomainError(
            "not_due",
            f"{patient.client_code} is not due now: " + " ".join(waiting),
            "patient",
        )
    if not any(has_usable_stock(patient, drug, route, now) for drug, route in possible):
        wanted = ", ".join(f"{drug.upper()} {route.upper()}" for drug, route in possible)
        raise DomainError(
            "no_usable_stock",
            f"The dosing room holds no usable stock for {patient.client_code} ({wanted}): none "
            "in stock, or only expired lots. Ask the pharmacy to bring stock before checking in.",
            "patient",
        )
