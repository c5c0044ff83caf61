"""Versions never edited, superseding, suspend/resume/stop, expiry, the engine's view, history."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from openhat.patients.models import Patient
from openhat.prescribing.models import OrderEvent, OrderLine, OrderState, OrderVersion
from openhat.prescribing.services import (
    OrderRefused,
    active_orders,
    engine_orders,
    expiring_orders,
    order_events,
    order_history,
    resume_order,
    sign_order,
    stop_order,
    supersede_order,
    suspend_order,
)
from openhat.rules import Drug, Phase, Route, SessionWindow
from tests.conftest import Personas
from tests.prescribing.conftest import dam, methadone, totp_code

pytestmark = pytest.mark.django_db


def _sign(actor: User, patient: Patient, order: Any, **extra: Any) -> OrderVersion:
    return sign_order(
        actor=actor, patient=patient, order=order, totp_code=totp_code(actor), **extra
    )


def _supersede(actor: User, version: OrderVersion, order: Any, **extra: Any) -> OrderVersion:
    extra.setdefault("expected_version", version.number)
    return supersede_order(
        actor=actor, line=version.line, order=order, totp_code=totp_code(actor), **extra
    )


def test_supersede_creates_version_2_and_keeps_version_1(
    physician: User, enrolled: Patient
) -> None:
    v1 = _sign(physician, enrolled, dam())
    before = OrderVersion.objects.filter(pk=v1.pk).values().get()
    v2 = _supersede(
        physician, v1, dam(dose_min="180", dose_max="240", daily_max="480", reason="more")
    )
    assert (v2.number, v2.supersedes_id, v2.line_id) == (2, v1.pk, v1.line_id)
    assert OrderVersion.objects.filter(pk=v1.pk).values().get() == before  # unchanged, readable
    line = OrderLine.objects.get(pk=v1.line_id)
    assert line.current_version_id == v2.pk
    assert [v.pk for v in active_orders(enrolled)] == [v2.pk]
    assert [v.number for v in order_history(enrolled)] == [1, 2]
    assert AuditEvent.objects.filter(code=AuditCode.ORDER_SUPERSEDED, object_id=str(v2.pk)).exists()


def test_a_change_from_a_later_moment_leaves_version_1_in_force_until_then(
    physician: User, enrolled: Patient
) -> None:
    v1 = _sign(physician, enrolled, dam(ends_at=None))
    later = timezone.now() + timedelta(hours=6)
    v2 = _supersede(physician, v1, dam(daily_max="500", ends_at=None), effective_at=later)
    assert [v.pk for v in active_orders(enrolled)] == [v1.pk]
    assert [v.pk for v in active_orders(enrolled, later + timedelta(minutes=1))] == [v2.pk]
    (now_order,) = engine_orders(enrolled)
    assert now_order.ends_at == later  # the engine sees version 1 end where version 2 begins


@pytest.mark.parametrize("operation", ["UPDATE", "DELETE"])
def test_a_version_row_cannot_be_changed_in_the_database(
    physician: User, enrolled: Patient, operation: str
) -> None:
    v1 = _sign(physician, enrolled, dam())
    sql = {
        "UPDATE": "UPDATE prescribing_orderversion SET daily_max_mg = 900 WHERE id = %s",
        "DELETE": "DELETE FROM prescribing_orderversion WHERE id = %s",
    }[operation]
    with (
        pytest.raises(DatabaseError, match="Cannot update or delete"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [v1.pk])
    with pytest.raises(DatabaseError, match="Cannot update or delete"), transaction.atomic():
        OrderVersion.objects.filter(pk=v1.pk).update(daily_max_mg=Decimal(900))
    assert OrderVersion.objects.get(pk=v1.pk).daily_max_mg == Decimal(400)


def test_order_events_cannot_be_changed_either(physician: User, enrolled: Patient) -> None:
    v1 = _sign(physician, enrolled, dam())
    event = suspend_order(actor=physician, line=v1.line, reason="vomiting, review tomorrow")
    with pytest.raises(DatabaseError, match="Cannot update or delete"), transaction.atomic():
        OrderEvent.objects.filter(pk=event.pk).update(reason="edited")


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("dose_min_mg", Decimal(500)),  # above dose_max
        ("dose_min_mg", Decimal(-1)),
        ("dose_max_mg", Decimal(0)),
        ("sessions_per_day", 0),
        ("routes", ["iv"]),  # for oral methadone
        ("routes", []),
        ("windows", ["night"]),
        ("ends_at", "start"),
        ("number", 2),  # a second version must name the one it supersedes
    ],
)
def test_database_constraints_refuse_impossible_versions(
    physician: User, enrolled: Patient, column: str, value: Any
) -> None:
    v1 = _sign(physician, enrolled, methadone())
    row = OrderVersion.objects.filter(pk=v1.pk).values().get()
    row.pop("id")
    row["number"] = 9
    row["supersedes_id"] = v1.pk
    row[column] = row["starts_at"] if value == "start" else value
    if column == "number":
        row["supersedes_id"] = None
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderVersion.objects.create(**row)


def test_a_stale_expected_version_gets_a_conflict(physician: User, enrolled: Patient) -> None:
    v1 = _sign(physician, enrolled, dam())
    _supersede(physician, v1, dam(daily_max="450"))
    with pytest.raises(Conflict) as error:
        _supersede(physician, v1, dam(daily_max="500"))
    assert error.value.code == "order_changed"
    assert OrderVersion.objects.count() == 2


def test_supersede_checks_like_signing(
    physician: User, enrolled: Patient, personas: Personas
) -> None:
    v1 = _sign(physician, enrolled, dam())
    with pytest.raises(DomainError) as error:
        _supersede(physician, v1, methadone())
    assert error.value.code == "drug_change_needs_new_order"
    with pytest.raises(DomainError) as error:
        _supersede(physician, v1, dam(), effective_at=timezone.now() - timedelta(hours=1))
    assert error.value.code == "effective_at_in_past"
    with pytest.raises(OrderRefused):
        _supersede(physician, v1, dam(daily_max="1100", dose_max="400", sessions_per_day=3))
    with pytest.raises(DomainError) as error:
        supersede_order(
            actor=physician, line=v1.line, expected_version=1, order=dam(), totp_code=None
        )
    assert error.value.code == "second_factor_required"
    with pytest.raises(PermissionDenied):
        _supersede(personas["nurse"], v1, dam())
    assert OrderVersion.objects.count() == 1
    v2 = _supersede(
        physician,
        v1,
        dam(daily_max="1100", dose_max="400", sessions_per_day=3),
        loosening_reason="r",
    )
    assert v2.preset_loosenings[0]["value"] == "1100"


def test_supersede_ignores_its_own_earlier_version_beside_other_orders(
    physician: User, enrolled: Patient
) -> None:
    """Methadone at 150 mg beside DAM can be changed to 120 mg: the old version is not 'beside'."""
    _sign(physician, enrolled, dam())
    meth = _sign(physician, enrolled, methadone("150"))
    v2 = _supersede(physician, meth, methadone("120"))
    assert v2.number == 2


def test_suspend_resume_and_stop(physician: User, enrolled: Patient, personas: Personas) -> None:
    v1 = _sign(physician, enrolled, dam())
    line = v1.line
    with pytest.raises(DomainError) as error:
        suspend_order(actor=physician, line=line, reason="  ")
    assert error.value.code == "reason_required"
    with pytest.raises(PermissionDenied):
        suspend_order(actor=personas["nurse"], line=line, reason="x")
    suspend_order(actor=physician, line=line, reason="sedated at two sessions; review")
    assert OrderLine.objects.get(pk=line.pk).state == OrderState.SUSPENDED
    assert active_orders(enrolled) == []
    (suspended,) = engine_orders(enrolled)
    assert suspended.suspended and not suspended.active_at(timezone.now())
    with pytest.raises(DomainError) as error:
        suspend_order(actor=physician, line=line, reason="again")
    assert error.value.code == "illegal_order_transition"
    with pytest.raises(DomainError) as error:
        resume_order(actor=physician, line=line, reason="reviewed", totp_code="")
    assert error.value.code == "second_factor_required"
    resume_order(actor=physician, line=line, reason="reviewed", totp_code=totp_code(physician))
    assert [v.pk for v in active_orders(enrolled)] == [v1.pk]
    stop_order(actor=physician, line=line, reason="switched to oral treatment")
    assert active_orders(enrolled) == [] and engine_orders(enrolled) == ()
    with pytest.raises(DomainError) as error:
        resume_order(actor=physician, line=line, reason="oops", totp_code=totp_code(physician))
    assert error.value.code == "illegal_order_transition"
    with pytest.raises(DomainError) as error:
        _supersede(physician, v1, dam())
    assert error.value.code == "order_stopped"
    assert [(e.kind, e.actor) for e in order_events(enrolled)] == [
        ("suspended", physician),
        ("resumed", physician),
        ("stopped", physician),
    ]
    codes = AuditEvent.objects.filter(object_type="prescribing.OrderLine").values_list(
        "code", flat=True
    )
    assert list(codes) == [
        AuditCode.ORDER_SUSPENDED,
        AuditCode.ORDER_RESUMED,
        AuditCode.ORDER_STOPPED,
    ]


def test_another_clinic_cannot_touch_the_order(
    physician: User, enrolled: Patient, out_physician: User
) -> None:
    v1 = _sign(physician, enrolled, dam())
    with pytest.raises(NotFound):
        stop_order(actor=out_physician, line=v1.line, reason="x")
    with pytest.raises(NotFound):
        _supersede(out_physician, v1, dam())


def test_orders_ending_within_three_days_are_flagged(
    physician: User, enrolled: Patient, personas: Personas
) -> None:
    now = timezone.now()
    soon = _sign(physician, enrolled, dam(ends_at=now + timedelta(days=2)))
    _sign(physician, enrolled, methadone(ends_at=now + timedelta(days=10)))
    open_ended = _sign(physician, enrolled, methadone("20", drug="srom", ends_at=None))
    assert expiring_orders(personas.clinic) == [soon]
    assert soon.expires_within(now, 3) and not open_ended.expires_within(now, 3)
    assert len(expiring_orders(personas.clinic, within_days=11)) == 2
    assert expiring_orders(personas.other_clinic) == []
    assert expiring_orders(personas.clinic, now=now + timedelta(days=2, hours=1)) == []
    stop_order(actor=physician, line=soon.line, reason="ended early")
    assert expiring_orders(personas.clinic) == []


def test_engine_orders_round_trip(physician: User, enrolled: Patient) -> None:
    start = timezone.now() - timedelta(minutes=1)
    end = start + timedelta(days=14)
    version = _sign(
        physician,
        enrolled,
        dam(
            routes=["iv", "im"],
            dose_min="15",
            dose_max="30",
            sessions_per_day=3,
            daily_max="90",
            starts_at=start,
            ends_at=end,
            phase="titration",
            windows=["morning", "midday"],
        ),
    )
    (order,) = engine_orders(enrolled)
    assert order.order_id == str(version.line_id)
    assert order.drug is Drug.DAM and order.routes == {Route.IV, Route.IM}
    assert (order.dose_min_mg, order.dose_max_mg, order.daily_max_mg) == (15, 30, 90)
    assert order.sessions_per_day == 3 and order.phase is Phase.TITRATION
    assert order.windows == {SessionWindow.MORNING, SessionWindow.MIDDAY}
    assert (order.starts_at, order.ends_at) == (start, end)
    assert order.active_at(timezone.now()) and not order.active_at(end)
    assert engine_orders(enrolled, end) == ()
    assert engine_orders(enrolled, start - timedelta(seconds=1)) == ()
