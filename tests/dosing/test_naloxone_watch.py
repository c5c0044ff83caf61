"""After naloxone the observation runs longer, and after a serious adverse event a physician signs
off with their second factor (issue 12, item 2)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.core import clock
from openhat.core.errors import DomainError
from openhat.dosing.models import ObservationSignOff
from openhat.dosing.services.administer import administer
from openhat.dosing.services.adverse import record_adverse_event
from openhat.dosing.services.sessions import sign_off
from openhat.rules.protocol import load_protocol
from tests.conftest import PASSWORD
from tests.dosing.api_client import expect, expect_error, post
from tests.dosing.factories import decided
from tests.dosing.test_windows import at
from tests.prescribing.conftest import totp_code


def _dosed(personas: Any, station: Any) -> Any:
    with clock.backdated(at(personas, 8, 0)):
        session, decision = decided(personas, station.patient, dose_mg="15")
        return administer(
            actor=personas["nurse"],
            session_id=session.pk,
            decision_id=decision.pk,
            dose_mg="15",
            site="left_arm",
            lot_id=station.solution.pk,
            location_id=station.formulary.dosing_room.pk,
        )


def _event(personas: Any, given: Any, minutes: int, **changes: Any) -> Any:
    values: dict[str, Any] = {
        "kind": "overdose",
        "severity": "severe",
        "outcome": "recovered",
        "naloxone_given": True,
        "naloxone_dose_mg": "0.4",
        "naloxone_route": "im",
    }
    values.update(changes)
    with clock.backdated(given.administered_at + timedelta(minutes=minutes)):
        return record_adverse_event(
            actor=personas["nurse"],
            patient=given.patient,
            session_id=given.session_id,
            **values,
        )


def _sign_off(personas: Any, given: Any, minutes: int, **extra: Any) -> ObservationSignOff:
    with clock.backdated(given.administered_at + timedelta(minutes=minutes)):
        return sign_off(
            actor=personas["nurse"], session_id=given.session_id, sedation_score=1, **extra
        )


def test_the_preset_value_cites_its_sources():
    value = load_protocol("ch-diaphin").values["observation.after_naloxone_minutes"]
    assert value.value == 120 and set(value.sources) >= {"S46", "S47"}


def test_naloxone_extends_the_observation_and_a_nurse_cannot_sign_off_alone(personas, station):
    given = _dosed(personas, station)
    assert given.observe_until == given.administered_at + timedelta(minutes=20)
    event = _event(personas, given, 5)
    until = event.recorded_at + timedelta(minutes=120)

    with pytest.raises(DomainError) as early:
        _sign_off(personas, given, 21)
    assert early.value.code == "observation_not_over"
    assert f"{until.astimezone(personas.clinic.zone):%H:%M}" in early.value.message
    assert "naloxone" in early.value.message

    with pytest.raises(DomainError) as alone:
        _sign_off(personas, given, 126)
    assert alone.value.code == "physician_sign_off_required"

    physician = personas["physician"]
    with pytest.raises(DomainError) as wrong:
        _sign_off(personas, given, 126, physician=physician, totp_code="000000")
    assert wrong.value.code == "second_factor_invalid"
    assert not ObservationSignOff.objects.exists()

    signed = _sign_off(personas, given, 126, physician=physician, totp_code=totp_code(physician))
    assert signed.physician == physician and signed.second_factor_verified_at is not None
    audit = AuditEvent.objects.get(code=AuditCode.OBSERVATION_SIGNED_OFF)
    assert audit.data["physician"] == physician.get_username()


def test_a_serious_event_without_naloxone_needs_the_physician_not_a_longer_watch(personas, station):
    given = _dosed(personas, station)
    _event(
        personas,
        given,
        5,
        kind="seizure",
        naloxone_given=False,
        naloxone_dose_mg=None,
        naloxone_route=None,
    )
    with pytest.raises(DomainError) as alone:
        _sign_off(personas, given, 21)
    assert alone.value.code == "physician_sign_off_required"


def test_a_mild_event_leaves_the_nurse_to_sign_off(personas, station):
    given = _dosed(personas, station)
    _event(
        personas,
        given,
        5,
        kind="injection_site",
        severity="mild",
        naloxone_given=False,
        naloxone_dose_mg=None,
        naloxone_route=None,
    )
    assert _sign_off(personas, given, 21).physician is None


def test_over_the_api_and_on_the_page(personas, station, client_for):
    given = _dosed(personas, station)
    _event(personas, given, 5)
    nurse = client_for("nurse")
    sid = given.session_id
    with clock.backdated(given.administered_at + timedelta(minutes=30)):
        page = nurse.get(f"/dosing/sessions/{sid}/").content.decode()
        expect_error(
            post(nurse, f"sessions/{sid}/sign-off", {"sedation_score": 1}),
            400,
            "observation_not_over",
        )
    assert 'data-testid="naloxone-watch"' in page and "at least 120 min" in page
    assert 'data-testid="physician-sign-off"' in page
    with clock.backdated(given.administered_at + timedelta(minutes=126)):
        expect_error(
            post(nurse, f"sessions/{sid}/sign-off", {"sedation_score": 1}),
            400,
            "physician_sign_off_required",
        )
        body = {
            "sedation_score": 1,
            "physician_username": "physician_zrh",
            "physician_password": PASSWORD,
            "totp_code": totp_code(personas["physician"]),
        }
        signed = expect(post(nurse, f"sessions/{sid}/sign-off", body), 201)
    assert signed["physician"] == "physician_zrh" and signed["by"] == "nurse_zrh"
