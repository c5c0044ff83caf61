"""A physician's sign-off after a serious adverse event, sent again while the first attempt is
between the physician's code and the stored sign-off (a resend on a slow connection): real
concurrent transactions on PostgreSQL. The retry waits for the first and answers with its
sign-off; one sign-off is stored, and the used code is never presented again."""

from __future__ import annotations

import importlib
from datetime import timedelta
from typing import Any

import pytest

from openhat.core import clock
from openhat.dosing.models import ObservationSignOff
from tests.dosing.second_factor_race import retry_during_first
from tests.dosing.test_naloxone_watch import _dosed, _event
from tests.prescribing.conftest import totp_code

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]

SIGN_OFF = importlib.import_module("openhat.dosing.services.sign_off")


def test_a_sign_off_sent_again_during_the_first_answers_with_it(
    personas: Any, station: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    given = _dosed(personas, station)
    _event(personas, given, 5)  # an overdose treated with naloxone: a physician must sign off
    physician = personas["physician"]
    code = totp_code(physician)
    moment = given.administered_at + timedelta(minutes=126)

    def attempt(_: int) -> int:
        with clock.backdated(moment):  # each thread has its own context
            return SIGN_OFF.sign_off(
                actor=personas["nurse"],
                session_id=given.session_id,
                sedation_score=1,
                physician=physician,
                totp_code=code,
                idempotency_key="sign-off-race-0001",
            ).pk

    answers, errors = retry_during_first(monkeypatch, SIGN_OFF, attempt)

    assert errors == []
    assert len(answers) == 2 and len(set(answers)) == 1
    assert ObservationSignOff.objects.filter(session_id=given.session_id).count() == 1
