"""Advisory locks taken together with the read they guard."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection


def lock_then_read_one(
    lock: tuple[int, int], query: str, params: Sequence[Any]
) -> tuple[Any, ...] | None:
    """Take a transaction-scoped advisory lock, then run one read, in one round trip.

    Both statements go in one query string (client-side binding sends it as a simple query).
    PostgreSQL gives each statement of such a string its own snapshot under READ COMMITTED, so
    the read, which runs once the lock is granted, sees every transaction that held the lock
    before and has committed. Saves a round trip on every audited or idempotent write.
    """
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_advisory_xact_lock(%s, %s); {query}", [*lock, *params])
        # Some cursor wrappers (pghistory's) already step to the last result; plain ones do not.
        if cursor.description is not None and cursor.description[0].name == "pg_advisory_xact_lock":
            cursor.nextset()
        row = cursor.fetchone()
    return None if row is None else tuple(row)
