"""A physician's override and adverse events through the JSON API: a cap lifted from the
physician's own device or at the nurse's station with a second factor, the dose given under it;
an adverse event with naloxone that the engine asks about at the next session until a physician
signs it off."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from openhat.core import clock
from openhat.dosing.models import Administration, SessionOverride
from tests.conftest import PASSWORD
from tests.dosing.api_client import (
    ASSESSMENT,
    SEDATED,
    decided_over_http,
    expect,
    expect_error,
    get,
    post,
    station_rows,
)
from tests.prescribing.conftest import totp_code

pytestmark = pytest.mark.django_db

REASON = "returning patient, tolerance documented at the previous clinic"


def _override(decision, code, **extra):
    return {
        "decision_id": decision["id"],
        "rule_ids": ["sedation_reduce"],
        "allowed_dose_mg": "15",
        "reason": REASON,
        "totp_code": code,
        **extra,
    }


def test_a_physician_lifts_a_reduction_and_the_nurse_gives_the_dose_allowed(
    personas, station, client_for
):
    nurse, physician = client_for("nurse"), client_for("physician")
    decision = decided_over_http(nurse, station.patient.pk, assessment=SEDATED)
    sid = decision["session_id"]
    detail = expect(get(nurse, f"sessions/{sid}"), 200)
    liftable = {f["rule_id"] for f in detail["liftable_findings"]}
    assert "sedation_reduce" in liftable and "titration_first_dose" not in liftable
    rows = station_rows()

    expect_error(
        post(nurse, f"sessions/{sid}/override", _override(decision, "123456")),
        403,
        "role_not_allowed",
    )
    expect_error(
        post(physician, f"sessions/{sid}/override", _override(decision, "000000")),
        400,
        "second_factor_invalid",
    )
    expect_error(
        post(
            physician,
            f"sessions/{sid}/override",
            {
                **_override(decision, totp_code(personas["physician"])),
                "rule_ids": ["daily_max"],
            },
        ),
        400,
        "not_overridable",
    )
    after = station_rows()
    after.pop("AuditEvent"), rows.pop("AuditEvent")  # refused second factors are audited
    assert after == rows

    lifted = expect(
        post(
            physician,
            f"sessions/{sid}/override",
            _override(decision, totp_code(personas["physician"])),
        ),
        201,
    )

    assert Decimal(decision["max_dose_mg"]) < Decimal("15")
    assert lifted["id"] != decision["id"] and Decimal(lifted["max_dose_mg"]) == Decimal("15")
    cap = next(f for f in lifted["findings"] if f["rule_id"] == "sedation_reduce")
    assert cap["overridden"] is True
    override = SessionOverride.objects.get(session_id=sid)
    assert override.via == "remote" and override.physician == personas["physician"]
    detail = expect(get(nurse, f"sessions/{sid}"), 200)
    assert detail["decision"]["id"] == lifted["id"]
    assert [row["id"] for row in detail["overrides"]] == [override.pk]
    body = {
        "decision_id": decision["id"],
        "dose_mg": "15",
        "site": "left_arm",
        "lot_id": station.solution.pk,
        "location_id": station.formulary.dosing_room.pk,
    }
    rows = station_rows()
    expect_error(post(nurse, f"sessions/{sid}/administration", body), 409, "stale_decision")
    assert station_rows() == rows

    given = expect(
        post(nurse, f"sessions/{sid}/administration", {**body, "decision_id": lifted["id"]}), 201
    )

    assert given["dose_mg"] == "15" and given["override_id"] == override.pk
    assert detail["overrides"][0]["allowed_dose_mg"] == "15"
    assert Administration.objects.get(pk=given["id"]).override == override


def test_a_physician_signs_in_at_the_station_to_override(personas, station, client_for):
    nurse = client_for("nurse")
    decision = decided_over_http(nurse, station.patient.pk, assessment=SEDATED)
    sid = decision["session_id"]
    code = totp_code(personas["physician"])
    rows = station_rows()

    for username, password, error in (
        ("physician_zrh", "wrong password", "physician_sign_in_failed"),
        ("physician_zrh", "", "physician_sign_in_incomplete"),
        ("pharmacist_zrh", PASSWORD, "physician_not_allowed"),
    ):
        expect_error(
            post(
                nurse,
                f"sessions/{sid}/override",
                _override(decision, code, physician_username=username, physician_password=password),
            ),
            400,
            error,
        )
    after = station_rows()
    after.pop("AuditEvent"), rows.pop("AuditEvent")  # failed sign-ins are audited
    assert after == rows

    lifted = expect(
        post(
            nurse,
            f"sessions/{sid}/override",
            _override(
                decision,
                totp_code(personas["physician"]),
                physician_username="physician_zrh",
                physician_password=PASSWORD,
            ),
        ),
        201,
    )

    override = SessionOverride.objects.get(session_id=sid)
    assert override.via == "station" and override.physician == personas["physician"]
    assert lifted["by"] == "physician_zrh"


def _serious_event(session_id, patient_id):
    return {
        "patient_id": patient_id,
        "session_id": session_id,
        "kind": "overdose",
        "severity": "severe",
        "outcome": "recovered",
        "onset_at": (timezone.now() - timedelta(minutes=5)).isoformat(),
        "description": "respiratory rate 6, unresponsive to voice",
        "naloxone_given": True,
        "naloxone_dose_mg": "0.4",
        "naloxone_route": "im",
        "oxygen_given": True,
        "ambulance_called": False,
    }


def test_an_adverse_event_is_reviewed_at_the_next_session_until_signed_off(
    personas, station, client_for
):
    nurse, physician = client_for("nurse"), client_for("physician")
    decision = decided_over_http(nurse, station.patient.pk)
    sid = decision["session_id"]
    expect(
        post(
            nurse,
            f"sessions/{sid}/administration",
            {
                "decision_id": decision["id"],
                "dose_mg": "15",
                "site": "left_arm",
                "lot_id": station.solution.pk,
                "location_id": station.formulary.dosing_room.pk,
            },
        ),
        201,
    )

    event = expect(post(nurse, "adverse-events", _serious_event(sid, station.patient.pk)), 201)

    assert event["naloxone_dose_mg"] == "0.4" and event["naloxone_route"] == "im"
    assert event["oxygen_given"] is True and event["sign_off"] is None
    assert event["session_id"] == sid and event["recorded_by"] == "nurse_zrh"
    detail = expect(get(nurse, f"sessions/{sid}"), 200)
    assert [row["id"] for row in detail["adverse_events"]] == [event["id"]]
    expect(post(nurse, f"sessions/{sid}/exceptions", {"kind": "left_early"}), 201)

    # The next session, once the interval after this dose has passed (check-in refuses it before).
    with clock.backdated(timezone.now() + timedelta(minutes=31)):
        later = expect(
            post(
                nurse,
                "sessions",
                {"patient_id": station.patient.pk, "identity_confirmed": True},
            ),
            201,
        )
        expect(post(nurse, f"sessions/{later['id']}/assessment", ASSESSMENT), 201)
        ask = {"drug": "dam", "route": "iv", "dose_mg": "15"}
        before = expect(post(nurse, f"sessions/{later['id']}/decision", ask), 201)
    assert "adverse_event_review" in {f["rule_id"] for f in before["findings"]}

    expect_error(
        post(nurse, f"adverse-events/{event['id']}/sign-off", {"note": "seen"}),
        403,
        "role_not_allowed",
    )
    expect_error(
        post(physician, f"adverse-events/{event['id']}/sign-off", {"note": "  "}),
        400,
        "sign_off_note_required",
    )
    signed = expect(
        post(
            physician,
            f"adverse-events/{event['id']}/sign-off",
            {"note": "reviewed; reduce next dose, observe 30 min"},
        ),
        201,
    )
    assert signed["event_id"] == event["id"] and signed["physician"] == "physician_zrh"
    expect_error(
        post(physician, f"adverse-events/{event['id']}/sign-off", {"note": "again"}),
        409,
        "already_signed_off",
    )

    with clock.backdated(timezone.now() + timedelta(minutes=32)):
        after = expect(post(nurse, f"sessions/{later['id']}/decision", ask), 201)
    assert "adverse_event_review" not in {f["rule_id"] for f in after["findings"]}
    signed_event = expect(get(nurse, f"sessions/{sid}"), 200)["adverse_events"][0]
    assert signed_event["sign_off"]["id"] == signed["id"]


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"naloxone_dose_mg": None}, 400, "naloxone_dose_required"),
        ({"naloxone_route": None}, 400, "naloxone_route_required"),
        ({"naloxone_given": False}, 400, "naloxone_not_given"),
        ({"kind": "fainted"}, 422, "invalid_input"),
        ({"onset_at": "2026-01-01T10:00:00"}, 422, "invalid_input"),
        ({"session_id": 999999}, 404, "session_not_found"),
        ({"patient_id": 999999}, 404, "patient_not_found"),
    ],
)
def test_a_bad_adverse_event_records_nothing(personas, station, client_for, change, status, code):
    nurse = client_for("nurse")
    sid = decided_over_http(nurse, station.patient.pk)["session_id"]
    rows = station_rows()

    expect_error(
        post(nurse, "adverse-events", {**_serious_event(sid, station.patient.pk), **change}),
        status,
        code,
    )

    assert station_rows() == rows
