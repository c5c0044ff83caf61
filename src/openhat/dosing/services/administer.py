"""Preparing and giving a dose (docs/domain.md §3.5 steps 4-5).

Preparation draws the dose from the ledger (`dose issued`, mg and mL) for the session. The
administration records what was given, at which site, and books any remainder of a partial dose
back to stock or to waste with a witness. Both steps lock the patient's DosingState row and run
the decision again inside their transaction, so two stations, a double click or a retried request
cannot draw or record a second dose or pass a limit (docs/domain.md §7 invariants 1-4).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import User

from openhat.audit.codes import AuditCode
from openhat.audit.services import record_event
from openhat.clinics.roles import Capability
from openhat.core import clock
from openhat.core.errors import Conflict, DomainError
from openhat.dosing.models import (
    Administration,
    DosePreparation,
    DosingSession,
    DosingState,
    SessionDecision,
    SessionOverride,
    SessionState,
)
from openhat.dosing.services.ledger_guard import station_adjusting
from openhat.dosing.services.steps import (
    checked_again,
    current_preparation,
    locked_session,
    once,
    positive_mg,
    require_latest_decision,
    session_for,
)
from openhat.dosing.sites import SITES_BY_ROUTE
from openhat.pharmacy.models import LedgerEntry, ProductKind
from openhat.pharmacy.services import issue_dose, record_waste, return_dose
from openhat.pharmacy.services.lookup import lot_of
from openhat.pharmacy.services.witness import check_witness
from openhat.rules.outcome import Decision

INJECTED = frozenset({"iv", "im", "sc"})
# What each route's dose may be drawn from.
FORMS_BY_ROUTE: dict[str, frozenset[str]] = {
    "iv": frozenset({ProductKind.DAM_SOLUTION, ProductKind.HDM_INJECTABLE}),
    "im": frozenset({ProductKind.DAM_SOLUTION, ProductKind.HDM_INJECTABLE}),
    "sc": frozenset({ProductKind.DAM_SOLUTION, ProductKind.HDM_INJECTABLE}),
    "inhaled": frozenset({ProductKind.DAM_SOLUTION}),
    "oral": frozenset(
        {ProductKind.DAM_TABLET, ProductKind.METHADONE_SOLUTION, ProductKind.SROM_CAPSULE}
    ),
}
REMAINDER_CHOICES = ("return", "waste")


def _lock(session: DosingSession) -> DosingSession:
    # The patient's dosing-state row lock: a second station, a double click or a retry waits
    # here, then finds this dose in the history and the session no longer awaiting one.
    DosingState.objects.select_for_update(no_key=True).get(patient_id=session.patient_id)
    return locked_session(session)


def refuse_if_done(session: DosingSession) -> None:
    if session.state in (SessionState.OBSERVING, SessionState.COMPLETED):
        raise Conflict(
            "already_administered",
            "A dose was already recorded for this session (perhaps at another station); "
            "its observation is "
            + ("still open." if session.state == SessionState.OBSERVING else "signed off."),
            "session",
        )
    if session.state == SessionState.NO_DOSE:
        raise Conflict("session_ended", "This session ended without a dose.", "session")


def _draw(
    actor: User,
    session: DosingSession,
    latest: SessionDecision,
    dose: Decimal,
    lot_id: object,
    location_id: object,
) -> tuple[DosePreparation, Decision]:
    """Under the caller's lock: the decision is re-run, then the ledger issues the dose."""
    again = checked_again(session, latest, dose)
    lot = lot_of(session.clinic, lot_id)
    if lot.product.drug != latest.drug:
        raise DomainError("lot_wrong_drug", f"Lot {lot.lot_number} is not {latest.drug}.", "lot")
    if lot.product.kind not in FORMS_BY_ROUTE.get(latest.route, frozenset()):
        raise DomainError(
            "lot_wrong_form",
            f"{lot.product.name} cannot be given {latest.route}; choose a lot for that route.",
            "lot",
        )
    issued = issue_dose(
        actor=actor,
        clinic=session.clinic,
        lot_id=lot,
        location_id=location_id,
        amount=dose,
        unit="mg",
        patient=session.patient,
        dose_reference=f"session {session.pk}",
    ).first
    preparation = DosePreparation.objects.create(
        session=session,
        decision=latest,
        lot=lot,
        location=issued.location,
        issued_entry=issued,
        dose_mg=dose,
        volume_ml=None if issued.volume_ml is None else abs(issued.volume_ml),
        at=clock.now(),
        by=actor,
    )
    session.state = SessionState.PREPARED
    session.save(update_fields=["state"])
    record_event(
        AuditCode.DOSE_PREPARED,
        actor=actor,
        clinic=session.clinic,
        target=preparation,
        data={
            "session": session.pk,
            "dose_mg": str(dose),
            "volume_ml": None if preparation.volume_ml is None else str(preparation.volume_ml),
            "lot": lot.lot_number,
            "ledger_entry": issued.pk,
        },
    )
    return preparation, again


def prepare(
    *,
    actor: User,
    session_id: object,
    decision_id: object,
    dose_mg: object,
    lot_id: object,
    location_id: object,
    idempotency_key: str | None = None,
) -> DosePreparation:
    """Draw the dose for the session from a dosing-room lot: the ledger's `dose issued` entry."""
    session = session_for(actor, session_id, Capability.ISSUE_DOSE)
    dose = positive_mg(dose_mg)

    def work() -> DosePreparation:
        locked = _lock(session)
        refuse_if_done(locked)
        if locked.state == SessionState.PREPARED:
            raise Conflict(
                "already_prepared",
                "A dose is already drawn for this session; give it, or record it spilled.",
                "session",
            )
        if locked.state != SessionState.DECIDED:
            raise DomainError(
                "no_decision", "Ask for the decision before drawing a dose.", "decision"
            )
        latest = require_latest_decision(locked, decision_id)
        return _draw(actor, locked, latest, dose, lot_id, location_id)[0]

    return once(actor, idempotency_key, f"dosing.prepare:{session.pk}", DosePreparation, work)


def check_site(route: str, site: str) -> None:
    sites = SITES_BY_ROUTE.get(route, ())
    if sites and site not in sites:
        raise DomainError(
            "site_not_valid_for_route",
            f"{site.replace('_', ' ') or 'No site'} is not a site for a {route} dose; "
            "choose one from the list.",
            "site",
        )
    if not sites and site:
        raise DomainError("site_not_valid_for_route", f"A {route} dose has no body site.", "site")


def remainder_handling(remainder: Decimal, how: str) -> None:
    if how not in REMAINDER_CHOICES:
        raise DomainError(
            "remainder_handling_required",
            f"{remainder.normalize():f} mg of the drawn dose was not given: return it to stock or "
            "record it as waste.",
            "remainder",
        )


def _book_remainder(
    actor: User,
    session: DosingSession,
    preparation: DosePreparation,
    remainder: Decimal,
    how: str,
    witness: User | None,
    reason: str,
) -> tuple[LedgerEntry, User | None]:
    remainder_handling(remainder, how)
    check_witness(session.clinic, actor, witness, required=True)
    why = reason.strip() or f"partial dose in session {session.pk}"
    token = station_adjusting.set(True)
    try:
        if how == "return":
            entry = return_dose(
                actor=actor,
                clinic=session.clinic,
                issued_entry_id=preparation.issued_entry_id,
                amount=remainder,
                unit="mg",
                reason=why,
            ).first
        else:
            movement = record_waste(
                actor=actor,
                clinic=session.clinic,
                lot_id=preparation.lot_id,
                location_id=preparation.location_id,
                amount=remainder,
                unit="mg",
                reason=why,
                witness=witness,
                issued_entry_id=preparation.issued_entry_id,
            )
            entry = movement.entries[-1]
    finally:
        station_adjusting.reset(token)
    return entry, witness


def _override_used(session: DosingSession, again: Decision) -> SessionOverride | None:
    lifted = {finding.rule_id for finding in again.findings if finding.overridden}
    if not lifted:
        return None
    return (
        SessionOverride.objects.filter(session=session, rule_ids__overlap=sorted(lifted))
        .order_by("-at", "-pk")
        .first()
    )


def administer(
    *,
    actor: User,
    session_id: object,
    decision_id: object,
    dose_mg: object,
    site: str = "",
    preparation_id: object | None = None,
    lot_id: object | None = None,
    location_id: object | None = None,
    remainder: str = "",
    witness: User | None = None,
    remainder_reason: str = "",
    idempotency_key: str | None = None,
) -> Administration:
    """Record the dose given. Without a preparation, the dose is drawn in the same transaction."""
    session = session_for(actor, session_id, Capability.RUN_SESSIONS)
    dose = positive_mg(dose_mg)
    site = (site or "").strip()

    def work() -> Administration:
        locked = _lock(session)
        refuse_if_done(locked)
        if locked.state not in (SessionState.DECIDED, SessionState.PREPARED):
            raise DomainError(
                "no_decision", "Ask for the decision before recording a dose.", "decision"
            )
        latest = require_latest_decision(locked, decision_id)
        check_site(latest.route, site)
        if locked.state == SessionState.DECIDED:
            if lot_id in (None, ""):
                raise DomainError(
                    "not_prepared", "Draw the dose (preparation) before giving it.", "preparation"
                )
            # Drawn and given in one step: the decision was re-run by the draw, under this lock.
            preparation, again = _draw(actor, locked, latest, dose, lot_id, location_id)
        else:
            found = current_preparation(locked)
            if found is None or (
                preparation_id not in (None, "") and str(found.pk) != str(preparation_id)
            ):
                raise Conflict(
                    "stale_preparation",
                    "The drawn dose on this form is not the session's current one; reload.",
                    "preparation",
                )
            preparation = found
            again = checked_again(locked, latest, dose)
        if dose > preparation.dose_mg:
            raise DomainError(
                "dose_exceeds_prepared",
                f"Only {preparation.dose_mg.normalize():f} mg was drawn for this session.",
                "dose_mg",
            )
        left = preparation.dose_mg - dose
        remainder_entry: LedgerEntry | None = None
        remainder_witness: User | None = None
        if left > 0:
            remainder_entry, remainder_witness = _book_remainder(
                actor, locked, preparation, left, remainder, witness, remainder_reason
            )
        now = clock.now()
        orders = again.context.orders if again.context is not None else ()
        order_line = next(
            (o for o in orders if o.drug == latest.drug and latest.route in o.routes), None
        )
        if order_line is None:  # the engine allowed a dose, so this cannot happen; never guess
            raise DomainError(
                "no_valid_order", "No active order covers this drug and route.", "decision"
            )
        administration = Administration.objects.create(
            session=locked,
            clinic=locked.clinic,
            patient=locked.patient,
            decision=latest,
            order_line_id=int(order_line.order_id),
            drug=latest.drug,
            route=latest.route,
            site=site,
            dose_mg=dose,
            issued_entry_id=preparation.issued_entry_id,
            preparation=preparation,
            override=_override_used(locked, again),
            remainder_mg=left,
            remainder_entry=remainder_entry,
            remainder_witness=remainder_witness,
            administered_at=now,
            observe_until=now + timedelta(minutes=again.observation_minutes),
            nurse=actor,
        )
        locked.state = SessionState.OBSERVING
        locked.save(update_fields=["state"])
        DosingState.objects.filter(patient_id=locked.patient_id).update(last_administered_at=now)
        record_event(
            AuditCode.DOSE_ADMINISTERED,
            actor=actor,
            clinic=locked.clinic,
            target=administration,
            data={
                "session": locked.pk,
                "dose_mg": str(dose),
                "drug": latest.drug,
                "route": latest.route,
                "site": site,
                "remainder_mg": str(left),
                "remainder": remainder if left > 0 else "",
                "override": administration.override_id,
            },
        )
        return administration

    return once(actor, idempotency_key, f"dosing.administer:{session.pk}", Administration, work)
