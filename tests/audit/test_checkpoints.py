"""Keyed chains and signed checkpoints: what a database superuser does to the audit trail is found.

Each test tampers by SQL as the test database's superuser (triggers switched off where they
would refuse), then runs `openhat audit verify`. The cases the plain hash chain missed: rows
deleted from a chain's end, an emptied table, a chain recomputed with the unkeyed hash or even
with the key.
"""

from __future__ import annotations

import io
import json
import os
import stat
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from openhat.audit import keys
from openhat.audit.chain import GENESIS_HASH, keyed_hash
from openhat.audit.checkpoints import make_checkpoint, read_checkpoints, write_once
from openhat.audit.codes import AuditCode
from openhat.audit.keys import chain_keys, key_id_of
from openhat.audit.models import AccessLog, AuditEvent
from openhat.audit.services import record_event, verify_chain
from openhat.patients.services import read_identity
from tests.audit.test_verify_command import plain_sha256
from tests.database import as_superuser

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(personas: Any, patient: Any) -> list[AuditEvent]:
    for _ in range(3):
        read_identity(actor=personas["nurse"], patient=patient)
    return list(AuditEvent.objects.filter(chain_key=personas.clinic.pk).order_by("chain_seq"))


def verify_fails() -> str:
    out = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("audit", "verify", stdout=out, no_color=True)
    return str(failure.value) + "\n" + out.getvalue()


def verify_passes() -> str:
    out = io.StringIO()
    call_command("audit", "verify", stdout=out, no_color=True)
    return out.getvalue()


def test_each_row_hash_is_an_hmac_under_the_configured_key(trail: list[AuditEvent]) -> None:
    ring = chain_keys()
    first = trail[0]
    assert first.key_id == ring.current_id == key_id_of(ring.current)
    assert first.prev_sha256 == GENESIS_HASH
    assert first.row_sha256 == keyed_hash(ring.current, GENESIS_HASH, first.hash_content())
    assert first.row_sha256 != plain_sha256(GENESIS_HASH, first.hash_content())


def test_a_checkpoint_is_a_signed_read_only_file_of_every_chain_head(
    trail: list[AuditEvent], personas: Any
) -> None:
    checkpoint = make_checkpoint("test")
    path = settings.CHECKPOINT_DIR / checkpoint.name
    assert not os.stat(path).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    heads = {(h.chain, h.chain_key): h for h in checkpoint.heads}
    head = heads[("audit_event", personas.clinic.pk)]
    newest = AuditEvent.objects.filter(chain_key=personas.clinic.pk).latest("chain_seq")
    assert (head.position, head.hash, head.rows) == (
        newest.chain_seq,
        newest.row_sha256,
        newest.chain_seq,
    )
    assert ("access_log", personas.clinic.pk) in heads
    found, problems = read_checkpoints()
    assert problems == [] and [c.name for c in found] == [checkpoint.name]


def test_deleting_the_newest_rows_after_a_checkpoint_is_detected(trail: list[AuditEvent]) -> None:
    make_checkpoint("before the deletion")
    newest = trail[-2:]
    with as_superuser(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM audit_auditevent WHERE id = ANY(%s)", [[row.pk for row in newest]]
        )
    _checked, broken = verify_chain(AuditEvent, "audit_event")
    assert broken is not None
    assert "rows were deleted from its end" in broken.problem
    assert f"position {newest[-1].chain_seq}" in broken.problem

    output = verify_fails()
    assert "audit_event" in output and "rows were deleted from its end" in output


def test_deleting_the_newest_access_log_rows_is_detected(trail: list[AuditEvent]) -> None:
    make_checkpoint("before the deletion")
    newest = AccessLog.objects.latest("chain_seq")
    with as_superuser(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_accesslog WHERE id = %s", [newest.pk])

    output = verify_fails()

    assert "access_log" in output and "rows were deleted from its end" in output


@pytest.mark.parametrize("table", ["audit_accesslog", "audit_auditevent"])
def test_truncating_a_table_is_detected(trail: list[AuditEvent], table: str) -> None:
    make_checkpoint("before the truncation")
    with as_superuser(), connection.cursor() as cursor:
        # The test's own transaction still holds deferred foreign-key checks; settle them first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {table}")

    output = verify_fails()

    assert "has no rows" in output and "the table was emptied" in output


def test_recomputing_every_hash_with_the_unkeyed_function_is_detected(
    trail: list[AuditEvent],
) -> None:
    """The forger changes a row and recomputes it and every later hash with plain SHA-256."""
    victim = trail[1]
    with as_superuser():
        previous = trail[0].row_sha256
        for row in trail[1:]:
            if row.pk == victim.pk:
                row.data = {"forged": True}
            row.prev_sha256 = previous
            row.row_sha256 = plain_sha256(previous, row.hash_content())
            previous = row.row_sha256
            AuditEvent.objects.filter(pk=row.pk).update(
                data=row.data, prev_sha256=row.prev_sha256, row_sha256=row.row_sha256
            )

    output = verify_fails()

    assert f"row id {victim.pk}," in output and "keyed hash" in output


def test_recomputing_with_the_key_itself_is_caught_by_the_checkpoint(
    trail: list[AuditEvent],
) -> None:
    """Even someone holding the chain key cannot rewrite rows a signed checkpoint covers."""
    checkpoint = make_checkpoint("before the rewrite")
    ring = chain_keys()
    victim = trail[1]
    with as_superuser():
        previous = trail[0].row_sha256
        for row in trail[1:]:
            if row.pk == victim.pk:
                row.data = {"forged": True}
            row.prev_sha256 = previous
            row.row_sha256 = keyed_hash(ring.current, previous, row.hash_content())
            previous = row.row_sha256
            AuditEvent.objects.filter(pk=row.pk).update(
                data=row.data, prev_sha256=row.prev_sha256, row_sha256=row.row_sha256
            )

    output = verify_fails()

    assert f"signed in checkpoint {checkpoint.name}" in output
    assert "the chain was rewritten" in output


def test_an_altered_checkpoint_file_is_reported(trail: list[AuditEvent]) -> None:
    checkpoint = make_checkpoint("genuine")
    path = settings.CHECKPOINT_DIR / checkpoint.name
    document = json.loads(path.read_text())
    document["heads"][0]["position"] += 5
    path.chmod(0o644)
    path.write_text(json.dumps(document))

    output = verify_fails()

    assert f"checkpoint {checkpoint.name}: its signature does not verify" in output


def test_checkpoint_files_are_never_overwritten(trail: list[AuditEvent]) -> None:
    checkpoint = make_checkpoint("one")
    path = settings.CHECKPOINT_DIR / checkpoint.name
    before = path.read_text()
    with pytest.raises(FileExistsError):
        write_once(path, "{}")
    assert path.read_text() == before


def test_intact_chains_verify_against_their_checkpoints(
    trail: list[AuditEvent], personas: Any, patient: Any
) -> None:
    make_checkpoint("first")
    read_identity(actor=personas["nurse"], patient=patient)
    make_checkpoint("second")

    output = verify_passes()

    assert "Audit trail intact" in output


def test_a_retired_key_still_verifies_its_rows_after_rotation(
    trail: list[AuditEvent], monkeypatch: pytest.MonkeyPatch, personas: Any, patient: Any
) -> None:
    old = chain_keys().current
    new = bytes(range(32))
    monkeypatch.setenv("OPENHAT_CHAIN_KEY", new.hex())
    keys.forget_keys()
    try:
        with transaction.atomic():
            newest = record_event(AuditCode.CLINIC_SWITCHED, actor=None, clinic=personas.clinic)
        assert newest.key_id == key_id_of(new) != trail[0].key_id

        _checked, broken = verify_chain(AuditEvent, "audit_event")
        assert broken is not None and "not configured" in broken.problem

        monkeypatch.setenv("OPENHAT_CHAIN_RETIRED_KEYS", old.hex())
        keys.forget_keys()
        assert verify_chain(AuditEvent, "audit_event")[1] is None
    finally:
        monkeypatch.delenv("OPENHAT_CHAIN_KEY")
        monkeypatch.delenv("OPENHAT_CHAIN_RETIRED_KEYS", raising=False)
        keys.forget_keys()


def test_the_migration_reseals_rows_chained_before_keys(trail: list[AuditEvent]) -> None:
    """A database from before keyed chains: plain SHA-256 hashes and no key id. The migration's
    reseal gives every row its keyed hash in the same order, and the chain verifies."""
    from openhat.audit.resealing import reseal

    rows = list(AuditEvent.objects.order_by("chain_key", "chain_seq"))
    with as_superuser():
        previous: dict[int, str] = {}
        for row in rows:
            row.prev_sha256 = previous.get(row.chain_key, GENESIS_HASH)
            row.row_sha256 = plain_sha256(row.prev_sha256, row.hash_content())
            previous[row.chain_key] = row.row_sha256
            AuditEvent.objects.filter(pk=row.pk).update(
                key_id="", prev_sha256=row.prev_sha256, row_sha256=row.row_sha256
            )
    assert verify_chain(AuditEvent, "audit_event")[1] is not None

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with as_superuser(triggers=True), connection.schema_editor() as editor:  # as migrations run
        reseal(AuditEvent, AuditEvent, editor)

    assert verify_chain(AuditEvent, "audit_event")[1] is None
    resealed = list(AuditEvent.objects.order_by("chain_key", "chain_seq"))
    assert [(r.pk, r.chain_seq) for r in resealed] == [(r.pk, r.chain_seq) for r in rows]
    assert {r.key_id for r in resealed} == {chain_keys().current_id}
