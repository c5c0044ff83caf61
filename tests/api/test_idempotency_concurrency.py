"""Retries that arrive at the same moment: real concurrent transactions against PostgreSQL."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connections
from django.test import Client

from openhat.core.models import IdempotencyKey
from openhat.patients.models import Patient

from .conftest import send_json

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

BODY = {"clinic": "ZRH", "legal_name": "Same Person", "date_of_birth": "1988-08-08"}
ATTEMPTS = 4


def test_simultaneous_retries_with_one_key_register_one_patient(
    personas: Any, bearer_client: Any
) -> None:
    clients = [bearer_client("nurse") for _ in range(ATTEMPTS)]
    start = threading.Barrier(ATTEMPTS)
    answers: list[tuple[int, str]] = []
    failures: list[BaseException] = []
    guard = threading.Lock()

    def submit(client: Client) -> None:
        try:
            start.wait(timeout=30)
            response = send_json(
                client,
                "POST",
                "/api/patients",
                BODY,
                headers={"Idempotency-Key": "tablet-retry-0001"},
            )
            with guard:
                answers.append((response.status_code, response.json().get("client_code", "")))
        except BaseException as error:  # asserted on below
            with guard:
                failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not failures
    assert answers == [(201, "ZRH-0001")] * ATTEMPTS
    assert Patient.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1
