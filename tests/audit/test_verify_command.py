"""`openhat audit verify` finds an altered or deleted row and names exactly that row."""

from __future__ import annotations

import hashlib
import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from openhat.audit.codes import AuditCode
from openhat.audit.models import AccessedRecord, AccessLog, AuditEvent
from openhat.audit.services import verify_chain
from openhat.patients.services import read_identity
from tests.database import as_superuser

pytestmark = pytest.mark.django_db


def plain_sha256(previous_hash: str, content: dict[str, Any]) -> str:
    """The unkeyed chain hash, as anyone with the source code can compute it."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((previous_hash + canonical).encode("utf-8")).hexdigest()


def run_verify() -> str:
    out = io.StringIO()
    call_command("audit", "verify", stdout=out, no_color=True)
    return out.getvalue()


def failing_verify() -> tuple[str, str]:
    out = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("audit", "verify", stdout=out, no_color=True)
    return str(failure.value), out.getvalue()


def rows_before(model: Any, row: Any) -> int:
    """How many rows the verifier reads before `row` (chains in key order, then by position)."""
    earlier_chains = model.objects.filter(chain_key__lt=row.chain_key).count()
    earlier_in_chain = model.objects.filter(
        chain_key=row.chain_key, chain_seq__lt=row.chain_seq
    ).count()
    return earlier_chains + earlier_in_chain


@pytest.fixture
def trail(personas: Any, patient: Any, other_patient: Any) -> list[AuditEvent]:
    """Audit events in three chains (none, ZRH, OUT) and access-log rows in two."""
    for _ in range(3):
        read_identity(actor=personas["nurse"], patient=patient)
    read_identity(actor=personas.outsider, patient=other_patient)
    events = list(AuditEvent.objects.filter(chain_key=personas.clinic.pk).order_by("chain_seq"))
    assert len(events) >= 5
    return events


def last_verification() -> AuditEvent:
    event = AuditEvent.objects.filter(code=AuditCode.AUDIT_CHAIN_VERIFIED).order_by("-pk").first()
    assert event is not None
    return event


def test_an_intact_trail_verifies_and_the_run_is_recorded(trail: list[AuditEvent]) -> None:
    events, accesses = AuditEvent.objects.count(), AccessLog.objects.count()
    output = run_verify()
    assert f"audit_event: {events} rows checked, intact" in output
    assert f"access_log: {accesses} rows checked, intact" in output
    assert f"Audit trail intact: {events + accesses} rows in 2 tables." in output
    recorded = last_verification()
    assert recorded.data == {
        "rows_checked": {"audit_event": events, "access_log": accesses},
        "intact": True,
        "checkpoint_problems": [],
        "breaks": [],
    }
    assert recorded.route == "cli:audit verify"
    # The verification event extends the chain correctly, so a second run passes too.
    assert f"audit_event: {events + 1} rows checked" in run_verify()


def test_an_altered_row_is_named_exactly(trail: list[AuditEvent]) -> None:
    victim = trail[2]
    with as_superuser():
        AuditEvent.objects.filter(pk=victim.pk).update(data={"client_code": "ZRH-9999"})
    victim.refresh_from_db()
    assert victim.data == {"client_code": "ZRH-9999"}, "the tampering itself must have worked"

    checked, broken = verify_chain(AuditEvent, "audit_event")
    assert broken is not None
    assert (broken.table, broken.row_id, broken.chain_key, broken.chain_seq) == (
        "audit_event",
        victim.pk,
        victim.chain_key,
        victim.chain_seq,
    )
    assert "altered" in broken.problem
    # Every row read before it checked out.
    assert checked == rows_before(AuditEvent, victim) + 1

    message, output = failing_verify()
    assert f"row id {victim.pk}," in message
    assert f"position {victim.chain_seq}:" in message
    assert "(ZRH)" in message
    assert "audit_event" in message and "altered" in message
    assert f"row id {victim.pk}," in output
    assert f"audit_event: {checked} rows checked, stopped at the first broken row" in output
    assert "access_log: 4 rows checked, intact" in output
    recorded = last_verification()
    assert recorded.data["intact"] is False
    assert recorded.data["breaks"][0]["row_id"] == victim.pk


def test_a_row_rewritten_with_a_fresh_unkeyed_hash_is_caught_at_that_row(
    trail: list[AuditEvent],
) -> None:
    """The forger recomputes the hash the way the chain did before it was keyed (plain SHA-256
    over the previous hash and the content): without the key it cannot fit."""
    victim = trail[1]
    victim.data = {"rewritten": True}
    forged_hash = plain_sha256(victim.prev_sha256, victim.hash_content())
    with as_superuser():
        AuditEvent.objects.filter(pk=victim.pk).update(data=victim.data, row_sha256=forged_hash)
    _, broken = verify_chain(AuditEvent, "audit_event")
    assert broken is not None
    assert broken.row_id == victim.pk
    assert "keyed hash" in broken.problem


def test_a_deleted_row_is_reported_as_a_missing_position(trail: list[AuditEvent]) -> None:
    victim, successor = trail[2], trail[3]
    with as_superuser(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [victim.pk])
    assert not AuditEvent.objects.filter(pk=victim.pk).exists()

    checked, broken = verify_chain(AuditEvent, "audit_event")
    assert broken is not None
    assert broken.row_id == successor.pk
    assert broken.chain_seq == victim.chain_seq + 1
    assert f"position {victim.chain_seq} is missing" in broken.problem
    assert checked == rows_before(AuditEvent, victim) + 1

    message, _ = failing_verify()
    assert f"row id {successor.pk}," in message
    assert f"position {victim.chain_seq} is missing" in message


def test_a_deleted_first_row_is_reported(trail: list[AuditEvent]) -> None:
    first = trail[0]
    with as_superuser():
        AuditEvent.objects.filter(pk=first.pk).delete()
    _, broken = verify_chain(AuditEvent, "audit_event")
    assert broken is not None
    assert broken.row_id == trail[1].pk
    assert "position 1 is missing" in broken.problem


def test_an_altered_access_log_row_is_named(personas: Any, trail: list[AuditEvent]) -> None:
    entries = list(AccessLog.objects.filter(chain_key=personas.clinic.pk).order_by("chain_seq"))
    victim = entries[1]
    with as_superuser():
        AccessLog.objects.filter(pk=victim.pk).update(record=AccessedRecord.PHOTO)
    message, _ = failing_verify()
    assert f"table access_log, row id {victim.pk}," in message
    assert "table audit_event" not in message, "the audit events were not touched"
    assert f"position {victim.chain_seq}:" in message


def test_every_chain_starts_at_one_and_has_no_gaps(trail: list[AuditEvent], personas: Any) -> None:
    for model in (AuditEvent, AccessLog):
        for key in model.objects.values_list("chain_key", flat=True).distinct():
            positions = list(
                model.objects.filter(chain_key=key)
                .order_by("chain_seq")
                .values_list("chain_seq", flat=True)
            )
            assert positions == list(range(1, len(positions) + 1))
    assert AccessLog.objects.filter(chain_key=personas.other_clinic.pk).count() == 1


def test_the_command_needs_a_subcommand() -> None:
    with pytest.raises(CommandError):
        call_command("audit")
