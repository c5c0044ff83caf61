"""Where the current action comes from (IP, route), for audit rows written deep in services.

The middleware sets it per request; management commands set a route like "cli:demo".
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class ActionOrigin:
    ip: str | None = None
    route: str = ""


_origin: ContextVar[ActionOrigin] = ContextVar("openhat_action_origin", default=ActionOrigin())  # noqa: B039 (frozen, so sharing it is safe)


def current_origin() -> ActionOrigin:
    return _origin.get()


@contextlib.contextmanager
def action_origin(ip: str | None, route: str) -> Iterator[None]:
    token = _origin.set(ActionOrigin(ip=ip, route=route[:200]))
    try:
        yield
    finally:
        _origin.reset(token)
