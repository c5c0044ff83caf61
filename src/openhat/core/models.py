from __future__ import annotations

from django.conf import settings
from django.db import models


class IdempotencyKey(models.Model):
    """The first result of a write, so a retried request or a second click returns it again.

    Keys are per user: two users cannot collide, and one user cannot replay another's result.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=100)
    operation = models.CharField(max_length=60)
    result_type = models.CharField(max_length=60)
    result_id = models.CharField(max_length=64)
    # SHA-256 of the API request (method, path, body) that wrote the result, so the same key sent
    # with a different body is refused rather than answered with the first result. Blank for
    # pages, whose keys are made per form shown.
    request_sha256 = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.key}"


class RateWindow(models.Model):
    """A fixed-window counter per key, shared by every worker (see core.ratelimit)."""

    key = models.CharField(max_length=120, primary_key=True)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.key}: {self.count} since {self.window_start:%H:%M:%S}"
