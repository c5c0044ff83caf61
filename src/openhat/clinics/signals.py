"""Sign-in, sign-out, failures and lockouts go into the audit trail."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver

from openhat.audit.codes import AuditCode
from openhat.audit.services import record_event


@receiver(user_logged_in)
def _signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    with transaction.atomic():
        record_event(AuditCode.SIGNED_IN, actor=user)


@receiver(user_logged_out)
def _signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        with transaction.atomic():
            record_event(AuditCode.SIGNED_OUT, actor=user)


@receiver(user_login_failed)
def _sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    # Never the password: only the name that was tried.
    with transaction.atomic():
        record_event(
            AuditCode.SIGN_IN_FAILED,
            actor=None,
            data={"username": str(credentials.get("username", ""))[:150]},
        )


@receiver(user_locked_out)
def _locked_out(
    sender: Any,
    request: Any = None,
    username: str | None = None,
    ip_address: str | None = None,
    **kwargs: Any,
) -> None:
    with transaction.atomic():
        record_event(AuditCode.LOCKED_OUT, actor=None, data={"username": (username or "")[:150]})
