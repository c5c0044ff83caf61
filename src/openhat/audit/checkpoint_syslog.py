"""A second, remote copy of every signed checkpoint: one syslog message per checkpoint.

The directory of checkpoint files sits on the application's host; a syslog collector on another
host keeps a copy that someone holding the database and the application's host still cannot
rewrite. The message (RFC 5424, facility authpriv, severity notice) carries the signed document
on one line: the signature makes it self-verifying, so `openhat audit verify` can be pointed at a
directory rebuilt from the collector's lines.
"""

from __future__ import annotations

import json
import logging
import socket
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)
APP_NAME = "openhat"
MESSAGE_ID = "checkpoint"
PRIORITY = 10 * 8 + 5  # facility authpriv (10), severity notice (5): RFC 5424 §6.2.1
TIMEOUT_SECONDS = 5


def message(document: dict[str, Any]) -> bytes:
    line = json.dumps(document, sort_keys=True, separators=(",", ":"))
    stamp = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    host = socket.gethostname() or "-"
    return f"<{PRIORITY}>1 {stamp} {host} {APP_NAME} - {MESSAGE_ID} - {line}".encode()


def _target(text: str) -> tuple[int, int, Any]:
    """(address family, socket type, address) of OPENHAT_CHECKPOINT_SYSLOG."""
    if text.startswith("/"):
        return socket.AF_UNIX, socket.SOCK_DGRAM, text
    parts = urlsplit(text)
    kinds = {"udp": socket.SOCK_DGRAM, "tcp": socket.SOCK_STREAM}
    if parts.scheme not in kinds or not parts.hostname or not parts.port:
        raise ImproperlyConfigured(
            f"OPENHAT_CHECKPOINT_SYSLOG {text!r}: use udp://host:port, tcp://host:port "
            "or a socket path"
        )
    return socket.AF_INET, kinds[parts.scheme], (parts.hostname, parts.port)


def send(document: dict[str, Any]) -> bool:
    """Send the signed checkpoint to the configured collector; False when none is set.

    Raises OSError when the collector cannot be reached: the caller has already written the
    checkpoint's file, so nothing is lost, and it reports the failure."""
    target = settings.CHECKPOINT_SYSLOG
    if not target:
        return False
    family, kind, address = _target(target)
    data = message(document)
    with socket.socket(family, kind) as sock:
        sock.settimeout(TIMEOUT_SECONDS)
        if kind == socket.SOCK_STREAM:
            sock.connect(address)
            # RFC 6587 octet counting: the length, a space, the message.
            sock.sendall(f"{len(data)} ".encode() + data)
        else:
            sock.sendto(data, address)
    return True
