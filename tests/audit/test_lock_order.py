"""Row locks and the audit chain's lock cannot deadlock.

Every service locks its rows first and takes the clinic's audit-chain lock last, when it records
its event. A transaction that already holds the chain lock has inserted rows that reference the
clinic and the patient; PostgreSQL checks those foreign keys at commit (Django makes them
deferred) by taking a key-share lock on the clinic's and the patient's rows. A service that locks
those rows FOR UPDATE, or locks the clinic's row with the patient's through `select_related`,
blocks that check while it waits for the chain lock: a deadlock, which PostgreSQL breaks by
failing one of the two. The services lock FOR NO KEY UPDATE, of their own row only, which leaves
key-share free.

Each test runs the real interleaving with two connections: the holder takes the chain locks and
inserts its rows, the service starts and blocks on the chain lock, the holder commits.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection, connections, transaction

from openhat.audit.codes import AuditCode
from openhat.audit.models import AccessedRecord
from openhat.audit.services import record_access, record_event
from openhat.enrolment import services as enrolment
from openhat.patients.models import Patient
from openhat.patients.services import clinic_today, register_patient
from openhat.patients.validation import IdentityInput
from openhat.prescribing.models import OrderLine
from openhat.prescribing.services import sign_order, suspend_order
from tests.conftest import Personas
from tests.prescribing.conftest import dam, enrol, totp_code

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]

WAIT_SECONDS = 20


def _backends_waiting_on_locks(own_pid: int) -> int:
    # pg_locks, not pg_stat_activity: the latter is read once per transaction and would not
    # change while the holder's transaction polls it.
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted AND pid <> %s", [own_pid])
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def _holder_then_service(patient: Patient, reader: Any, service: Callable[[], Any]) -> Any:
    """Hold the clinic's chain locks with rows referencing clinic and patient; run `service` in
    another connection until it waits; commit; return the service's result or raise its error."""
    holding = threading.Event()
    outcome: dict[str, Any] = {}

    def run_service() -> None:
        try:
            holding.wait(timeout=WAIT_SECONDS)
            outcome["result"] = service()
        except BaseException as error:  # reported by the test below
            outcome["error"] = error
        finally:
            connections.close_all()

    worker = threading.Thread(target=run_service, name="service")
    worker.start()
    try:
        with transaction.atomic():
            # Any clinic event will do: it takes the clinic's chain lock and inserts a row whose
            # clinic key is checked at commit; the access-log row does the same for the patient.
            record_event(
                AuditCode.PATIENT_IDENTITY_UPDATED,
                actor=None,
                clinic=patient.clinic,
                target=patient,
            )
            record_access(actor=reader, patient=patient, record=AccessedRecord.IDENTITY)
            own_pid = connection.connection.info.backend_pid
            holding.set()
            deadline = time.monotonic() + WAIT_SECONDS
            while _backends_waiting_on_locks(own_pid) == 0:
                assert "error" not in outcome, outcome.get("error")
                assert time.monotonic() < deadline, "the service never waited for the chain lock"
                time.sleep(0.02)
        # The commit checks the deferred foreign keys while the service waits.
    finally:
        worker.join(timeout=WAIT_SECONDS * 2)
    assert not worker.is_alive(), "the service hung"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def test_recording_a_licence_waits_for_the_chain_instead_of_deadlocking(
    personas: Personas, patient: Patient
) -> None:
    today = clinic_today(patient.clinic)

    licence = _holder_then_service(
        patient,
        personas["nurse"],
        lambda: enrolment.record_licence(
            actor=personas["nurse"],
            patient=Patient.objects.get(pk=patient.pk),
            number="BAG-7",
            authority="Federal Office of Public Health",
            valid_from=today,
            valid_until=today + timedelta(days=365),
        ),
    )

    assert licence.pk is not None


def test_signing_an_order_waits_for_the_chain_instead_of_deadlocking(
    personas: Personas, patient: Patient
) -> None:
    enrolled = enrol(patient)
    physician = personas["physician"]
    code = totp_code(physician)

    version = _holder_then_service(
        enrolled,
        personas["nurse"],
        lambda: sign_order(actor=physician, patient=enrolled, order=dam(), totp_code=code),
    )

    assert version.number == 1


def test_suspending_an_order_waits_for_the_chain_instead_of_deadlocking(
    personas: Personas, patient: Patient
) -> None:
    enrolled = enrol(patient)
    physician = personas["physician"]
    version = sign_order(
        actor=physician, patient=enrolled, order=dam(), totp_code=totp_code(physician)
    )

    event = _holder_then_service(
        enrolled,
        personas["nurse"],
        lambda: suspend_order(
            actor=physician,
            line=OrderLine.objects.get(pk=version.line_id),
            reason="review after a fall",
        ),
    )

    assert event.pk is not None


def test_registering_a_patient_waits_for_the_chain_instead_of_deadlocking(
    personas: Personas, patient: Patient
) -> None:
    registered = _holder_then_service(
        patient,
        personas["nurse"],
        lambda: register_patient(
            actor=personas["nurse"],
            clinic=personas.clinic,
            identity=IdentityInput("Lock Order", date(1980, 2, 29), "male", ""),
        ),
    )

    assert registered.number == patient.number + 1
