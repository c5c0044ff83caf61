"""Small builders for the station's service tests: sessions up to a step, a dosing history, an oral
order with its stock, and row counts to prove that a refused step recorded nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from openhat.audit.models import AuditEvent
from openhat.core import clock
from openhat.core.errors import DomainError
from openhat.dosing.models import (
    Administration,
    AdverseEvent,
    DosePreparation,
    DosingSession,
    SessionDecision,
    SessionException,
    SessionOverride,
)
from openhat.dosing.services.administer import administer, prepare
from openhat.dosing.services.sessions import assess, check_in, decide_session, sign_off
from openhat.patients.services import register_patient
from openhat.patients.validation import IdentityInput
from openhat.pharmacy.models import LedgerEntry, Lot
from openhat.pharmacy.services import transfer_stock
from openhat.prescribing.services import sign_order
from tests.pharmacy.conftest import receive
from tests.prescribing.conftest import dam, enrol, methadone, totp_code

COUNTED = (
    Administration,
    DosePreparation,
    LedgerEntry,
    SessionException,
    SessionOverride,
    SessionDecision,
    AdverseEvent,
    AuditEvent,
)


def counts() -> dict[str, int]:
    """Rows of every table a station step writes to."""
    return {model.__name__: model.objects.count() for model in COUNTED}


def refused(call: Callable[..., Any], code: str, **kwargs: Any) -> DomainError:
    """`call(**kwargs)` fails with `code` and leaves every station table as it was."""
    before = counts()
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    assert caught.value.code == code, caught.value.as_dict()
    assert counts() == before
    return caught.value


def open_session(
    personas: Any,
    patient: Any,
    *,
    window: str | None = None,
    sedation_score: int = 1,
    breath_alcohol: str = "0",
) -> DosingSession:
    """Checked in and assessed by the nurse."""
    nurse = personas["nurse"]
    session = check_in(actor=nurse, patient=patient, window=window, identity_confirmed=True)
    assess(
        actor=nurse,
        session_id=session.pk,
        sedation_score=sedation_score,
        breath_alcohol_mg_per_l=breath_alcohol,
    )
    return session


def decided(
    personas: Any,
    patient: Any,
    *,
    drug: str = "dam",
    route: str = "iv",
    dose_mg: object | None = None,
    **assessment: Any,
) -> tuple[DosingSession, SessionDecision]:
    session = open_session(personas, patient, **assessment)
    decision = decide_session(
        actor=personas["nurse"], session_id=session.pk, drug=drug, route=route, dose_mg=dose_mg
    )
    return session, decision


def drawn(
    personas: Any,
    station: Any,
    session: DosingSession,
    decision: SessionDecision,
    dose_mg: object,
    *,
    actor: Any = None,
    lot: Lot | None = None,
) -> DosePreparation:
    return prepare(
        actor=actor or personas["nurse"],
        session_id=session.pk,
        decision_id=decision.pk,
        dose_mg=dose_mg,
        lot_id=(lot or station.solution).pk,
        location_id=station.formulary.dosing_room.pk,
    )


def full_session(
    personas: Any, station: Any, dose_mg: object, *, site: str = "left_arm"
) -> Administration:
    """Check in, assess, decide, draw and give `dose_mg`, then sign off when observation ends."""
    nurse = personas["nurse"]
    session, decision = decided(personas, station.patient, dose_mg=dose_mg)
    given = administer(
        actor=nurse,
        session_id=session.pk,
        decision_id=decision.pk,
        dose_mg=dose_mg,
        site=site,
        lot_id=station.solution.pk,
        location_id=station.formulary.dosing_room.pk,
    )
    with clock.backdated(given.observe_until + timedelta(seconds=1)):
        sign_off(actor=nurse, session_id=session.pk, sedation_score=1)
    return given


def days_ago(days: int, hour: int, minute: int = 0, *, zone: Any) -> datetime:
    local = timezone.localtime(timezone.now(), zone).replace(
        hour=hour, minute=minute, second=0, microsecond=0
    )
    return local - timedelta(days=days)


def titrated(personas: Any, station: Any) -> Any:
    """Another enrolled patient, on a DAM order signed three days ago, with two days of titration
    behind them (15 + 30 mg two days ago, 45 + 45 mg yesterday): today's single dose may rise by
    half over 45 mg, to 67.5 mg. Returns a station for that patient."""
    physician = personas["physician"]
    zone = personas.clinic.zone
    patient = enrol(
        register_patient(
            actor=personas["nurse"],
            clinic=personas.clinic,
            identity=IdentityInput("Titrated Person", date(1980, 2, 3), "male", ""),
        )
    )
    sign_order(
        actor=physician,
        patient=patient,
        order=dam(starts_at=days_ago(3, 7, zone=zone)),
        totp_code=totp_code(physician),
    )
    other = replace(station, patient=patient)
    for days, hour, dose in ((2, 8, "15"), (2, 9, "30"), (1, 8, "45"), (1, 14, "45")):
        with clock.backdated(days_ago(days, hour, zone=zone)):
            full_session(personas, other, dose)
    return other


def oral_methadone(personas: Any, station: Any, daily: str = "60") -> Lot:
    """A signed oral methadone order beside the DAM order, and methadone solution in the room."""
    physician = personas["physician"]
    sign_order(
        actor=physician,
        patient=station.patient,
        order=methadone(daily),
        totp_code=totp_code(physician),
    )
    lot = receive(
        personas, station.formulary.methadone, station.formulary.safe, 1000, "mL", lot_number="M-1"
    )
    transfer_stock(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        lot_id=lot.pk,
        from_location_id=station.formulary.safe.pk,
        to_location_id=station.formulary.dosing_room.pk,
        amount=Decimal("500"),
        unit="mL",
    )
    return lot
