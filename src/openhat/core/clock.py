"""The time services stamp records with: now, unless the synthetic-clinic loader backdates.

Only `openhat.simulate` uses `backdated`, to write a demo clinic's weeks of history in order;
production code never sets it, so records carry the real time of writing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.utils import timezone

_backdated_to: ContextVar[datetime | None] = ContextVar("backdated_to", default=None)


def now() -> datetime:
    return _backdated_to.get() or timezone.now()


@contextmanager
def backdated(moment: datetime) -> Iterator[None]:
    if timezone.is_naive(moment):
        raise ValueError("backdated() needs an aware datetime")
    token = _backdated_to.set(moment)
    try:
        yield
    finally:
        _backdated_to.reset(token)
