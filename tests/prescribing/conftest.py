"""Prescribing fixtures: an enrolled ZRH patient, a physician's current TOTP code, order inputs."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from openhat.clinics.roles import Role
from openhat.clinics.services import add_membership
from openhat.patients.lifecycle import PatientStatus
from openhat.patients.models import Patient
from openhat.prescribing.services import OrderInput
from tests.conftest import Personas, confirmed_totp, make_user


def totp_code(user: User) -> str:
    """The user's current code, usable again: tests sign several times within one 30 s step, and
    a wrong code earlier in a test must not throttle the next."""
    device = confirmed_totp(user)
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
    device.refresh_from_db()
    return str(
        TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    ).zfill(device.digits)


def enrol(patient: Patient) -> Patient:
    Patient.objects.filter(pk=patient.pk).update(status=PatientStatus.ENROLLED)
    patient.refresh_from_db()
    return patient


def dam(**changes: Any) -> OrderInput:
    values: dict[str, Any] = {
        "drug": "dam",
        "routes": ["iv"],
        "dose_min": Decimal(150),
        "dose_max": Decimal(200),
        "sessions_per_day": 2,
        "daily_max": Decimal(400),
        "ends_at": timezone.now() + timedelta(days=30),
        "reason": "maintenance after titration",
    }
    values.update(changes)
    return OrderInput(**values)


def methadone(daily: str = "120", **changes: Any) -> OrderInput:
    values: dict[str, Any] = {
        "drug": "methadone",
        "routes": ["oral"],
        "dose_min": Decimal(daily),
        "sessions_per_day": 1,
        "daily_max": Decimal(daily),
        "reason": "night cover",
    }
    values.update(changes)
    return OrderInput(**values)


@pytest.fixture
def physician(personas: Personas) -> User:
    return personas["physician"]


@pytest.fixture
def enrolled(patient: Patient) -> Patient:
    return enrol(patient)


@pytest.fixture
def out_physician(personas: Personas) -> User:
    user = make_user("physician_out")
    add_membership(actor=None, user=user, clinic=personas.other_clinic, role=Role.PHYSICIAN)
    return user
