"""Two `make demo` at once: the second loader waits for the first (an advisory lock taken before
anything is written), instead of creating the same staff and clinics again and failing on a
unique constraint. Here another connection holds the lock; the loader waits for it, gives up at
the lock timeout, and has written nothing."""

from __future__ import annotations

import psycopg
import pytest
from django.db import OperationalError, connection

from openhat.clinics.models import Clinic
from openhat.simulate.demo_clinic import DEMO_LOAD_LOCK, load_demo_clinic

pytestmark = pytest.mark.django_db


def _other_connection() -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        autocommit=True,
    )


def test_a_second_loader_waits_for_the_first_and_writes_nothing_meanwhile() -> None:
    with _other_connection() as first_loader:
        first_loader.execute("SELECT pg_advisory_lock(%s, %s)", DEMO_LOAD_LOCK)
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '300ms'")
        with pytest.raises(OperationalError, match="lock timeout"):
            load_demo_clinic()

    assert not Clinic.objects.filter(code__in=["ZRH", "VAN"]).exists()
