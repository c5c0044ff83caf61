"""An override retried while the first attempt is between the physician's code and the stored
override (a tablet resending on a slow connection): real concurrent transactions on PostgreSQL.
The retry waits for the first and answers with its decision; one override is stored."""

from __future__ import annotations

from typing import Any

import pytest

from openhat.dosing.models import SessionOverride
from openhat.dosing.services import overrides
from tests.dosing.factories import decided
from tests.dosing.second_factor_race import retry_during_first
from tests.prescribing.conftest import totp_code

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]


def test_an_override_retried_during_the_first_answers_with_its_decision(
    personas: Any, station: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    session, decision = decided(personas, station.patient, sedation_score=4)
    assert decision.verdict == "hold"
    physician = personas["physician"]
    code = totp_code(physician)

    def attempt(_: int) -> int:
        return overrides.override_session(
            actor=physician,
            session_id=session.pk,
            decision_id=decision.pk,
            rule_ids=["sedation_hold"],
            reason="Known to score 4 when tired; alert and talking, reviewed at the station.",
            totp_code=code,
            allowed_dose_mg="15",
            idempotency_key="override-race-0001",
        ).pk

    answers, errors = retry_during_first(monkeypatch, overrides, attempt)

    assert errors == []
    assert len(answers) == 2 and len(set(answers)) == 1
    assert SessionOverride.objects.count() == 1
