"""A physician's out-of-window session sent several times at once with one Idempotency-Key (a
tablet retrying on a lost connection): real concurrent transactions on PostgreSQL. Every attempt
answers with the one session the first wrote; nothing is written twice."""

from __future__ import annotations

from typing import Any

import pytest

from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.core import clock
from openhat.dosing.models import DosingSession
from openhat.dosing.services import out_of_window
from openhat.dosing.services.out_of_window import open_out_of_window
from tests.audit.concurrent import run_together
from tests.dosing.second_factor_race import retry_during_first
from tests.dosing.test_windows import at
from tests.prescribing.conftest import totp_code

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]

ATTEMPTS = 6
KEY = "tablet-2-out-of-window-0001"


def test_retries_at_once_open_one_session(personas: Any, usual_windows: Any, station: Any) -> None:
    moment = at(personas, 22, 59)  # every window closed
    code = totp_code(personas["physician"])

    def attempt(_: int) -> int:
        with clock.backdated(moment):  # a thread does not inherit the test's clock
            return open_out_of_window(
                actor=personas["nurse"],
                physician=personas["physician"],
                patient=station.patient,
                window="evening",
                reason="Works a night shift tonight; evening dose given late, reviewed.",
                totp_code=code,
                identity_confirmed=True,
                idempotency_key=KEY,
            ).pk

    answers, errors = run_together(ATTEMPTS, attempt)

    assert errors == []
    assert len(answers) == ATTEMPTS and len(set(answers)) == 1
    assert DosingSession.objects.count() == 1
    assert AuditEvent.objects.filter(code=AuditCode.SESSION_OPENED_OUT_OF_WINDOW).count() == 1


def test_a_retry_sent_while_the_first_is_between_its_code_and_its_session_waits_for_it(
    personas: Any, usual_windows: Any, station: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first attempt has had its code accepted (and so used) but not yet opened its session
    when the retry arrives with the same key and code: the retry waits for the first and answers
    with its session, instead of being refused for presenting a used code."""
    moment = at(personas, 22, 59)  # every window closed
    code = totp_code(personas["physician"])

    def attempt(_: int) -> int:
        with clock.backdated(moment):
            return out_of_window.open_out_of_window(
                actor=personas["nurse"],
                physician=personas["physician"],
                patient=station.patient,
                window="evening",
                reason="Works a night shift tonight; evening dose given late, reviewed.",
                totp_code=code,
                identity_confirmed=True,
                idempotency_key=KEY,
            ).pk

    answers, errors = retry_during_first(monkeypatch, out_of_window, attempt)

    assert errors == []
    assert len(answers) == 2 and len(set(answers)) == 1
    assert DosingSession.objects.count() == 1
