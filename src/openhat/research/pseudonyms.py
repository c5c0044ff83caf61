"""Keyed pseudonyms and date shifts (HMAC-SHA-256 with the study's secret; RFC 2104).

A patient's pseudonym is the HMAC of the patient's internal id: the same in every export of one
study (while its secret is unchanged) and unlinkable between studies, whose secrets differ. The
date shift is drawn from another HMAC of the same id, so it too is stable within a study and
unknown without the secret. Pure functions: no database.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, timedelta

# The shift range: up to half a year either way (local: long enough that the calendar date says
# nothing about the season or a known event, short enough that ages and eras stay about right).
MAX_SHIFT_DAYS = 180
PSEUDONYM_HEX_DIGITS = 20  # 80 bits: no collision within any clinic's patients


def _mac(secret: bytes, purpose: bytes, patient_id: int) -> bytes:
    return hmac.new(secret, purpose + b"\x00" + str(patient_id).encode(), hashlib.sha256).digest()


def pseudonym(secret: bytes, patient_id: int) -> str:
    return "p" + _mac(secret, b"pseudonym", patient_id).hex()[:PSEUDONYM_HEX_DIGITS]


def date_shift_days(secret: bytes, patient_id: int) -> int:
    """A keyed whole number of days in -MAX_SHIFT_DAYS..+MAX_SHIFT_DAYS."""
    number = int.from_bytes(_mac(secret, b"date shift", patient_id)[:8], "big")
    return number % (2 * MAX_SHIFT_DAYS + 1) - MAX_SHIFT_DAYS


def shifted(day: date | None, shift_days: int) -> date | None:
    return None if day is None else day + timedelta(days=shift_days)


def days_since(day: date | None, anchor: date | None) -> int | None:
    if day is None or anchor is None:
        return None
    return (day - anchor).days
