"""Signed checkpoints: the head of every chain, signed and written outside the database.

A checkpoint is one JSON file in OPENHAT_CHECKPOINT_DIR (default var/checkpoints): for each chain
its table, clinic, position, hash, key id and row count, the time and the reason, signed with
the Ed25519 key of `audit.keys`. Files are created exclusively and made read-only; nothing here
ever rewrites or deletes one. The verifiers check every chain against every checkpoint, so rows
deleted from a chain's end, an emptied table, or a chain recomputed from some row on (even with
the key) no longer fits a signed head. This is Certificate Transparency's signed tree head and a
ledger database's digest, for a linear chain (docs/chains.md).
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction

from openhat.audit import checkpoint_syslog
from openhat.audit.chain import canonical_json
from openhat.audit.keys import public_key_hex, signing_key, trusted_public_keys

logger = logging.getLogger(__name__)
FORMAT = "openhat-checkpoint/1"
# Every chained table, in the order a checkpoint lists them: (chain name, model label).
CHAINS: tuple[tuple[str, str], ...] = (
    ("audit_event", "audit.AuditEvent"),
    ("access_log", "audit.AccessLog"),
    ("ledger_entry", "pharmacy.LedgerEntry"),
    ("session_decision", "dosing.SessionDecision"),
    ("administration", "dosing.Administration"),
    ("adverse_event", "dosing.AdverseEvent"),
)


@dataclass(frozen=True)
class Head:
    chain: str
    chain_key: int
    position: int
    hash: str
    key_id: str
    rows: int


@dataclass(frozen=True)
class Checkpoint:
    name: str
    made_at: str
    reason: str
    heads: tuple[Head, ...]
    public_key: str
    # The syslog copy (audit.checkpoint_syslog): "" when none is configured, "sent", or why not.
    remote: str = ""

    def heads_of(self, chain_key: int) -> list[Head]:
        return [head for head in self.heads if head.chain_key == chain_key]


@dataclass
class Anchors:
    """Every signed head, by chain: {table: {chain_key: {position: (hash, checkpoint name)}}}."""

    by_table: dict[str, dict[int, dict[int, tuple[str, str]]]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def of_table(self, table: str) -> dict[int, dict[int, tuple[str, str]]]:
        return self.by_table.get(table, {})


def checkpoint_dir() -> Path:
    return Path(settings.CHECKPOINT_DIR)


def _signed_bytes(body: dict[str, Any]) -> bytes:
    return (FORMAT + "\n" + canonical_json(body)).encode("utf-8")


def _chain_models() -> list[tuple[str, Any]]:
    return [(name, apps.get_model(label)) for name, label in CHAINS]


def read_heads() -> list[Head]:
    """Each chain's newest row and row count, one statement per table."""
    heads = []
    with connection.cursor() as cursor:
        for name, model in _chain_models():
            table = model._meta.db_table
            # Table names are the models', never input.
            cursor.execute(
                f"SELECT DISTINCT ON (chain_key) chain_key, chain_seq, row_sha256, key_id, "  # noqa: S608
                f'count(*) OVER (PARTITION BY chain_key) FROM "{table}" '
                "ORDER BY chain_key, chain_seq DESC"
            )
            for chain_key, position, row_hash, key_id, rows in cursor.fetchall():
                heads.append(Head(name, int(chain_key), int(position), row_hash, key_id, int(rows)))
    return heads


def _slug(reason: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", reason.lower()).strip("-")[:40] or "checkpoint"


def make_checkpoint(reason: str) -> Checkpoint:
    """Sign the heads of every chain and write them to a new file in the checkpoint directory.

    Call it after the writes it should cover have committed (`transaction.on_commit`): a head
    read inside a transaction that then rolls back would be signed but never exist.
    """
    if connection.in_atomic_block:
        heads = read_heads()
    else:
        # One snapshot for all tables, so the heads belong to one moment.
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            heads = read_heads()
    made_at = datetime.now(UTC)
    key = signing_key()
    made_at_text = made_at.isoformat(timespec="microseconds")
    public_key = public_key_hex(key.public_key())
    body: dict[str, Any] = {
        "format": FORMAT,
        "made_at": made_at_text,
        "reason": reason,
        "heads": [head.__dict__ for head in heads],
        "public_key": public_key,
    }
    document = {**body, "signature": key.sign(_signed_bytes(body)).hex()}
    directory = checkpoint_dir()
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{made_at:%Y%m%dT%H%M%S%fZ}-{_slug(reason)}-{secrets.token_hex(3)}.json"
    write_once(directory / name, json.dumps(document, indent=1, sort_keys=True) + "\n")
    return Checkpoint(
        name, made_at_text, reason, tuple(heads), public_key, remote=_send_copy(name, document)
    )


def _send_copy(name: str, document: dict[str, Any]) -> str:
    try:
        return "sent" if checkpoint_syslog.send(document) else ""
    except OSError as error:
        # The file is written, so nothing is lost; the operator resends the copy from it.
        logger.error("checkpoint %s was not sent to the syslog collector: %s", name, error)
        return f"not sent: {error}"


def write_once(path: Path, text: str) -> None:
    """Create a read-only file; an existing file is never written over (FileExistsError)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _parse(path: Path) -> Checkpoint:
    document = json.loads(path.read_text(encoding="utf-8"))
    signature = bytes.fromhex(document.pop("signature"))
    if document.get("format") != FORMAT:
        raise ValueError(f"unknown format {document.get('format')!r}")
    public_key = trusted_public_keys().get(document["public_key"])
    if public_key is None:
        raise ValueError("signed by a key that is not trusted")
    try:
        public_key.verify(signature, _signed_bytes(document))
    except InvalidSignature:
        raise ValueError("its signature does not verify (the file was altered)") from None
    heads = tuple(Head(**head) for head in document["heads"])
    for head in heads:
        if head.rows != head.position:
            raise ValueError(f"{head.chain} {head.chain_key}: rows and position disagree")
    return Checkpoint(
        path.name, document["made_at"], document["reason"], heads, document["public_key"]
    )


def read_checkpoints() -> tuple[list[Checkpoint], list[str]]:
    """Every checkpoint file, oldest first, and a problem for each that does not verify."""
    directory = checkpoint_dir()
    if not directory.is_dir():
        return [], []
    found, problems = [], []
    for path in sorted(directory.glob("*.json")):
        try:
            found.append(_parse(path))
        except (ValueError, KeyError, TypeError) as error:
            problems.append(f"checkpoint {path.name}: {error}")
    return found, problems


def load_anchors() -> Anchors:
    checkpoints, problems = read_checkpoints()
    anchors = Anchors(problems=problems)
    for checkpoint in checkpoints:
        for head in checkpoint.heads:
            positions = anchors.by_table.setdefault(head.chain, {}).setdefault(head.chain_key, {})
            known = positions.get(head.position)
            if known is not None and known[0] != head.hash:
                anchors.problems.append(
                    f"checkpoints {known[1]} and {checkpoint.name} sign different hashes for "
                    f"{head.chain} chain {head.chain_key} position {head.position}"
                )
            positions.setdefault(head.position, (head.hash, checkpoint.name))
    return anchors


def latest_checkpoint(
    *, made_after: datetime | None = None, reason: str | None = None
) -> Checkpoint | None:
    """The newest checkpoint that verifies (or the first made after a moment, or the newest made
    for a reason). Chosen by file name (its time and reason), so only that file is read."""
    directory = checkpoint_dir()
    if not directory.is_dir():
        return None
    names = sorted(path.name for path in directory.glob("*.json"))
    if reason is not None:
        names = [name for name in names if name[23:-12] == _slug(reason)]
    if made_after is not None:
        stamp = f"{made_after.astimezone(UTC):%Y%m%dT%H%M%S%fZ}"
        later = [name for name in names if name[:22] >= stamp]
        names = later[:1] or names
    for name in reversed(names):
        try:
            return _parse(directory / name)
        except (ValueError, KeyError, TypeError):
            continue  # `verify` reports it; a sheet prints the next one that holds
    return None
