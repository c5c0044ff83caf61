"""The remote copy of each signed checkpoint (a syslog collector on another host), and rotating
the chain key through the key file.

The collector here is a socket of the test's own on 127.0.0.1: what arrives must be the very
document the checkpoint's file holds, signature and all, so the copy alone can anchor a chain.
"""

from __future__ import annotations

import io
import json
import socket
import threading
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from openhat.audit import keys
from openhat.audit.chain import canonical_json
from openhat.audit.checkpoint_syslog import PRIORITY
from openhat.audit.checkpoints import FORMAT, checkpoint_dir, make_checkpoint
from openhat.audit.codes import AuditCode
from openhat.audit.keys import chain_keys, key_id_of
from openhat.audit.models import AuditEvent
from openhat.audit.services import record_event, verify_chain

pytestmark = pytest.mark.django_db


def _document_in(line: bytes) -> dict[str, Any]:
    header, _, body = line.decode().partition(" - checkpoint - ")
    assert header.startswith(f"<{PRIORITY}>1 ") and " openhat" in header
    return json.loads(body)


def _file_of(name: str) -> dict[str, Any]:
    return json.loads((checkpoint_dir() / name).read_text())


def _signature_holds(document: dict[str, Any]) -> bool:
    body = {key: value for key, value in document.items() if key != "signature"}
    signed = (FORMAT + "\n" + canonical_json(body)).encode("utf-8")
    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(document["public_key"]))
    try:
        key.verify(bytes.fromhex(document["signature"]), signed)
    except InvalidSignature:
        return False
    return True


def test_a_checkpoint_is_copied_to_a_udp_collector(settings: Any, personas: Any) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as collector:
        collector.bind(("127.0.0.1", 0))
        collector.settimeout(10)
        settings.CHECKPOINT_SYSLOG = f"udp://127.0.0.1:{collector.getsockname()[1]}"

        checkpoint = make_checkpoint("count")
        line, _ = collector.recvfrom(65535)

    copy = _document_in(line)
    assert checkpoint.remote == "sent"
    assert copy == _file_of(checkpoint.name)
    assert _signature_holds(copy)
    tampered = {**copy, "heads": copy["heads"][:-1]}
    assert not _signature_holds(tampered)


def test_a_checkpoint_is_copied_to_a_tcp_collector_with_octet_counting(
    settings: Any, personas: Any
) -> None:
    received: list[bytes] = []
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(10)

        def accept() -> None:
            connection, _ = listener.accept()
            with connection:
                chunks = []
                while chunk := connection.recv(65535):
                    chunks.append(chunk)
                received.append(b"".join(chunks))

        thread = threading.Thread(target=accept)
        thread.start()
        settings.CHECKPOINT_SYSLOG = f"tcp://127.0.0.1:{listener.getsockname()[1]}"
        checkpoint = make_checkpoint("manual")
        thread.join(10)

    length, _, line = received[0].partition(b" ")
    assert int(length) == len(line)
    assert _document_in(line) == _file_of(checkpoint.name)


def test_an_unreachable_collector_keeps_the_file_and_the_command_says_so(
    settings: Any, personas: Any
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # bound, never listening: connections are refused
        settings.CHECKPOINT_SYSLOG = f"tcp://127.0.0.1:{port}"
        before = set(checkpoint_dir().glob("*.json")) if checkpoint_dir().exists() else set()

        with pytest.raises(CommandError, match="resend it when the collector is back"):
            call_command("checkpoint", "--reason", "manual", stdout=io.StringIO())

    written = set(checkpoint_dir().glob("*.json")) - before
    assert len(written) == 1


@pytest.mark.parametrize("target", ["syslog.example.org", "http://host:514", "udp://host"])
def test_a_malformed_collector_address_is_refused(settings: Any, target: str) -> None:
    settings.CHECKPOINT_SYSLOG = target
    with pytest.raises(ImproperlyConfigured, match="OPENHAT_CHECKPOINT_SYSLOG"):
        make_checkpoint("manual")


def test_no_collector_configured_sends_nothing(settings: Any, personas: Any) -> None:
    settings.CHECKPOINT_SYSLOG = ""
    assert make_checkpoint("manual").remote == ""


def test_the_chain_key_rotates_through_the_key_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, personas: Any
) -> None:
    """docs/chains.md: the key file's first line is the current key, later lines retired keys.
    Rows chained under the old key still verify after the new key takes over, and stop
    verifying when the old key is dropped from the file."""
    with transaction.atomic():
        record_event(AuditCode.CLINIC_SWITCHED, actor=None, clinic=personas.clinic)
    old = chain_keys().current
    new = bytes(range(1, 33))
    key_file = tmp_path / "chain-key"
    key_file.write_text(f"{new.hex()}\n{old.hex()}\n")
    monkeypatch.delenv("OPENHAT_CHAIN_KEY", raising=False)
    monkeypatch.setenv("OPENHAT_CHAIN_KEY_FILE", str(key_file))
    keys.forget_keys()
    try:
        with transaction.atomic():
            newest = record_event(AuditCode.CLINIC_SWITCHED, actor=None, clinic=personas.clinic)
        assert newest.key_id == key_id_of(new)
        assert AuditEvent.objects.filter(key_id=key_id_of(old)).exists()
        assert verify_chain(AuditEvent, "audit_event")[1] is None

        key_file.write_text(f"{new.hex()}\n")
        keys.forget_keys()
        broken = verify_chain(AuditEvent, "audit_event")[1]
        assert broken is not None and "not configured" in broken.problem
    finally:
        monkeypatch.delenv("OPENHAT_CHAIN_KEY_FILE")
        keys.forget_keys()
