"""The dosing station through the JSON API on PostgreSQL: a whole session step by step, the board
and the session as a client reads them, a partial dose with a witness, idempotent retries, a
bearer-token client, and records of other clinics staying out of reach."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from openhat.clinics.roles import Role
from openhat.clinics.services import add_membership, create_api_token
from openhat.core import clock
from openhat.dosing.models import Administration, DosingSession, SessionState
from openhat.dosing.services.sessions import check_in
from openhat.pharmacy.models import EntryKind, LedgerEntry
from openhat.prescribing.services import sign_order
from tests.conftest import make_user, register_zrh_patient
from tests.dosing.api_client import (
    ASSESSMENT,
    WITNESS,
    board_row,
    check_in_body,
    decided_over_http,
    expect,
    expect_error,
    get,
    post,
    prepared_over_http,
    station_rows,
)
from tests.prescribing.conftest import dam, enrol, totp_code

pytestmark = pytest.mark.django_db


def next_morning(personas: Any) -> datetime:
    """The next 08:00 at the clinic: inside the morning window, at most a day ahead, with the
    order (signed now) in force and the station's solution (48 hours in use, tests/dosing/
    conftest.py) not expired, whatever the time the test runs."""
    now = timezone.localtime(timezone.now(), personas.clinic.zone)
    today = now.replace(hour=8, minute=0, second=0, microsecond=0)
    return today if today > now else today + timedelta(days=1)


def test_a_whole_session_through_http(personas, station, client_for):
    with clock.backdated(next_morning(personas)):
        _a_whole_session(personas, station, client_for)


def _a_whole_session(personas: Any, station: Any, client_for: Any) -> None:
    nurse = client_for("nurse")
    patient = station.patient
    room = station.formulary.dosing_room.pk
    row = board_row(nurse, patient.pk)
    assert row["state"] == "due" and row["session_id"] is None and row["doses_today"] == []
    assert [order["drug"] for order in row["orders"]] == ["dam"]

    session = expect(post(nurse, "sessions", check_in_body(patient.pk)), 201)
    assert session["state"] == "checked_in" and session["client_code"] == patient.client_code
    assert session["checked_in_by"] == "nurse_zrh" and session["window"] == "morning"
    row = board_row(nurse, patient.pk)
    assert row["state"] == "checked_in" and row["session_id"] == session["id"]
    assert row["session_state"] == "checked_in"
    sid = session["id"]

    assessment = expect(
        post(
            nurse,
            f"sessions/{sid}/assessment",
            {"sedation_score": 1, "breath_alcohol_mg_per_l": "0.00", "signs": ["calm"]},
        ),
        201,
    )
    assert assessment["kind"] == "pre_dose" and assessment["signs"] == ["calm"]

    decision = expect(
        post(nurse, f"sessions/{sid}/decision", {"drug": "dam", "route": "iv", "dose_mg": "200"}),
        201,
    )
    # A first dose: the label's 15 mg, with the finding that says so and its source.
    assert decision["verdict"] == "dose_reduced" and decision["max_dose_mg"] == "15"
    first = next(f for f in decision["findings"] if f["rule_id"] == "titration_first_dose")
    assert first["message"] and first["sources"]
    # The CH preset does not mark the first-dose cap liftable: no override lifts it.
    assert first["overridable"] is False
    assert decision["engine_version"] and len(decision["preset_hash"]) == 64

    prepared = expect(
        post(
            nurse,
            f"sessions/{sid}/preparation",
            {
                "decision_id": decision["id"],
                "dose_mg": "15",
                "lot_id": station.solution.pk,
                "location_id": room,
            },
        ),
        201,
    )
    assert prepared["dose_mg"] == "15" and prepared["volume_ml"] == "0.15"
    issued = LedgerEntry.objects.get(pk=prepared["ledger_entry_id"])
    assert issued.kind == EntryKind.DOSE_ISSUED and issued.quantity_mg == Decimal("-15")

    detail = expect(get(nurse, f"sessions/{sid}"), 200)
    assert detail["state"] == "prepared" and detail["preparation"]["id"] == prepared["id"]
    assert detail["decision"]["id"] == decision["id"] and "left_arm" in detail["sites"]
    assert [row["id"] for row in detail["assessments"]] == [assessment["id"]]

    given = expect(
        post(
            nurse,
            f"sessions/{sid}/administration",
            {
                "decision_id": decision["id"],
                "dose_mg": "15",
                "site": "left_arm",
                "preparation_id": prepared["id"],
            },
        ),
        201,
    )
    assert given["dose_mg"] == "15" and given["ledger_entry_id"] == issued.pk
    assert given["remainder_mg"] == "0" and given["nurse"] == "nurse_zrh"
    observe_until = parse_datetime(given["observe_until"])
    assert observe_until is not None
    row = board_row(nurse, patient.pk)
    assert row["state"] == "observing" and row["observation_over"] is False
    assert row["doses_today"] == [{"drug": "dam", "doses": 1, "mg": "15"}]
    assert row["next_due"]["kind"] == "after_observation"
    assert parse_datetime(row["observe_until"]) == observe_until

    expect_error(
        post(nurse, f"sessions/{sid}/sign-off", {"sedation_score": 1}), 400, "observation_not_over"
    )
    with clock.backdated(observe_until + timedelta(seconds=1)):
        signed = expect(
            post(nurse, f"sessions/{sid}/sign-off", {"sedation_score": 1, "notes": "alert"}), 201
        )
    assert signed["sedation_score"] == 1 and signed["notes"] == "alert"

    detail = expect(get(nurse, f"sessions/{sid}"), 200)
    assert detail["state"] == "completed" and detail["preparation"] is None
    assert detail["administration"]["id"] == given["id"]
    assert detail["sign_off"]["id"] == signed["id"] and detail["liftable_findings"] == []
    row = board_row(nurse, patient.pk)
    assert row["state"] == "done" and row["session_state"] == "completed"


def test_a_partial_dose_books_the_rest_with_a_witness(personas, station, client_for):
    nurse = client_for("nurse")
    prepared = prepared_over_http(nurse, station)
    sid = prepared["session_id"]
    body = {
        "decision_id": prepared["decision_id"],
        "dose_mg": "10",
        "site": "right_arm",
        "preparation_id": prepared["id"],
    }
    before = station_rows()

    expect_error(
        post(nurse, f"sessions/{sid}/administration", body), 400, "remainder_handling_required"
    )
    expect_error(
        post(nurse, f"sessions/{sid}/administration", {**body, "remainder": "waste"}),
        400,
        "witness_required",
    )
    assert station_rows() == before
    wrong = {**WITNESS, "witness_password": "not the password"}
    expect_error(
        post(nurse, f"sessions/{sid}/administration", {**body, "remainder": "waste", **wrong}),
        400,
        "witness_sign_in_failed",
    )
    # The failed sign-in is audited (a security event); nothing else is written.
    after = station_rows()
    assert after.pop("AuditEvent") == before.pop("AuditEvent") + 1 and after == before

    given = expect(
        post(
            nurse,
            f"sessions/{sid}/administration",
            {
                **body,
                "remainder": "waste",
                "remainder_reason": "stopped: vein collapsed",
                **WITNESS,
            },
        ),
        201,
    )

    assert given["dose_mg"] == "10" and given["remainder_mg"] == "5"
    assert given["remainder"] == "waste" and given["remainder_witness"] == "pharmacy_technician_zrh"
    waste = LedgerEntry.objects.get(pk=given["remainder_entry_id"])
    assert waste.kind == EntryKind.WASTE and waste.witness == personas["pharmacy_technician"]
    issued = LedgerEntry.objects.get(pk=prepared["ledger_entry_id"])
    # Invariant 4: every mg issued is given or wasted, witnessed.
    assert -issued.quantity_mg == Decimal(given["dose_mg"]) + Decimal(given["remainder_mg"])


def test_a_partial_dose_may_return_the_rest_to_stock(personas, station, client_for):
    nurse = client_for("nurse")
    prepared = prepared_over_http(nurse, station)

    given = expect(
        post(
            nurse,
            f"sessions/{prepared['session_id']}/administration",
            {
                "decision_id": prepared["decision_id"],
                "dose_mg": "12.5",
                "site": "left_hand",
                "preparation_id": prepared["id"],
                "remainder": "return",
                **WITNESS,
            },
        ),
        201,
    )

    assert given["remainder"] == "return" and given["remainder_mg"] == "2.5"
    returned = LedgerEntry.objects.get(pk=given["remainder_entry_id"])
    assert returned.kind == EntryKind.DOSE_RETURNED and returned.quantity_mg == Decimal("2.5")


def test_a_retry_with_the_same_key_gets_the_first_answer(personas, station, client_for):
    nurse = client_for("nurse")
    first = post(nurse, "sessions", check_in_body(station.patient.pk), key="tablet-7-checkin-1")
    again = post(nurse, "sessions", check_in_body(station.patient.pk), key="tablet-7-checkin-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    sid = first.json()["id"]
    expect(post(nurse, f"sessions/{sid}/assessment", ASSESSMENT), 201)
    decision = expect(post(nurse, f"sessions/{sid}/decision", {"drug": "dam", "route": "iv"}), 201)
    body = {
        "decision_id": decision["id"],
        "dose_mg": decision["max_dose_mg"],
        "site": "left_arm",
        "lot_id": station.solution.pk,
        "location_id": station.formulary.dosing_room.pk,
    }

    given = expect(post(nurse, f"sessions/{sid}/administration", body, key="tablet-7-dose-1"), 201)
    rows = station_rows()
    retried = expect(
        post(nurse, f"sessions/{sid}/administration", body, key="tablet-7-dose-1"), 201
    )

    assert retried == given and station_rows() == rows
    expect_error(
        post(nurse, f"sessions/{sid}/sign-off", {"sedation_score": 1}, key="tablet-7-dose-1"),
        409,
        "idempotency_key_reused",
    )
    expect_error(post(nurse, f"sessions/{sid}/administration", body), 409, "already_administered")
    assert station_rows() == rows


def test_a_bearer_token_client_runs_a_step_and_reads(personas, station):
    _, secret = create_api_token(actor=personas["nurse"], name="dosing tablet 1")
    tablet = Client(headers={"Authorization": f"Bearer {secret}"})
    with clock.backdated(next_morning(personas)):
        session = expect(
            post(tablet, "sessions", check_in_body(station.patient.pk, "morning")), 201
        )

    detail = expect(get(tablet, f"sessions/{session['id']}"), 200)

    assert detail["state"] == "checked_in" and detail["window"] == "morning"
    assert detail["decision"] is None and detail["administration"] is None


def test_a_counsellor_reads_a_researcher_does_not(personas, station, client_for):
    session = check_in(actor=personas["nurse"], patient=station.patient, identity_confirmed=True)

    expect(get(client_for("counsellor"), f"sessions/{session.pk}"), 200)
    expect_error(get(client_for("researcher"), f"sessions/{session.pk}"), 403, "role_not_allowed")
    expect_error(
        post(client_for("counsellor"), f"sessions/{session.pk}/assessment", ASSESSMENT),
        403,
        "role_not_allowed",
    )


def test_another_clinics_session_is_not_found(personas, station, other_patient, client_for):
    out_nurse = make_user("nurse_out")
    add_membership(actor=None, user=out_nurse, clinic=personas.other_clinic, role=Role.NURSE)
    theirs = check_in(actor=out_nurse, patient=enrol(other_patient), identity_confirmed=True)
    nurse = client_for("nurse")
    rows = station_rows()

    expect_error(get(nurse, f"sessions/{theirs.pk}"), 404, "session_not_found")
    expect_error(
        post(nurse, f"sessions/{theirs.pk}/assessment", ASSESSMENT), 404, "session_not_found"
    )
    expect_error(post(nurse, "sessions", check_in_body(other_patient.pk)), 404, "patient_not_found")
    expect_error(get(nurse, f"sessions/{theirs.pk}", clinic="OUT"), 404, "clinic_not_found")
    assert station_rows() == rows
    assert DosingSession.objects.get(pk=theirs.pk).state == SessionState.CHECKED_IN
    assert not Administration.objects.exists()


def test_a_key_reused_for_another_session_is_refused_not_answered_with_the_first(
    personas, station, client_for
):
    """A tablet that sends the same key for two patients' doses must not be told the second dose
    was recorded when only the first was: the key belongs to the first request."""
    nurse = client_for("nurse")
    first = decided_over_http(nurse, station.patient.pk)
    body = {
        "decision_id": first["id"],
        "dose_mg": "15",
        "site": "left_arm",
        "lot_id": station.solution.pk,
        "location_id": station.formulary.dosing_room.pk,
    }
    sid = first["session_id"]
    expect(post(nurse, f"sessions/{sid}/administration", body, key="tablet-1-dose-0001"), 201)
    expect(post(nurse, f"sessions/{sid}/exceptions", {"kind": "left_early"}), 201)
    other = enrol(register_zrh_patient(personas))
    sign_order(
        actor=personas["physician"],
        patient=other,
        order=dam(phase="maintenance"),
        totp_code=totp_code(personas["physician"]),
    )
    second = decided_over_http(nurse, other.pk)
    rows = station_rows()

    expect_error(
        post(
            nurse,
            f"sessions/{second['session_id']}/administration",
            {**body, "decision_id": second["id"]},
            key="tablet-1-dose-0001",
        ),
        409,
        "idempotency_key_reused",
    )
    assert station_rows() == rows
    given = expect(
        post(
            nurse,
            f"sessions/{second['session_id']}/administration",
            {**body, "decision_id": second["id"]},
            key="tablet-1-dose-0002",
        ),
        201,
    )
    assert given["session_id"] == second["session_id"]
