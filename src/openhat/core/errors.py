"""Errors a user can cause: each carries a stable code, a sentence for the user, and the field.

Views and the API turn a DomainError into a 4xx with {"code", "message", "field"}; nothing a user
types should ever reach the database half-checked or come back as a 500.
"""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "field": self.field}


class NotFound(DomainError):
    """Also used for records of another clinic: their existence is not revealed."""

    status_code = 404


class PermissionDenied(DomainError):
    status_code = 403


class Conflict(DomainError):
    status_code = 409
