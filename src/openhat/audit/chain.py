"""Hash-chaining for append-only tables.

Each row stores row_sha256 = HMAC-SHA-256(chain key, previous row's hash + canonical JSON of its
own content) and the id of the key (`audit.keys`). The key is not in the database, so a database
user who alters a row cannot compute a hash that fits; signed checkpoints outside the database
(`audit.checkpoints`) catch rows deleted from the end. Chains are per clinic (chain_key = clinic
id, 0 for events outside any clinic), so clinics do not contend for one lock.

Lock order, the same everywhere so two writers never deadlock: row locks first, then the
clinic's ledger chain, then the clinic's record chain. The record chain is one advisory lock per
clinic shared by the audit events and the dosing records (decisions, administrations, adverse
events): every transaction that writes a dosing record also records an audit event for the same
clinic, so sharing the lock adds no waiting and leaves no second lock to take in either order.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction

from openhat.audit.keys import chain_keys
from openhat.core.locking import lock_then_read_one

GENESIS_HASH = "0" * 64

# Advisory-lock namespaces (first key of pg_advisory_xact_lock(int, int)). The dosing records
# share the audit events' lock (the clinic's record chain; see the module's note on lock order).
RECORD_CHAIN_LOCK = 7301
LOCK_NAMESPACE = {
    "audit_event": RECORD_CHAIN_LOCK,
    "access_log": 7302,
    "ledger_entry": 7303,
    "session_decision": RECORD_CHAIN_LOCK,
    "administration": RECORD_CHAIN_LOCK,
    "adverse_event": RECORD_CHAIN_LOCK,
}
# The fields a chained row carries besides its content.
LINK_FIELDS = frozenset({"id", "chain_key", "chain_seq", "key_id", "prev_sha256", "row_sha256"})


def normalise(data: Any) -> Any:
    """What jsonb will give back: Decimals, dates and UUIDs become strings."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def timestamp_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_json(content: dict[str, Any]) -> str:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def keyed_hash(key: bytes, previous_hash: str, content: dict[str, Any]) -> str:
    message = (previous_hash + canonical_json(content)).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def seal(row: Any, previous_hash: str) -> None:
    """Set the row's previous hash, key id and keyed hash (its other link fields already set)."""
    ring = chain_keys()
    row.prev_sha256 = previous_hash
    row.key_id = ring.current_id
    row.row_sha256 = keyed_hash(ring.current, previous_hash, row.hash_content())


def field_content(row: models.Model) -> dict[str, Any]:
    """Every stored field but the link fields, as text that reads back the same from the database.

    Decimals are written to their field's places (80 and 80.000 are one dose), times in UTC.
    """
    content: dict[str, Any] = {}
    for field in row._meta.concrete_fields:
        if field.attname in LINK_FIELDS:
            continue
        value = getattr(row, field.attname)
        if value is None:
            content[field.attname] = None
        elif isinstance(field, models.DecimalField):
            places = Decimal(1).scaleb(-(field.decimal_places or 0))
            content[field.attname] = f"{Decimal(str(value)).quantize(places):f}"
        elif isinstance(value, datetime):
            content[field.attname] = timestamp_text(value)
        else:
            content[field.attname] = normalise(value)
    return content


def lock_chain(table: str, chain_key: int) -> None:
    """Serialise appends to one chain until the transaction ends.

    Without it two concurrent writers would both read the same last row and fork the chain; the
    unique (chain_key, chain_seq) constraint is the backstop that turns such a fork into an error.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE[table], chain_key])


def _head_query(db_table: str) -> str:
    # The table name is a model's, never input; the key is a parameter.
    return (
        f'SELECT chain_seq, row_sha256 FROM "{db_table}" WHERE chain_key = %s '  # noqa: S608
        "ORDER BY chain_seq DESC LIMIT 1"
    )


def locked_chain_head(table: str, db_table: str, chain_key: int) -> tuple[int, str] | None:
    """lock_chain, then the chain's newest (position, hash), in one round trip.

    The read is a statement of its own after the lock's, so under READ COMMITTED it sees every
    row committed before the lock was granted, exactly as two separate calls would.
    """
    row = lock_then_read_one((LOCK_NAMESPACE[table], chain_key), _head_query(db_table), [chain_key])
    return None if row is None else (int(row[0]), str(row[1]))


def append(row: Any, table: str, chain_key: int) -> None:
    """Give an unsaved row the next position of its chain and seal it, under the chain's lock.

    The caller saves the row in the same transaction; the lock is held until it ends.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("chained rows are written inside the caller's transaction")
    last = locked_chain_head(table, type(row)._meta.db_table, chain_key)
    row.chain_key = chain_key
    row.chain_seq, previous_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
    seal(row, previous_hash)


def chain_head(db_table: str, chain_key: int) -> tuple[int, str] | None:
    """The chain's newest (position, hash) without the lock (tests show what the lock prevents)."""
    with connection.cursor() as cursor:
        cursor.execute(_head_query(db_table), [chain_key])
        row = cursor.fetchone()
    return None if row is None else (int(row[0]), str(row[1]))
