"""The dosing part of the role-matrix world is what its placeholders say it is."""

from __future__ import annotations

from openhat.dosing.models import AdverseEvent, DosingSession, SessionState
from openhat.dosing.services.steps import latest_decision
from openhat.patients.services import clinic_today
from tests.dosing.world import build_dosing, session_state
from tests.pharmacy.world import build_pharmacy


def test_the_dosing_world_holds_what_its_placeholders_name(personas):
    world = build_dosing(personas, build_pharmacy(personas))

    session = DosingSession.objects.get(pk=world.session_id)
    assert session.patient_id == world.patient_id and session.state == SessionState.DECIDED
    assert latest_decision(session).pk == world.decision_id
    assert session_state(world.observing_session_id) == SessionState.OBSERVING
    event = AdverseEvent.objects.get(pk=world.adverse_event_id)
    assert event.patient_id == world.observing_patient_id and not hasattr(event, "sign_off")
    assert not DosingSession.objects.filter(patient_id=world.due_patient_id).exists()
    assert world.day == clinic_today(personas.clinic).isoformat()
    assert set(world.placeholders()) >= {"{dosing_patient_id}", "{dosing_day}"}
