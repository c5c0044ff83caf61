"""Real concurrent transactions: keyed chains stay single, checkpoints made during writes hold.

- Two doses given at once in one clinic, one drawn and given in one step, one given from a
  preparation: the two take the ledger's and the record chain's locks in the order audit.chain
  describes, so neither deadlocks, and each chain stays one unbroken line.
- Checkpoints signed while writers keep appending audit events and ledger entries: every one of
  them fits the chains afterwards.
"""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import transaction

from openhat.audit.checkpoints import make_checkpoint, read_checkpoints
from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.audit.services import record_event, verify_chain
from openhat.clinics.models import Clinic
from openhat.dosing.models import Administration
from openhat.dosing.services.administer import administer
from openhat.dosing.verify import verify_sessions
from openhat.patients.services import register_patient
from openhat.patients.validation import IdentityInput
from openhat.pharmacy.services import issue_dose
from openhat.pharmacy.verify import verify_ledger
from openhat.prescribing.services import sign_order
from tests.audit.concurrent import run_together
from tests.dosing.factories import decided, drawn
from tests.prescribing.conftest import dam, enrol, totp_code

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]


def _second_patient(personas: Any) -> Any:
    physician = personas["physician"]
    patient = enrol(
        register_patient(
            actor=personas["nurse"],
            clinic=personas.clinic,
            identity=IdentityInput("Second Person", date(1981, 4, 5), "male", ""),
        )
    )
    sign_order(
        actor=physician,
        patient=patient,
        order=dam(phase="maintenance"),
        totp_code=totp_code(physician),
    )
    return patient


def test_two_doses_given_at_once_by_different_paths_keep_every_chain_single(personas, station):
    first_session, first_decision = decided(personas, station.patient)
    preparation = drawn(personas, station, first_session, first_decision, "15")
    second_patient = _second_patient(personas)
    second_session, second_decision = decided(personas, second_patient)
    nurse_pk = personas["nurse"].pk
    room = station.formulary.dosing_room.pk

    def give(index: int) -> int:
        nurse = User.objects.get(pk=nurse_pk)
        if index == 0:  # from the preparation: record chain first, no ledger movement
            return administer(
                actor=nurse,
                session_id=first_session.pk,
                decision_id=first_decision.pk,
                dose_mg="15",
                site="left_arm",
                preparation_id=preparation.pk,
            ).pk
        return administer(  # drawn and given in one step: ledger chain, then record chain
            actor=nurse,
            session_id=second_session.pk,
            decision_id=second_decision.pk,
            dose_mg="12",
            site="right_arm",
            lot_id=station.solution.pk,
            location_id=room,
        ).pk

    results, errors = run_together(2, give)
    assert errors == []
    assert len(results) == 2
    positions = list(
        Administration.objects.order_by("chain_seq").values_list("chain_seq", flat=True)
    )
    assert positions == [1, 2]
    assert verify_sessions().intact
    assert verify_ledger().intact
    assert verify_chain(AuditEvent, "audit_event")[1] is None


def test_checkpoints_signed_during_writes_fit_the_chains_afterwards(personas, station):
    clinic_pk, nurse_pk = personas.clinic.pk, personas["nurse"].pk
    lot_pk, room_pk = station.solution.pk, station.formulary.dosing_room.pk
    writers = 3
    finished: list[int] = []
    guard = threading.Lock()

    def sign_while_writing() -> int:
        made = 0
        while True:
            with guard:
                done = len(finished) == writers
            make_checkpoint(f"during writes {made}")
            made += 1
            if done:
                return made

    def write(index: int) -> int:
        clinic = Clinic.objects.get(pk=clinic_pk)
        nurse = User.objects.get(pk=nurse_pk)
        try:
            for step in range(15):
                if index % 2:
                    issue_dose(
                        actor=nurse,
                        clinic=clinic,
                        lot_id=lot_pk,
                        location_id=room_pk,
                        amount="1",
                        unit="mg",
                    )
                else:
                    with transaction.atomic():
                        record_event(
                            AuditCode.CLINIC_SWITCHED,
                            actor=None,
                            clinic=clinic,
                            data={"step": step},
                        )
        finally:
            with guard:
                finished.append(index)
        return 15

    _results, errors = run_together(
        writers + 1, lambda index: sign_while_writing() if index == 0 else write(index)
    )

    assert errors == []
    checkpoints, problems = read_checkpoints()
    assert problems == [] and len(checkpoints) >= 2
    assert verify_chain(AuditEvent, "audit_event")[1] is None
    report = verify_ledger()
    assert report.intact, report.breaks
