"""Invitations to join a clinic's staff. Memberships themselves live in openhat.clinics."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from openhat.clinics.roles import Role


class StaffInvitation(models.Model):
    """A link a manager gives a new colleague: they open it and set their own password.

    Only the SHA-256 of the link's secret is stored; the link is shown once, to the manager who
    made it. It works until `expires_at`, once, unless revoked.
    """

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    username = models.CharField(max_length=150)
    role = models.CharField(max_length=32, choices=Role.choices)
    secret_sha256 = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="invitation_role_known"),
            # An invitation is used or revoked, never both.
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(revoked_at__isnull=True),
                name="invitation_used_or_revoked",
            ),
            models.CheckConstraint(
                condition=(Q(accepted_at__isnull=True) & Q(accepted_by__isnull=True))
                | (Q(accepted_at__isnull=False) & Q(accepted_by__isnull=False)),
                name="invitation_acceptance_complete",
            ),
        ]
        indexes = [models.Index(fields=["clinic", "-created_at"], name="invitation_clinic_created")]

    def __str__(self) -> str:
        return f"invitation of {self.username} to clinic {self.clinic_id} as {self.role}"
