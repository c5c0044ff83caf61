"""Validation of what staff type in about a patient; each failure is a DomainError with a code."""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date

from django.conf import settings

from openhat.core.errors import DomainError
from openhat.patients.models import Sex

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
_HEALTH_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./-]{0,39}$")
EARLIEST_BIRTH_DATE = date(1900, 1, 1)
_PHOTO_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_MAX_PHOTO_PIXELS = 40_000_000


@dataclass(frozen=True)
class IdentityInput:
    legal_name: str
    date_of_birth: date
    sex: str = Sex.UNKNOWN
    health_number: str = ""


def clean_identity(identity: IdentityInput, today: date) -> IdentityInput:
    name = " ".join((identity.legal_name or "").split())
    if not name:
        raise DomainError("legal_name_required", "Enter the legal name.", "legal_name")
    if len(name) > 200:
        raise DomainError(
            "legal_name_too_long", "The legal name has at most 200 characters.", "legal_name"
        )
    if _CONTROL_CHARACTERS.search(name):
        raise DomainError(
            "legal_name_invalid",
            "The legal name contains characters that cannot be printed.",
            "legal_name",
        )
    if not isinstance(identity.date_of_birth, date):
        raise DomainError(
            "date_of_birth_invalid",
            "Enter the date of birth as a date (YYYY-MM-DD).",
            "date_of_birth",
        )
    if identity.date_of_birth > today:
        raise DomainError(
            "date_of_birth_in_future", "The date of birth cannot be in the future.", "date_of_birth"
        )
    if identity.date_of_birth < EARLIEST_BIRTH_DATE:
        raise DomainError(
            "date_of_birth_implausible",
            "The date of birth is before 1900; check it.",
            "date_of_birth",
        )
    if identity.sex not in Sex.values:
        raise DomainError("sex_invalid", f"Sex must be one of: {', '.join(Sex.values)}.", "sex")
    health_number = (identity.health_number or "").strip()
    if health_number and not _HEALTH_NUMBER.match(health_number):
        raise DomainError(
            "health_number_invalid",
            "A health number has at most 40 letters, digits, spaces, '.', '/' or '-'.",
            "health_number",
        )
    return IdentityInput(name, identity.date_of_birth, identity.sex, health_number)


@dataclass(frozen=True)
class CheckedPhoto:
    content: bytes
    content_type: str
    sha256: str


def check_photo(content: bytes) -> CheckedPhoto:
    """Accept only real JPEG, PNG or WebP images within the size limit, judged by their content."""
    from PIL import Image

    limit = settings.OPENHAT_PHOTO_MAX_BYTES
    if not content:
        raise DomainError("photo_empty", "The photo file is empty.", "photo")
    if len(content) > limit:
        raise DomainError(
            "photo_too_large",
            f"The photo is larger than {limit // 1024} KB; use a smaller picture.",
            "photo",
        )
    try:
        with Image.open(io.BytesIO(content)) as image:
            image_format = image.format or ""
            width, height = image.size
            image.verify()
    except Exception:  # Pillow raises many types for broken or hostile files
        raise DomainError(
            "photo_unreadable", "That file is not a readable JPEG, PNG or WebP image.", "photo"
        ) from None
    if image_format not in _PHOTO_FORMATS:
        raise DomainError(
            "photo_type_not_allowed", "Only JPEG, PNG or WebP photos are accepted.", "photo"
        )
    if width * height > _MAX_PHOTO_PIXELS:
        raise DomainError(
            "photo_too_many_pixels",
            "The photo has too many pixels; use a smaller picture.",
            "photo",
        )
    return CheckedPhoto(content, _PHOTO_FORMATS[image_format], hashlib.sha256(content).hexdigest())
