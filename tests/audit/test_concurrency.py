"""Real concurrent transactions against PostgreSQL: the audit chain and client codes never fork."""

from __future__ import annotations

import threading
import time
from datetime import date
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from openhat.audit import services as audit_services
from openhat.audit.chain import chain_head, locked_chain_head
from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.audit.services import record_event, verify_chain
from openhat.clinics.models import Clinic
from openhat.patients.models import Patient
from openhat.patients.services import register_patient
from openhat.patients.validation import IdentityInput
from tests.audit.concurrent import run_together
from tests.conftest import Personas

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]

WRITERS = 20


def _append_event(clinic_pk: int, index: int) -> int:
    clinic = Clinic.objects.get(pk=clinic_pk)
    with transaction.atomic():
        event = record_event(
            AuditCode.CLINIC_SWITCHED, actor=None, clinic=clinic, data={"writer": index}
        )
    return event.chain_seq


def _positions(clinic: Clinic) -> list[int]:
    return list(
        AuditEvent.objects.filter(chain_key=clinic.pk)
        .order_by("chain_seq")
        .values_list("chain_seq", flat=True)
    )


def test_concurrent_appends_to_one_chain_stay_one_unbroken_chain(personas: Personas) -> None:
    clinic = personas.clinic
    existing = len(_positions(clinic))
    seqs, errors = run_together(WRITERS, lambda i: _append_event(clinic.pk, i))
    assert errors == []
    assert sorted(seqs) == list(range(existing + 1, existing + WRITERS + 1))
    assert _positions(clinic) == list(range(1, existing + WRITERS + 1))
    writers = AuditEvent.objects.filter(chain_key=clinic.pk, code=AuditCode.CLINIC_SWITCHED)
    assert sorted(e.data["writer"] for e in writers) == list(range(WRITERS))
    checked, broken = verify_chain(AuditEvent, "audit_event")
    assert broken is None
    assert checked == AuditEvent.objects.count()


def test_the_head_read_with_the_lock_sees_what_the_lock_holder_committed(
    personas: Personas,
) -> None:
    """The lock and the read of the chain's head go to PostgreSQL as one query string: the read
    must still see a row committed by the transaction that held the lock while it waited (it
    would not if the read's snapshot were taken before the lock was granted)."""
    clinic_pk = personas.clinic.pk
    holding = threading.Event()

    def work(index: int) -> object:
        clinic = Clinic.objects.get(pk=clinic_pk)
        if index == 0:
            with transaction.atomic():
                event = record_event(AuditCode.CLINIC_SWITCHED, actor=None, clinic=clinic)
                holding.set()
                time.sleep(0.5)  # the other transaction is now waiting on the chain's lock
            return event.chain_seq
        assert holding.wait(timeout=10)
        with transaction.atomic():
            started = time.monotonic()
            head = locked_chain_head("audit_event", AuditEvent._meta.db_table, clinic.pk)
            return head, time.monotonic() - started

    results, errors = run_together(2, work)
    assert errors == []
    written = next(result for result in results if isinstance(result, int))
    (head, waited) = next(result for result in results if isinstance(result, tuple))
    assert waited > 0.2, "the read did not wait for the lock holder"
    assert head is not None and head[0] == written


def test_without_the_chain_lock_concurrent_appends_collide(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The harness really runs transactions at once: with the lock removed, and a pause between
    reading the last row and inserting, writers take the same position and the unique constraint
    refuses all but one (a fork is never stored)."""
    real_seal = audit_services.seal

    def slow_seal(row: Any, previous: str) -> None:
        time.sleep(0.2)
        real_seal(row, previous)

    monkeypatch.setattr(
        audit_services, "locked_chain_head", lambda table, db_table, key: chain_head(db_table, key)
    )
    monkeypatch.setattr(audit_services, "seal", slow_seal)
    clinic = personas.clinic
    existing = len(_positions(clinic))
    seqs, errors = run_together(8, lambda i: _append_event(clinic.pk, i))
    assert errors, "without the lock some writers must collide"
    assert all(isinstance(error, IntegrityError) for error in errors), errors
    assert _positions(clinic) == list(range(1, existing + len(seqs) + 1))
    monkeypatch.undo()
    assert verify_chain(AuditEvent, "audit_event")[1] is None


def test_concurrent_registrations_take_distinct_consecutive_client_codes(
    personas: Personas,
) -> None:
    clinic_pk, nurse_pk = personas.clinic.pk, personas["nurse"].pk

    def register(index: int) -> str:
        from django.contrib.auth.models import User

        patient = register_patient(
            actor=User.objects.get(pk=nurse_pk),
            clinic=Clinic.objects.get(pk=clinic_pk),
            identity=IdentityInput(
                f"Person Number{index}", date(1970, 1, 1 + index), "unknown", ""
            ),
        )
        return patient.client_code

    codes, errors = run_together(10, register)
    assert errors == []
    expected = [f"ZRH-{n:04d}" for n in range(1, 11)]
    assert sorted(codes) == expected
    assert (
        list(
            Patient.objects.filter(clinic=personas.clinic)
            .order_by("number")
            .values_list("client_code", flat=True)
        )
        == expected
    )
    assert AuditEvent.objects.filter(code=AuditCode.PATIENT_REGISTERED).count() == 10
    assert verify_chain(AuditEvent, "audit_event")[1] is None
