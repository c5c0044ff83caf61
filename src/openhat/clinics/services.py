"""Writers for clinics, staff, API tokens and the second factor. Each is one transaction with its
audit event."""

from __future__ import annotations

import hashlib
import secrets
from datetime import time, timedelta

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from openhat.audit.codes import AuditCode
from openhat.audit.services import record_event
from openhat.clinics.access import forget_kept_memberships, require
from openhat.clinics.models import (
    WINDOW_FIELDS,
    ApiToken,
    Clinic,
    StaffMembership,
    default_dosing_preset,
)
from openhat.clinics.roles import Capability, Role
from openhat.core.errors import DomainError, NotFound

TOKEN_PREFIX = "oh_"  # noqa: S105 (a public prefix, not a secret)
# How fresh a token's "last used" time is kept. A busy station makes several calls a second;
# writing the time on each would be a second transaction per request for a value read in minutes.
TOKEN_LAST_USED_RESOLUTION = timedelta(minutes=1)


def _validated(instance: Clinic | StaffMembership) -> None:
    try:
        instance.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise DomainError("invalid_" + field, " ".join(messages), field) from None


def create_clinic(
    *,
    actor: User | None,
    code: str,
    name: str,
    time_zone: str,
    jurisdiction_preset: str,
    dosing_preset: str | None = None,
) -> Clinic:
    """A new clinic; its dosing preset defaults to the one for its jurisdiction."""
    with transaction.atomic():
        clinic = Clinic(
            code=code,
            name=name,
            time_zone=time_zone,
            jurisdiction_preset=jurisdiction_preset,
            dosing_preset=dosing_preset or default_dosing_preset(jurisdiction_preset),
        )
        _validated(clinic)
        clinic.save()
        record_event(
            AuditCode.CLINIC_CREATED, actor=actor, clinic=clinic, target=clinic, data={"code": code}
        )
        return clinic


def _clock_time(value: object, field: str) -> time:
    if isinstance(value, time):
        moment = value
    else:
        try:
            moment = time.fromisoformat(str(value or "").strip())
        except ValueError:
            raise DomainError(
                "invalid_window_time", "Give the time as HH:MM, e.g. 07:30.", field
            ) from None
    if moment.second or moment.microsecond or moment.tzinfo is not None:
        raise DomainError("invalid_window_time", "Give the time as HH:MM, e.g. 07:30.", field)
    return moment


def set_dosing_windows(*, actor: User, clinic: Clinic, hours: dict[str, object]) -> Clinic:
    """The clinic's dosing windows (local HH:MM), e.g. {"morning_opens": "07:00", ...}.

    Each window opens before it closes and closes no later than the next opens. Every change is
    audited with the hours before and after.
    """
    require(actor, clinic, Capability.MANAGE_SETTINGS)
    chosen: dict[str, time] = {}
    for _name, opens, closes in WINDOW_FIELDS:
        for field in (opens, closes):
            chosen[field] = _clock_time(hours.get(field), field)
    previous_close: str | None = None
    for name, opens, closes in WINDOW_FIELDS:
        if chosen[opens] >= chosen[closes]:
            raise DomainError(
                "window_closes_before_opening",
                f"The {name} window must open before it closes.",
                closes,
            )
        if previous_close is not None and chosen[previous_close] > chosen[opens]:
            raise DomainError(
                "windows_overlap",
                f"The {name} window opens before the previous one closes.",
                opens,
            )
        previous_close = closes
    with transaction.atomic():
        locked = Clinic.objects.select_for_update(no_key=True).get(pk=clinic.pk)
        before = {field: f"{getattr(locked, field):%H:%M}" for field in chosen}
        after = {field: f"{moment:%H:%M}" for field, moment in chosen.items()}
        if before == after:
            return locked
        for field, moment in chosen.items():
            setattr(locked, field, moment)
        locked.save(update_fields=list(chosen))
        record_event(
            AuditCode.CLINIC_UPDATED,
            actor=actor,
            clinic=locked,
            target=locked,
            data={"dosing_windows": {"before": before, "after": after}},
        )
        return locked


def add_membership(
    *, actor: User | None, user: User, clinic: Clinic, role: Role | str
) -> StaffMembership:
    with transaction.atomic():
        membership = StaffMembership(user=user, clinic=clinic, role=role)
        _validated(membership)
        membership.save()
        forget_kept_memberships()
        record_event(
            AuditCode.STAFF_MEMBERSHIP_ADDED,
            actor=actor,
            clinic=clinic,
            target=membership,
            data={"username": user.get_username(), "role": str(role)},
        )
        return membership


def switch_clinic(
    *, actor: User, memberships: list[StaffMembership], clinic_code: str
) -> StaffMembership:
    for membership in memberships:
        if membership.clinic.code == clinic_code:
            with transaction.atomic():
                record_event(AuditCode.CLINIC_SWITCHED, actor=actor, clinic=membership.clinic)
            return membership
    raise NotFound("clinic_not_found", "You are not a member of that clinic.", "clinic")


def create_api_token(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """Returns the token row and its secret, which is shown once and never stored."""
    name = name.strip()
    if not name:
        raise DomainError(
            "token_name_required", "Give the token a name, e.g. the device it is for.", "name"
        )
    if len(name) > 80:
        raise DomainError("token_name_too_long", "A token name has at most 80 characters.", "name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=actor,
            name=name,
            prefix=secret[:10],
            key_sha256=hashlib.sha256(secret.encode()).hexdigest(),
        )
        record_event(AuditCode.API_TOKEN_CREATED, actor=actor, target=token, data={"name": name})
    return token, secret


def revoke_api_token(*, actor: User, token_id: int) -> ApiToken:
    with transaction.atomic():
        token = (
            ApiToken.objects.select_for_update(no_key=True).filter(pk=token_id, user=actor).first()
        )
        if token is None:
            raise NotFound("token_not_found", "No such token of yours.")
        if token.revoked_at is None:
            ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
            record_event(
                AuditCode.API_TOKEN_REVOKED, actor=actor, target=token, data={"name": token.name}
            )
        token.refresh_from_db()
        return token


def user_for_token(secret: str) -> User | None:
    if not secret.startswith(TOKEN_PREFIX):
        return None
    digest = hashlib.sha256(secret.encode()).hexdigest()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_sha256=digest, revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def totp_device_for(user: User) -> TOTPDevice:
    """The user's TOTP device, created unconfirmed (to be set up) if there is none yet."""
    device = TOTPDevice.objects.filter(user=user).order_by("-confirmed", "id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def verify_second_factor(*, actor: User, device: TOTPDevice, token: str) -> bool:
    token = token.strip().replace(" ", "")
    with transaction.atomic():
        ok = token.isdigit() and len(token) == 6 and device.verify_token(token)
        if ok and not device.confirmed:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            record_event(AuditCode.SECOND_FACTOR_DEVICE_CONFIRMED, actor=actor, target=device)
        record_event(
            AuditCode.SECOND_FACTOR_VERIFIED if ok else AuditCode.SECOND_FACTOR_FAILED, actor=actor
        )
    return bool(ok)
