"""An idempotency key answers only for the session (or patient, or event) it was first used for.

A tablet that reuses a key for another session must be told so (409), never handed the first
session's record as if it were the answer for the second.
"""

from __future__ import annotations

import pytest

from openhat.core.errors import Conflict
from openhat.dosing.models import AdverseEvent, SessionAssessment
from openhat.dosing.services.adverse import record_adverse_event
from openhat.dosing.services.exceptions import end_without_dose
from openhat.dosing.services.sessions import assess, check_in
from tests.conftest import register_zrh_patient

pytestmark = pytest.mark.django_db

KEY = "tablet-7-step-0001"


def _assess(personas, session_id):
    return assess(
        actor=personas["nurse"],
        session_id=session_id,
        sedation_score=1,
        breath_alcohol_mg_per_l="0",
        idempotency_key=KEY,
    )


def test_a_key_used_for_one_session_is_refused_for_the_next(personas, station):
    nurse = personas["nurse"]
    first = check_in(actor=nurse, patient=station.patient, identity_confirmed=True)
    assessed = _assess(personas, first.pk)
    assert _assess(personas, first.pk).pk == assessed.pk  # a retry: the same row
    end_without_dose(actor=nurse, session_id=first.pk, kind="refused")
    second = check_in(actor=nurse, patient=station.patient, identity_confirmed=True)
    before = SessionAssessment.objects.count()
    with pytest.raises(Conflict) as refusal:
        _assess(personas, second.pk)
    assert refusal.value.code == "idempotency_key_reused"
    assert SessionAssessment.objects.count() == before


def test_a_key_used_for_one_patients_event_is_refused_for_another(personas, station):
    other = register_zrh_patient(personas)

    def record(patient):
        return record_adverse_event(
            actor=personas["nurse"],
            patient=patient,
            kind="injection_site",
            severity="mild",
            outcome="recovered",
            idempotency_key=KEY,
        )

    event = record(station.patient)
    assert record(station.patient).pk == event.pk
    with pytest.raises(Conflict) as refusal:
        record(other)
    assert refusal.value.code == "idempotency_key_reused"
    assert AdverseEvent.objects.filter(patient=other).count() == 0


@pytest.mark.parametrize("asked", ["9" * 40, "0", "-5", "NaN", "1e400"])
def test_a_decision_asked_for_an_impossible_dose_is_a_clear_refusal(personas, station, asked):
    from openhat.core.errors import DomainError
    from openhat.dosing.models import SessionDecision
    from openhat.dosing.services.sessions import decide_session
    from tests.dosing.factories import open_session

    session = open_session(personas, station.patient)
    before = SessionDecision.objects.count()
    with pytest.raises(DomainError) as refusal:
        decide_session(
            actor=personas["nurse"], session_id=session.pk, drug="dam", route="iv", dose_mg=asked
        )
    assert refusal.value.field == "dose_mg"
    assert SessionDecision.objects.count() == before
