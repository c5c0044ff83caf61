"""A small clinic history built once per module (tests/outcomes/public_world.py), inside a
transaction rolled back at the module's end; each test runs in a savepoint within it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from openhat.outcomes import public_services
from tests.conftest import Personas, build_personas
from tests.outcomes.public_world import History, build_history, build_station

PUBLIC_THRESHOLD = 5  # the smallest allowed: six patients give cells that can be shown


@pytest.fixture(scope="module")
def shared_history(
    django_db_setup: Any, django_db_blocker: Any
) -> Iterator[tuple[Personas, History]]:
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            personas = build_personas()
            station = build_station(personas)
            public_services.set_threshold(
                actor=personas["manager"], clinic=personas.clinic, threshold=PUBLIC_THRESHOLD
            )
            yield personas, build_history(personas, station)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def world(shared_history: tuple[Personas, History], db: Any) -> tuple[Personas, History]:
    return shared_history
