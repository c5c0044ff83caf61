"""Idempotent writes: call inside the service's transaction, before doing any work.

A key is the caller's: the first result of a write made with it is stored, and a retry with the
same key returns that result and writes nothing. A key reused for another action, or (over the
API) for the same action with a different request, is 409 `idempotency_key_reused`: the client
has mixed up its keys, and answering with the first result would hide that its second request was
never carried out.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import zlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import TypeVar

from django.contrib.auth.models import User
from django.db import connection, models, transaction
from django.http import HttpRequest

from openhat.core.errors import Conflict, DomainError
from openhat.core.locking import lock_then_read_one
from openhat.core.models import IdempotencyKey

_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_\-:.]{8,100}$")
_LOCK_NAMESPACE = 7401
_TABLE = IdempotencyKey._meta.db_table

# The API request being served (set by openhat/api.py), whose fingerprint a key is stored with.
_api_request: ContextVar[HttpRequest | None] = ContextVar("openhat_api_request", default=None)


@contextlib.contextmanager
def api_request(request: HttpRequest) -> Iterator[None]:
    token = _api_request.set(request)
    try:
        yield
    finally:
        _api_request.reset(token)


def request_fingerprint(request: HttpRequest | None) -> str:
    """SHA-256 of what the request asks: method, path and body (JSON compared as data, so key
    order and spacing do not matter; multipart by its fields and files). Read after the handler
    has parsed the request, so it never reads a body the framework has not accepted."""
    if request is None:
        return ""
    digest = hashlib.sha256(f"{request.method} {request.get_full_path()}\n".encode())
    content_type = request.content_type or ""
    if content_type.startswith("multipart/"):
        for name, values in sorted(request.POST.lists()):
            digest.update(json.dumps([name, values]).encode())
        for name, files in sorted(request.FILES.lists()):
            for upload in files:
                upload.seek(0)
                digest.update(name.encode() + b"\0" + hashlib.sha256(upload.read()).digest())
                upload.seek(0)
        return digest.hexdigest()
    body = request.body
    with contextlib.suppress(ValueError):  # not JSON: compared byte for byte
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    digest.update(body)
    return digest.hexdigest()


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
        _lock_ids(user, key),
        "SELECT id, operation, result_type, result_id, created_at, request_sha256 "  # noqa: S608
        f'FROM "{_TABLE}" WHERE user_id = %s AND key = %s',
        [user.pk, key],
    )
    if row is None:
        return None
    found = IdempotencyKey(
        pk=row[0],
        user=user,
        key=key,
        operation=row[1],
        result_type=row[2],
        result_id=row[3],
        created_at=row[4],
        request_sha256=row[5],
    )
    if found.operation != operation:
        raise Conflict(
            "idempotency_key_reused",
            "This idempotency key was already used for a different action.",
            "idempotency_key",
        )
    fingerprint = request_fingerprint(_api_request.get())
    if found.request_sha256 and fingerprint and found.request_sha256 != fingerprint:
        raise Conflict(
            "idempotency_key_reused",
            "This idempotency key was already used with a different request; use a new key "
            "for a new request.",
            "idempotency_key",
        )
    return found


def _lock_ids(user: User, key: str) -> tuple[int, int]:
    return (_LOCK_NAMESPACE, zlib.crc32(f"{user.pk}:{key}".encode()) - 2**31)


@contextlib.contextmanager
def key_held(user: User, key: str | None) -> Iterator[None]:
    """Hold the key's lock across several transactions: for a write whose second-factor check
    commits on its own before the write's transaction opens. A retry with the same key waits
    here until the first attempt has finished, then finds its result (previous_result), instead
    of presenting the code the first attempt has just used. The same lock as previous_result's,
    taken for the session; no lock without a key."""
    if not key:
        yield
        return
    check_key(key)
    ids = _lock_ids(user, key)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", ids)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", ids)


def remember_result(user: User, key: str, operation: str, result: models.Model) -> None:
    IdempotencyKey.objects.create(
        user=user,
        key=key,
        operation=operation,
        result_type=result._meta.label,
        result_id=str(result.pk),
        request_sha256=request_fingerprint(_api_request.get()),
    )


Row = TypeVar("Row", bound=models.Model)


def once(
    actor: User, key: str | None, operation: str, model: type[Row], work: Callable[[], Row]
) -> Row:
    """Run `work` in one transaction, or return the row the same key's first run wrote."""
    with transaction.atomic():
        if key:
            found = previous_result(actor, key, operation)
            if found is not None:
                return model._default_manager.get(pk=found.result_id)
        row = work()
        if key:
            remember_result(actor, key, operation, row)
        return row


IDEMPOTENCY_HELP = (
    "Send an `Idempotency-Key` header to make a retry safe: a repeat with the same key and the same "
    "request answers with what the first one did and writes nothing more; the same key with a "
    "different request is 409 `idempotency_key_reused`."
)


def key_from_header(header: str | None) -> str | None:
    # One character over the limit is enough for check_key to refuse it as too long.
    return (header or "")[:101] or None
