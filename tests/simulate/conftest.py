"""The demo, loaded once for the whole package: four weeks of history (the demo's own length) as if
at 17:40 in Zurich (the evening window, morning and midday behind it; 08:40 in Vancouver, its first
window). What today holds depends on the time of day, so the load pins it rather than depending on
when the tests run; the clock ticks on from there.

The load runs inside a transaction rolled back after the package's last test; each test runs in a
savepoint within it (pytest-django's `db`). Loading it once for the pharmacy, dosing and replay
tests rather than once per module and per test saved the dosing and replay modules' own loads
(54 s and 37 s in one measured run) and four 15-second loads in tests/test_demo.py. With pytest-xdist
the package's tests stay on one worker (tests/parallel.py), so it loads once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.utils import timezone

from openhat.clinics.models import Clinic
from openhat.simulate import demo_pharmacy
from openhat.simulate.demo_clinic import DemoResult, load_demo_clinic
from tests.database import as_superuser

ZURICH = ZoneInfo("Europe/Zurich")
LOADED_AT = time(17, 40)


def latest(local: time, zone: ZoneInfo = ZURICH) -> datetime:
    """The last moment, up to now, when the clock in `zone` showed `local`."""
    now = timezone.now().astimezone(zone)
    day = now.date() if now.time() >= local else now.date() - timedelta(days=1)
    return datetime.combine(day, local, tzinfo=zone)


@contextmanager
def demo_loaded(days: int, local: time) -> Iterator[DemoResult]:
    """The demo loaded with `days` of history as if at `local` Zurich time, inside a transaction
    rolled back at the end (tests run in savepoints within it, pytest-django's `db`)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(demo_pharmacy, "HISTORY_DAYS", days)
        real_now = timezone.now
        shift = latest(local) - real_now()
        patch.setattr(timezone, "now", lambda: real_now() + shift)
        outer = transaction.atomic()
        outer.__enter__()
        try:
            result = load_demo_clinic()
            assert result.created
            # The load is never committed, so autovacuum never sees it and the planner works from
            # whatever statistics the tables had before. Once, run last on a worker whose tables
            # earlier tests had filled and emptied, the package spent some ten minutes in the
            # replay's cursor (seconds in other runs); plans from stale statistics are the likely
            # cause. ANALYZE inside the transaction counts the loaded rows.
            # As the owner: the application's role may not analyze tables it does not own.
            with as_superuser(triggers=True), connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            yield result
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(scope="package")
def loaded_demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[DemoResult]:
    with (
        django_db_blocker.unblock(),
        demo_loaded(demo_pharmacy.HISTORY_DAYS, LOADED_AT) as result,
    ):
        yield result


@pytest.fixture(scope="package")
def loaded(loaded_demo: DemoResult) -> dict[str, Clinic]:
    return {clinic.code: clinic for clinic in loaded_demo.clinics}


@pytest.fixture
def demo(loaded_demo: DemoResult, db: Any) -> DemoResult:
    """What the load answered (the clinics, the staff, the printed authenticators)."""
    return loaded_demo


@pytest.fixture
def clinics(loaded: dict[str, Clinic], db: Any) -> dict[str, Clinic]:
    return loaded
