"""Hash-chaining for append-only tables.

Each row stores row_sha256 = SHA-256(previous row's hash + canonical JSON of its own content).
Chains are per clinic (chain_key = clinic id, 0 for events outside any clinic), so clinics do
not contend for one lock and the trail can be distributed by clinic later.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from openhat.core.locking import lock_then_read_one

GENESIS_HASH = "0" * 64

# Advisory-lock namespaces (first key of pg_advisory_xact_lock(int, int)).
LOCK_NAMESPACE = {"audit_event": 7301, "access_log": 7302, "ledger_entry": 7303}


def normalise(data: Any) -> Any:
    """What jsonb will give back: Decimals, dates and UUIDs become strings."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def timestamp_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def row_hash(previous_hash: str, content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((previous_hash + canonical).encode("utf-8")).hexdigest()


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


def chain_head(db_table: str, chain_key: int) -> tuple[int, str] | None:
    """The chain's newest (position, hash) without the lock (tests show what the lock prevents)."""
    with connection.cursor() as cursor:
        cursor.execute(_head_query(db_table), [chain_key])
        row = cursor.fetchone()
    return None if row is None else (int(row[0]), str(row[1]))
