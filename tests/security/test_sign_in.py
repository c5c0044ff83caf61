"""Passwords are hashed with Argon2; repeated failures lock the account (by name, not by address)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import identify_hasher, make_password
from django.contrib.auth.models import User
from django.test import Client, RequestFactory

from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from tests.conftest import PASSWORD, Personas, make_user

pytestmark = pytest.mark.django_db

WRONG = "not the password at all"


def attempt(username: str, password: str, ip: str = "10.0.0.5") -> User | None:
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR=ip)
    return authenticate(request=request, username=username, password=password)


def signed_in_user_id(client: Client) -> Any:
    return client.session.get("_auth_user_id")


def test_passwords_are_stored_as_argon2() -> None:
    user = make_user("someone")
    assert user.password.startswith("argon2$")
    assert identify_hasher(user.password).algorithm == "argon2"
    assert PASSWORD not in user.password


def test_outside_the_tests_argon2_is_the_first_hasher() -> None:
    real = [h for h in settings.PASSWORD_HASHERS if not h.startswith("openhat.core.hashers.Test")]
    assert real[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_an_older_hash_is_upgraded_to_argon2_at_sign_in() -> None:
    user = make_user("old_account")
    User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
    assert attempt("old_account", PASSWORD) == user
    user.refresh_from_db()
    assert user.password.startswith("argon2$")


def test_the_correct_password_signs_in(personas: Personas) -> None:
    assert attempt("nurse_zrh", PASSWORD) == personas["nurse"]


def test_failures_below_the_limit_do_not_lock(personas: Personas) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt("nurse_zrh", WRONG) is None
    assert attempt("nurse_zrh", PASSWORD) == personas["nurse"]
    assert not AuditEvent.objects.filter(code=AuditCode.LOCKED_OUT).exists()


def test_the_account_is_locked_after_the_failure_limit(personas: Personas) -> None:
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert attempt("nurse_zrh", WRONG) is None
    # Now even the right password is refused, from any address: the lock is on the account.
    assert attempt("nurse_zrh", PASSWORD) is None
    assert attempt("nurse_zrh", PASSWORD, ip="10.9.9.9") is None

    locked = AuditEvent.objects.filter(code=AuditCode.LOCKED_OUT)
    assert locked.exists()
    assert locked.latest("pk").data == {"username": "nurse_zrh"}
    failed = AuditEvent.objects.filter(code=AuditCode.SIGN_IN_FAILED, data__username="nurse_zrh")
    assert failed.count() >= settings.AXES_FAILURE_LIMIT
    # The password is never written into the audit trail.
    assert not AuditEvent.objects.filter(data__icontains=WRONG).exists()
    assert all(WRONG not in str(e.data) for e in failed)


def test_the_limit_comes_from_settings(personas: Personas, settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        attempt("nurse_zrh", WRONG)
    assert attempt("nurse_zrh", PASSWORD) is None


def test_another_user_on_the_same_tablet_can_still_sign_in(personas: Personas) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt("nurse_zrh", WRONG, ip="10.0.0.5")
    assert attempt("nurse_zrh", PASSWORD, ip="10.0.0.5") is None
    assert attempt("physician_zrh", PASSWORD, ip="10.0.0.5") == personas["physician"]


def test_the_sign_in_page_locks_the_account(personas: Personas) -> None:
    client = Client(REMOTE_ADDR="10.0.0.5")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/accounts/login/", {"username": "nurse_zrh", "password": WRONG})
        assert response.status_code == 200  # the form again, with its error
    # The failure that reaches the limit already answers with the locked-out page.
    response = client.post("/accounts/login/", {"username": "nurse_zrh", "password": WRONG})
    assert response.status_code == 429
    response = client.post("/accounts/login/", {"username": "nurse_zrh", "password": PASSWORD})
    assert response.status_code == 429
    assert signed_in_user_id(client) is None
    assert AuditEvent.objects.filter(code=AuditCode.LOCKED_OUT, data__username="nurse_zrh").exists()

    # A colleague on the same tablet is not affected.
    colleague = Client(REMOTE_ADDR="10.0.0.5")
    response = colleague.post(
        "/accounts/login/", {"username": "counsellor_zrh", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert signed_in_user_id(colleague) == str(personas["counsellor"].pk)


def test_the_sign_in_page_signs_in_with_the_right_password(personas: Personas) -> None:
    client = Client()
    response = client.post("/accounts/login/", {"username": "nurse_zrh", "password": PASSWORD})
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(personas["nurse"].pk)
    assert AuditEvent.objects.filter(code=AuditCode.SIGNED_IN, actor=personas["nurse"]).exists()


def test_the_sign_in_form_needs_its_csrf_token(personas: Personas) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "nurse_zrh", "password": PASSWORD})
    assert response.status_code == 403
    assert signed_in_user_id(client) is None
