"""Idempotent writes: call inside the service's transaction, before doing any work."""

from __future__ import annotations

import re
import zlib

from django.contrib.auth.models import User
from django.db import models

from openhat.core.errors import Conflict, DomainError
from openhat.core.locking import lock_then_read_one
from openhat.core.models import IdempotencyKey

_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_\-:.]{8,100}$")
_LOCK_NAMESPACE = 7401
_TABLE = IdempotencyKey._meta.db_table


def check_key(key: str) -> str:
    if not _KEY_PATTERN.match(key):
        raise DomainError(
            "invalid_idempotency_key",
            "An idempotency key is 8 to 100 letters, digits, '-', '_', ':' or '.'.",
            "idempotency_key",
        )
    return key


def previous_result(user: User, key: str, operation: str) -> IdempotencyKey | None:
    """Lock the key for this transaction and return the stored first result, if any.

    The advisory lock makes a concurrent retry wait for the first attempt to commit, after which
    it finds the stored result instead of doing the work twice.
    """
    check_key(key)
    row = lock_then_read_one(
        (_LOCK_NAMESPACE, zlib.crc32(f"{user.pk}:{key}".encode()) - 2**31),
        f'SELECT id, operation, result_type, result_id, created_at FROM "{_TABLE}" '  # noqa: S608
        "WHERE user_id = %s AND key = %s",
        [user.pk, key],
    )
    found = (
        None
        if row is None
        else IdempotencyKey(
            pk=row[0],
            user=user,
            key=key,
            operation=row[1],
            result_type=row[2],
            result_id=row[3],
            created_at=row[4],
        )
    )
    if found is not None and found.operation != operation:
        raise Conflict(
            "idempotency_key_reused",
            "This idempotency key was already used for a different action.",
            "idempotency_key",
        )
    return found


def remember_result(user: User, key: str, operation: str, result: models.Model) -> None:
    IdempotencyKey.objects.create(
        user=user,
        key=key,
        operation=operation,
        result_type=result._meta.label,
        result_id=str(result.pk),
    )
