"""A second person's password typed on a colleague's screen: a witness co-signing waste, an
adjustment, a destruction or a session's exception, or a physician lifting a hold at the station.

This is not a sign-in, and it must not be a lever against the person named. It used to go through
django-axes like a sign-in, so five wrong passwords typed by any nurse (or sent with any nurse's API
token) locked the named physician out of signing in for fifteen minutes. Here:

* the password is checked against the named account directly (an inactive account never passes), and
  nothing is counted against that person: their own sign-in is untouched;
* wrong passwords are counted against the caller, the signed-in user and the address they call from,
  in a window (settings.OPENHAT_WITNESS_*). Past either limit the caller's second-person checks pause
  until the window ends: `witness_checks_paused` (429 with Retry-After over the API). The address
  limit is the higher one, since a clinic's stations share an address;
* every wrong password is an audit event in the caller's clinic, and a pause is an alert the clinic's
  managers see on their start page.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest

from openhat.audit.codes import AuditCode
from openhat.audit.middleware import client_ip
from openhat.audit.services import record_event
from openhat.clinics.access import active_memberships, request_clinic
from openhat.clinics.models import Clinic
from openhat.core import ratelimit
from openhat.core.errors import DomainError

USER_KEY = "second-person:user:"
ADDRESS_KEY = "second-person:address:"


class ChecksPaused(DomainError):
    """Too many wrong second-person passwords from this caller: try again after `retry_after`."""

    status_code = 429

    def __init__(self, code: str, message: str, field: str | None, retry_after: int) -> None:
        super().__init__(code, message, field)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Wording:
    """How the errors name the second person (a witness, a physician) and the fields they typed in."""

    prefix: str  # "witness" or "physician": the codes are <prefix>_sign_in_failed, ...
    person: str  # "The witness", "The physician"
    username_field: str
    password_field: str


WITNESS = Wording("witness", "The witness", "witness_username", "witness_password")
PHYSICIAN = Wording("physician", "The physician", "physician_username", "physician_password")


def _limits(request: HttpRequest, caller: User) -> dict[str, int]:
    limits = {USER_KEY + str(caller.pk): settings.OPENHAT_WITNESS_FAILURE_LIMIT}
    address = client_ip(request)
    if address:
        limits[ADDRESS_KEY + address] = settings.OPENHAT_WITNESS_ADDRESS_FAILURE_LIMIT
    return limits


def _window_seconds() -> int:
    return int(settings.OPENHAT_WITNESS_FAILURE_MINUTES) * 60


def _paused(wording: Wording, counts: dict[str, ratelimit.Count]) -> ChecksPaused:
    wait = max(counted.retry_after_seconds() for counted in counts.values())
    minutes = max(1, -(-wait // 60))
    return ChecksPaused(
        f"{wording.prefix}_checks_paused",
        f"Too many wrong passwords typed for a second person from your account or this "
        f"computer: these checks are paused for {minutes} minute{'s' if minutes != 1 else ''}. "
        "The clinic manager has been told. Nobody's own sign-in is affected.",
        wording.username_field,
        wait,
    )


def _caller_clinic(request: HttpRequest, caller: User) -> Clinic | None:
    """The clinic the caller is working in: the one the API path names, the page's current one,
    or their only clinic."""
    found = request_clinic() or getattr(request, "clinic", None)
    if found is not None:
        return found
    memberships = active_memberships(caller)
    return memberships[0].clinic if len(memberships) == 1 else None


def check_second_person(
    request: HttpRequest, caller: User, username: str, password: str, wording: Wording
) -> User:
    """The named colleague, if `password` is theirs; else a DomainError for the caller's form."""
    limits = _limits(request, caller)
    window = _window_seconds()
    now = ratelimit.current(limits, window)
    reached = {key: counted for key, counted in now.items() if counted.count >= limits[key]}
    if reached:
        raise _paused(wording, reached)
    person = User.objects.filter(username=username, is_active=True).first()
    if person is not None and person.check_password(password):
        return person
    if person is None:
        # As long as a real check, so the answer's timing does not tell which usernames exist.
        User().set_password(password)
    if _count_failure(request, caller, username, wording, limits, window):
        raise _paused(wording, ratelimit.current(limits, window))
    raise DomainError(
        f"{wording.prefix}_sign_in_failed",
        f"{wording.person}'s username or password is wrong.",
        wording.password_field,
    )


def _count_failure(
    request: HttpRequest,
    caller: User,
    username: str,
    wording: Wording,
    limits: dict[str, int],
    window: int,
) -> bool:
    """Count the wrong password and audit it; True when it reached a limit (an alert then)."""
    clinic = _caller_clinic(request, caller)
    with transaction.atomic():
        counts = ratelimit.count(limits, window)
        record_event(
            AuditCode.SECOND_PERSON_CHECK_FAILED,
            actor=caller,
            clinic=clinic,
            data={
                "as": wording.prefix,
                "username_tried": username[:150],
                "failures": {key.split(":")[1]: c.count for key, c in counts.items()},
            },
        )
        now_reached = {key: c for key, c in counts.items() if c.count == limits[key]}
        if now_reached:
            record_event(
                AuditCode.SECOND_PERSON_CHECKS_PAUSED,
                actor=caller,
                clinic=clinic,
                data={
                    "as": wording.prefix,
                    "username_tried": username[:150],
                    "by": sorted(key.split(":")[1] for key in now_reached),
                    "address": client_ip(request),
                    "minutes": settings.OPENHAT_WITNESS_FAILURE_MINUTES,
                },
            )
        return bool(now_reached)
