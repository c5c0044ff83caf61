"""An order signed again while the first attempt is between the physician's code and the stored
order (a double click, a resend on a slow connection): real concurrent transactions on
PostgreSQL. The retry waits for the first and answers with the version it signed; one order
line is written, and the retry's used code is never presented again."""

from __future__ import annotations

from typing import Any

import pytest

from openhat.patients.models import Patient
from openhat.prescribing.models import OrderLine
from openhat.prescribing.services import signing
from tests.dosing.second_factor_race import retry_during_first
from tests.prescribing.conftest import dam, enrol, totp_code

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]


def test_an_order_signed_again_during_the_first_answers_with_its_version(
    personas: Any, patient: Patient, monkeypatch: pytest.MonkeyPatch
) -> None:
    enrolled = enrol(patient)
    physician = personas["physician"]
    code = totp_code(physician)

    def attempt(_: int) -> int:
        return signing.sign_order(
            actor=physician,
            patient=Patient.objects.get(pk=enrolled.pk),
            order=dam(),
            totp_code=code,
            idempotency_key="sign-race-0001",
        ).pk

    answers, errors = retry_during_first(monkeypatch, signing, attempt)

    assert errors == []
    assert len(answers) == 2 and len(set(answers)) == 1
    assert OrderLine.objects.filter(patient=enrolled).count() == 1
