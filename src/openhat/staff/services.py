"""Staff administration: invite, accept an invitation, change a role, deactivate, reactivate, and
reset a second factor.

Managers only (Capability.MANAGE_STAFF), in their own clinic; each writer is one transaction with
its audit event, and locks the clinic's row first, so two managers acting at once are taken one
after the other (without it, two managers could each remove the other and leave a clinic with none).
A manager never acts on their own membership here: another manager does. A clinic always keeps at
least one active manager.

Deactivating ends the membership in this clinic. When it was the person's last active membership
their account is disabled as well: a disabled account's sessions stop working at its next request
(Django's ModelBackend returns no user for it) and its API tokens are revoked.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from openhat.audit.codes import AuditCode
from openhat.audit.services import record_event
from openhat.clinics.access import forget_kept_memberships, require
from openhat.clinics.models import ApiToken, Clinic, StaffMembership
from openhat.clinics.roles import Capability, Role, role_can
from openhat.core.errors import DomainError, NotFound, PermissionDenied
from openhat.staff.models import StaffInvitation

INVITATION_PREFIX = "inv_"
_NO_LINK = "Ask your clinic manager for a new invitation link."


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _locked_clinic(actor: User, clinic: Clinic) -> Clinic:
    """The clinic's row, locked; then the actor's own membership read again under the lock (not
    from the request's copy): a manager another manager has just deactivated or demoted, while
    this one waited for the lock, may no longer act."""
    require(actor, clinic, Capability.MANAGE_STAFF)
    locked = Clinic.objects.select_for_update(no_key=True).get(pk=clinic.pk)
    own = StaffMembership.objects.filter(user=actor, clinic=locked, is_active=True).first()
    if own is None or not role_can(own.role, Capability.MANAGE_STAFF):
        raise PermissionDenied("role_not_allowed", "You no longer manage this clinic's staff.")
    return locked


def _role(value: str) -> Role:
    if value not in Role.values:
        raise DomainError("role_unknown", "Choose one of the clinic's roles.", "role")
    return Role(value)


def _member(actor: User, clinic: Clinic, membership_id: int) -> StaffMembership:
    """A membership of this clinic, locked; never the manager's own."""
    membership = (
        StaffMembership.objects.select_for_update(no_key=True)
        .select_related("user", "clinic")
        .filter(pk=membership_id, clinic=clinic)
        .first()
    )
    if membership is None:
        raise NotFound("staff_not_found", "No such staff member in this clinic.")
    if membership.user_id == actor.pk:
        raise PermissionDenied(
            "own_membership", "You cannot change your own access here: ask another manager."
        )
    return membership


def _keeps_a_manager(clinic: Clinic, losing: StaffMembership) -> None:
    if losing.role != Role.MANAGER or not losing.is_active:
        return
    others = StaffMembership.objects.filter(clinic=clinic, role=Role.MANAGER, is_active=True)
    if not others.exclude(pk=losing.pk).exists():
        raise DomainError(
            "last_manager",
            "The clinic would have no manager left: make someone else a manager first.",
            "role",
        )


def _checked_username(username: str) -> str:
    username = (username or "").strip()
    if not username:
        raise DomainError("username_required", "Enter the new colleague's username.", "username")
    if len(username) > 150:
        raise DomainError("username_too_long", "A username has at most 150 characters.", "username")
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        raise DomainError(
            "username_invalid",
            "A username has letters, digits and @ . + - _ only, without spaces.",
            "username",
        ) from None
    return username


def invite(*, actor: User, clinic: Clinic, username: str, role: str) -> tuple[StaffInvitation, str]:
    """An invitation for `username` to join `clinic` as `role`; returns it with its link's secret,
    which is shown once and never stored."""
    username = _checked_username(username)
    wanted = _role(role)
    with transaction.atomic():
        clinic = _locked_clinic(actor, clinic)
        existing = User.objects.filter(username=username).first()
        if existing is not None:
            if StaffMembership.objects.filter(user=existing, clinic=clinic).exists():
                raise DomainError(
                    "already_staff",
                    f"{username} is already on this clinic's staff: change their role or "
                    "reactivate them in the list.",
                    "username",
                )
            if not existing.is_active:
                raise DomainError(
                    "account_disabled",
                    f"{username} is a disabled account: choose another username.",
                    "username",
                )
        open_invitation = StaffInvitation.objects.filter(
            clinic=clinic,
            username=username,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        ).exists()
        if open_invitation:
            raise DomainError(
                "invitation_pending",
                f"{username} has an invitation that is still open: revoke it first to send another.",
                "username",
            )
        secret = INVITATION_PREFIX + secrets.token_urlsafe(32)
        invitation = StaffInvitation.objects.create(
            clinic=clinic,
            username=username,
            role=wanted,
            secret_sha256=_digest(secret),
            invited_by=actor,
            expires_at=timezone.now() + timedelta(days=settings.OPENHAT_INVITATION_DAYS),
        )
        record_event(
            AuditCode.STAFF_INVITED,
            actor=actor,
            clinic=clinic,
            target=invitation,
            data={
                "username": username,
                "role": str(wanted),
                "expires_at": invitation.expires_at,
                "existing_account": existing is not None,
            },
        )
    return invitation, secret


def revoke_invitation(*, actor: User, clinic: Clinic, invitation_id: int) -> StaffInvitation:
    with transaction.atomic():
        clinic = _locked_clinic(actor, clinic)
        invitation = StaffInvitation.objects.filter(pk=invitation_id, clinic=clinic).first()
        if invitation is None:
            raise NotFound("invitation_not_found", "No such invitation in this clinic.")
        if invitation.accepted_at is not None:
            raise DomainError("invitation_used", "This invitation was accepted already.")
        if invitation.revoked_at is None:
            invitation.revoked_at = timezone.now()
            invitation.save(update_fields=["revoked_at"])
            record_event(
                AuditCode.STAFF_INVITATION_REVOKED,
                actor=actor,
                clinic=clinic,
                target=invitation,
                data={"username": invitation.username, "role": invitation.role},
            )
        return invitation


def open_invitation(secret: str, *, lock: bool = False) -> StaffInvitation:
    """The invitation this link's secret opens, if it still may be used; else a clear refusal."""
    rows = StaffInvitation.objects.select_related("clinic", "invited_by")
    if lock:
        rows = rows.select_for_update(of=("self",))
    invitation = rows.filter(secret_sha256=_digest(secret or "")).first()
    if invitation is None:
        raise NotFound("invitation_unknown", f"This invitation link is not valid. {_NO_LINK}")
    if invitation.revoked_at is not None:
        raise DomainError("invitation_revoked", f"This invitation was withdrawn. {_NO_LINK}")
    if invitation.accepted_at is not None:
        raise DomainError(
            "invitation_used", "This invitation has been used already: sign in instead."
        )
    if invitation.expires_at <= timezone.now():
        raise DomainError("invitation_expired", f"This invitation has expired. {_NO_LINK}")
    return invitation


def _join(invitation: StaffInvitation, user: User) -> StaffMembership:
    membership = StaffMembership.objects.create(
        user=user, clinic=invitation.clinic, role=invitation.role
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    forget_kept_memberships()
    record_event(
        AuditCode.STAFF_INVITATION_ACCEPTED,
        actor=user,
        clinic=invitation.clinic,
        target=membership,
        data={
            "username": user.get_username(),
            "role": invitation.role,
            "invited_by": invitation.invited_by.get_username(),
        },
    )
    return membership


def accept_with_new_account(*, secret: str, password: str, password_again: str) -> User:
    """The invited person sets their own password; their account and membership are made."""
    with transaction.atomic():
        invitation = open_invitation(secret, lock=True)
        if User.objects.filter(username=invitation.username).exists():
            raise DomainError(
                "account_exists",
                f"You already have an account ({invitation.username}): sign in, then open "
                "this link again to join the clinic.",
            )
        if password != password_again:
            raise DomainError(
                "passwords_differ", "The two passwords are not the same.", "password_again"
            )
        user = User(username=invitation.username)
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise DomainError("password_too_weak", " ".join(error.messages), "password") from None
        user.set_password(password)
        user.save()
        _join(invitation, user)
        return user


def accept_as(*, secret: str, user: User) -> StaffMembership:
    """Someone who already works in another clinic accepts while signed in as themselves."""
    with transaction.atomic():
        invitation = open_invitation(secret, lock=True)
        if user.get_username() != invitation.username:
            raise PermissionDenied(
                "invitation_for_someone_else",
                f"This invitation is for {invitation.username}; you are signed in as "
                f"{user.get_username()}.",
            )
        if StaffMembership.objects.filter(user=user, clinic=invitation.clinic).exists():
            raise DomainError("already_staff", "You are on this clinic's staff already.")
        return _join(invitation, user)


def change_role(*, actor: User, clinic: Clinic, membership_id: int, role: str) -> StaffMembership:
    wanted = _role(role)
    with transaction.atomic():
        clinic = _locked_clinic(actor, clinic)
        membership = _member(actor, clinic, membership_id)
        if membership.role == wanted:
            raise DomainError(
                "role_unchanged",
                f"{membership.user.get_username()} is a {wanted.label.lower()} already.",
                "role",
            )
        if wanted != Role.MANAGER:
            _keeps_a_manager(clinic, membership)
        before = membership.role
        membership.role = wanted
        membership.save(update_fields=["role"])
        forget_kept_memberships()
        record_event(
            AuditCode.STAFF_MEMBERSHIP_CHANGED,
            actor=actor,
            clinic=clinic,
            target=membership,
            data={"username": membership.user.get_username(), "from": before, "to": str(wanted)},
        )
        return membership


def deactivate(*, actor: User, clinic: Clinic, membership_id: int) -> StaffMembership:
    with transaction.atomic():
        clinic = _locked_clinic(actor, clinic)
        membership = _member(actor, clinic, membership_id)
        if not membership.is_active:
            raise DomainError("already_inactive", "This membership is inactive already.")
        _keeps_a_manager(clinic, membership)
        membership.is_active = False
        membership.save(update_fields=["is_active"])
        user = membership.user
        elsewhere = StaffMembership.objects.filter(user=user, is_active=True).exists()
        revoked = 0
        if not elsewhere:
            User.objects.filter(pk=user.pk).update(is_active=False)
            revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
                revoked_at=timezone.now()
            )
        forget_kept_memberships()
        record_event(
            AuditCode.STAFF_DEACTIVATED,
            actor=actor,
            clinic=clinic,
            target=membership,
            data={
                "username": user.get_username(),
                "role": membership.role,
                "account_disabled": not elsewhere,
                "tokens_revoked": revoked,
            },
        )
        return membership


def reactivate(*, actor: User, clinic: Clinic, membership_id: int) -> StaffMembership:
    with transaction.atomic():
        clinic = _locked_clinic(actor, clinic)
        membership = _member(actor, clinic, membership_id)
        if membership.is_active:
            raise DomainError("already_active", "This membership is active already.")
        membership.is_active = True
        membership.save(update_fields=["is_active"])
        enabled = User.objects.filter(pk=membership.user_id, is_active=False).update(is_active=True)
        forget_kept_memberships()
        record_event(
            AuditCode.STAFF_REACTIVATED,
            actor=actor,
            clinic=clinic,
            target=membership,
            data={
                "username": membership.user.get_username(),
                "role": membership.role,
                "account_enabled": bool(enabled),
            },
        )
        return membership


def reset_second_factor(*, actor: User, clinic: Clinic, membership_id: int) -> int:
    """Remove the person's authenticator; they set up a new one at their next request. Returns
    how many devices were removed."""
    with transaction.atomic():
        clinic = _locked_clinic(actor, clinic)
        membership = _member(actor, clinic, membership_id)
        devices = TOTPDevice.objects.filter(user=membership.user)
        if not devices.filter(confirmed=True).exists():
            raise DomainError(
                "no_second_factor",
                f"{membership.user.get_username()} has no authenticator set up; they set one "
                "up when they next sign in.",
            )
        removed, _ = devices.delete()
        record_event(
            AuditCode.SECOND_FACTOR_RESET,
            actor=actor,
            clinic=clinic,
            target=membership,
            data={"username": membership.user.get_username(), "devices_removed": removed},
        )
        return removed
