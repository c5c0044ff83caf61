"""The JSON API's rate limit, per token (or signed-in user) and per address, with real requests:
429 `rate_limited` with a Retry-After header, counted in PostgreSQL so that concurrent requests on
separate connections (as from several gunicorn workers) share one count and lose none."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from openhat.clinics.services import create_api_token
from openhat.core import clock
from tests.audit.concurrent import run_together
from tests.conftest import Personas, sign_in

WINDOW = 60


@pytest.fixture
def limits(settings: Any) -> Any:
    settings.OPENHAT_API_RATE_WINDOW_SECONDS = WINDOW
    settings.OPENHAT_API_RATE_PER_TOKEN = 3
    settings.OPENHAT_API_RATE_PER_ADDRESS = 5
    return settings


def token_client(personas: Personas, role: str, address: str = "10.0.0.7") -> Client:
    _, secret = create_api_token(actor=personas[role], name="rate test")
    return Client(headers={"Authorization": f"Bearer {secret}"}, REMOTE_ADDR=address)


def statuses(client: Client, times: int, path: str = "/api/me") -> list[int]:
    return [client.get(path).status_code for _ in range(times)]


@pytest.mark.django_db
def test_a_token_past_its_limit_gets_429_with_retry_after(personas: Personas, limits: Any) -> None:
    nurse = token_client(personas, "nurse")
    start = timezone.now().replace(second=10, microsecond=0)

    with clock.backdated(start):
        assert statuses(nurse, 3) == [200, 200, 200]
        refused = nurse.get("/api/me")

    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "rate_limited" and body["field"] is None
    assert "with this token" in body["message"] and "50 seconds" in body["message"]
    assert refused["Retry-After"] == "50"


@pytest.mark.django_db
def test_the_count_starts_again_in_the_next_window(personas: Personas, limits: Any) -> None:
    nurse = token_client(personas, "nurse")
    start = timezone.now().replace(second=0, microsecond=0)
    with clock.backdated(start):
        assert statuses(nurse, 4) == [200, 200, 200, 429]
    with clock.backdated(start + timedelta(seconds=WINDOW)):
        assert statuses(nurse, 1) == [200]


@pytest.mark.django_db
def test_each_token_has_its_own_count(personas: Personas, limits: Any) -> None:
    limits.OPENHAT_API_RATE_PER_ADDRESS = 0  # off: only the tokens' counts here
    nurse, physician = token_client(personas, "nurse"), token_client(personas, "pharmacist")
    assert statuses(nurse, 4) == [200, 200, 200, 429]
    assert statuses(physician, 1) == [200]


@pytest.mark.django_db
def test_an_address_past_its_limit_is_refused_whatever_the_token(
    personas: Personas, limits: Any
) -> None:
    first, second = token_client(personas, "nurse"), token_client(personas, "counsellor")
    elsewhere = token_client(personas, "manager", address="10.0.0.8")

    assert statuses(first, 3) + statuses(second, 2) == [200] * 5
    refused = second.get("/api/me")
    assert refused.status_code == 429 and "from this address" in refused.json()["message"]
    assert statuses(elsewhere, 1) == [200]


@pytest.mark.django_db
def test_wrong_tokens_are_counted_too(personas: Personas, limits: Any) -> None:
    guesser = Client(headers={"Authorization": "Bearer oh_guess"}, REMOTE_ADDR="10.0.0.9")
    assert statuses(guesser, 4) == [401, 401, 401, 429]


@pytest.mark.django_db
def test_a_signed_in_browser_is_counted_by_user_and_pages_are_not_counted(
    personas: Personas, limits: Any
) -> None:
    browser = sign_in(Client(REMOTE_ADDR="10.0.0.10"), personas["nurse"])
    assert statuses(browser, 4) == [200, 200, 200, 429]
    assert statuses(browser, 6, "/patients/") == [200] * 6


@pytest.mark.django_db
def test_a_limit_of_zero_is_no_limit(personas: Personas, limits: Any) -> None:
    limits.OPENHAT_API_RATE_PER_TOKEN = 0
    limits.OPENHAT_API_RATE_PER_ADDRESS = 0
    assert statuses(token_client(personas, "nurse"), 8) == [200] * 8


@pytest.mark.django_db(transaction=True)
@pytest.mark.concurrency
def test_concurrent_requests_share_one_count(personas: Personas, settings: Any) -> None:
    """Twenty requests at once on twenty connections, ten allowed: exactly ten get through. An
    in-process counter per worker would let each worker allow ten."""
    settings.OPENHAT_API_RATE_WINDOW_SECONDS = 3600  # no window boundary during the test
    settings.OPENHAT_API_RATE_PER_TOKEN = 10
    settings.OPENHAT_API_RATE_PER_ADDRESS = 0
    _, secret = create_api_token(actor=personas["nurse"], name="concurrent")

    def one(_: int) -> int:
        client = Client(headers={"Authorization": f"Bearer {secret}"})
        return client.get("/api/me").status_code

    answers, errors = run_together(20, one)

    assert errors == []
    assert sorted(answers) == [200] * 10 + [429] * 10


@pytest.mark.django_db
def test_the_openapi_description_documents_429_for_every_operation(personas: Personas) -> None:
    schema = sign_in(Client(), personas["nurse"]).get("/api/openapi.json").json()
    operations = [op for path in schema["paths"].values() for op in path.values()]

    assert operations
    for operation in operations:
        answer = operation["responses"]["429"]
        assert answer["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
        assert "Retry-After" in answer["headers"]
