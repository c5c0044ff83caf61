"""Sessions end after inactivity; every page carries the security headers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from tests.conftest import PASSWORD, Personas

pytestmark = pytest.mark.django_db


def _session_row(client: Client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_the_idle_timeout_is_the_cookie_age_and_every_request_extends_it() -> None:
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_MINUTES * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"


def test_each_request_pushes_the_expiry_forward(client_for: Any, settings: Any) -> None:
    settings.SESSION_COOKIE_AGE = 10 * 60
    client = client_for("nurse")
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() + timedelta(seconds=30)
    )
    assert client.get("/patients/").status_code == 200
    remaining = _session_row(client).expire_date - timezone.now()
    assert timedelta(minutes=9) < remaining <= timedelta(minutes=10)


def test_an_idle_session_is_signed_out(client_for: Any, settings: Any) -> None:
    settings.SESSION_COOKIE_AGE = 60
    client = client_for("nurse")
    assert client.get("/patients/").status_code == 200
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get("/patients/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    api = client.get("/api/me")
    assert api.status_code == 401


def test_a_signed_in_page_carries_the_security_headers(client_for: Any) -> None:
    response = client_for("nurse").get("/patients/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "microphone=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert "no-store" in response["Cache-Control"]


def test_the_api_is_not_cached_either(client_for: Any) -> None:
    response = client_for("nurse").get("/api/me")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_sign_in_page_carries_the_security_headers(db: Any) -> None:
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Permissions-Policy" in response


def test_the_session_cookie_is_http_only_and_same_site(personas: Personas) -> None:
    client = Client()
    response = client.post("/accounts/login/", {"username": "nurse_zrh", "password": PASSWORD})
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    # A browser-session cookie: gone when the browser closes; the server ends it after idling.
    assert cookie["max-age"] == ""
    assert cookie["expires"] == ""
