"""Migrations' helper: seal the rows a table already holds with the chain key.

Used once, when a table's chain became keyed (existing rows carried a plain SHA-256, or no
chain at all). Each chain is walked in its order and every row gets its position (when it had
none), the previous hash, the key id and its keyed hash. The table's own append-only triggers
are switched off for the rewrite, inside the migration's transaction, and on again after it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models

from openhat.audit.chain import GENESIS_HASH, keyed_hash
from openhat.audit.keys import chain_keys


def reseal(
    historical: type[models.Model],
    real: type[models.Model],
    schema_editor: Any,
    *,
    order: tuple[str, ...] = ("chain_key", "chain_seq"),
    chain_key_of: Callable[[models.Model], int] | None = None,
) -> None:
    """Re-seal every row of `historical`'s table; `chain_key_of` assigns chains to unchained rows."""
    table = historical._meta.db_table
    if not historical._default_manager.exists():
        return
    ring = chain_keys()
    real_names = {field.attname for field in real._meta.concrete_fields}
    names = [f.attname for f in historical._meta.concrete_fields if f.attname in real_names]
    updates: list[tuple[Any, ...]] = []
    heads: dict[int, tuple[int, str]] = {}
    for old in historical._default_manager.order_by(*order).iterator(chunk_size=2000):
        row = real(**{name: getattr(old, name) for name in names})
        chain_key = chain_key_of(old) if chain_key_of is not None else int(old.chain_key)  # type: ignore[attr-defined]
        position, previous = heads.get(chain_key, (0, GENESIS_HASH))
        row.chain_key, row.chain_seq = chain_key, position + 1  # type: ignore[attr-defined]
        row.key_id, row.prev_sha256 = ring.current_id, previous  # type: ignore[attr-defined]
        row_hash = keyed_hash(ring.current, previous, row.hash_content())  # type: ignore[attr-defined]
        heads[chain_key] = (position + 1, row_hash)
        updates.append((chain_key, position + 1, ring.current_id, previous, row_hash, old.pk))
    quoted = schema_editor.quote_name(table)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {quoted} DISABLE TRIGGER USER")
        cursor.executemany(
            f"UPDATE {quoted} SET chain_key = %s, chain_seq = %s, key_id = %s, "  # noqa: S608
            "prev_sha256 = %s, row_sha256 = %s WHERE id = %s",
            updates,
        )
        cursor.execute(f"ALTER TABLE {quoted} ENABLE TRIGGER USER")
