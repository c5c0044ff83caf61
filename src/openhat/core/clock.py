"""The time services stamp records with: now, unless the synthetic-clinic loader backdates; and
the clinic's today, the one calendar date every page, form, report and service means by "today".

Only `openhat.simulate` uses `backdated`, to write a demo clinic's weeks of history in order;
production code never sets it, so records carry the real time of writing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, tzinfo
from typing import Protocol

from django.utils import timezone

_backdated_to: ContextVar[datetime | None] = ContextVar("backdated_to", default=None)


def now() -> datetime:
    return _backdated_to.get() or timezone.now()


class HasZone(Protocol):
    @property
    def zone(self) -> tzinfo: ...


def clinic_today(clinic: HasZone, moment: datetime | None = None) -> date:
    """The calendar date at the clinic now (or at `moment`), in the clinic's own time zone: a
    clinic in Vancouver and one in Zurich have different todays at the same instant."""
    return (moment or now()).astimezone(clinic.zone).date()


@contextmanager
def backdated(moment: datetime) -> Iterator[None]:
    if timezone.is_naive(moment):
        raise ValueError("backdated() needs an aware datetime")
    token = _backdated_to.set(moment)
    try:
        yield
    finally:
        _backdated_to.reset(token)
