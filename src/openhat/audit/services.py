"""The only writers of the audit trail. Callers are already inside their own transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser, User
from django.db import models, transaction
from django.utils import timezone

from openhat.audit.chain import GENESIS_HASH, locked_chain_head, normalise, seal
from openhat.audit.checkpoints import Anchors, load_anchors
from openhat.audit.codes import AuditCode
from openhat.audit.context import current_origin
from openhat.audit.keys import chain_keys
from openhat.audit.models import AccessedRecord, AccessLog, AuditEvent, ChainedRow
from openhat.audit.walk import ChainBreak, ChainWalk, walk_rows
from openhat.clinics.models import Clinic

Row = TypeVar("Row", bound=ChainedRow)


def _append(row: Row, table: str, clinic_id: int | None) -> Row:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit rows are written inside the caller's transaction")
    chain_key = clinic_id or 0
    last = locked_chain_head(table, type(row)._meta.db_table, chain_key)
    row.chain_key = chain_key
    row.chain_seq, previous_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
    row.at = timezone.now()
    seal(row, previous_hash)
    row.save(force_insert=True)
    return row


def _actor_fields(actor: User | AnonymousUser | None) -> dict[str, Any]:
    if actor is None or not actor.is_authenticated:
        return {"actor": None, "actor_username": ""}
    return {"actor": actor, "actor_username": actor.get_username()}


def record_event(
    code: AuditCode,
    *,
    actor: User | AnonymousUser | None,
    clinic: Clinic | None = None,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    origin = current_origin()
    event = AuditEvent(
        clinic=clinic,
        code=int(code),
        object_type=target._meta.label if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        data=normalise(data or {}),
        ip=origin.ip,
        route=origin.route,
        **_actor_fields(actor),
    )
    return _append(event, "audit_event", clinic.pk if clinic is not None else None)


def record_access(*, actor: User, patient: Any, record: AccessedRecord) -> AccessLog:
    origin = current_origin()
    with transaction.atomic():
        entry = AccessLog(
            clinic_id=patient.clinic_id,
            actor=actor,
            patient=patient,
            record=record,
            ip=origin.ip,
            route=origin.route,
        )
        return _append(entry, "access_log", patient.clinic_id)


# Every hash-chained table, by the name `openhat audit verify` reports.
CHAINED_TABLES: tuple[tuple[str, type[ChainedRow]], ...] = (
    ("audit_event", AuditEvent),
    ("access_log", AccessLog),
)


def verify_chain(
    model: type[ChainedRow],
    table: str,
    on_row: Callable[[], None] | None = None,
    anchors: Anchors | None = None,
) -> tuple[int, ChainBreak | None]:
    """Walk every chain of one table against the signed checkpoints; (rows checked, first break).

    `on_row` is called once per row read (the command's progress bar). One query, so the whole
    table is read from one snapshot while new rows keep being appended.
    """
    walk = ChainWalk(table, chain_keys(), anchors if anchors is not None else load_anchors())
    rows = model._default_manager.order_by("chain_key", "chain_seq").iterator(chunk_size=2000)
    checked, breaks = walk_rows(rows, walk, on_row, stop_at_first=True)
    return checked, (breaks[0] if breaks else None)
