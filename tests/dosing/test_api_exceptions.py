"""Sessions that do not go to plan, through the JSON API: refused, held, left before the dose (a
drawn dose wasted, witnessed), spilled (witnessed waste, then a new draw), left before
observation ended, vomited an oral dose."""

from __future__ import annotations

from decimal import Decimal

import pytest

from openhat.dosing.models import SessionState
from openhat.pharmacy.models import EntryKind, LedgerEntry
from tests.dosing.api_client import (
    WITNESS,
    decided_over_http,
    expect,
    expect_error,
    get,
    post,
    prepared_over_http,
    station_rows,
)
from tests.dosing.factories import oral_methadone

pytestmark = pytest.mark.django_db


def given_over_http(nurse, station, dose_mg="15"):
    decision = decided_over_http(nurse, station.patient.pk)
    body = {
        "decision_id": decision["id"],
        "dose_mg": dose_mg,
        "site": "left_arm",
        "lot_id": station.solution.pk,
        "location_id": station.formulary.dosing_room.pk,
    }
    return expect(post(nurse, f"sessions/{decision['session_id']}/administration", body), 201)


@pytest.mark.parametrize(
    ("kind", "notes", "reason"),
    [
        ("refused", "", "Patient refused the dose"),
        ("held", "pinpoint pupils, slurred speech", "Dose held"),
        ("left_before_dose", "", "Left before the dose"),
    ],
)
def test_a_session_ends_without_a_dose(personas, station, client_for, kind, notes, reason):
    nurse = client_for("nurse")
    sid = decided_over_http(nurse, station.patient.pk)["session_id"]
    entries = LedgerEntry.objects.count()

    row = expect(post(nurse, f"sessions/{sid}/exceptions", {"kind": kind, "notes": notes}), 201)

    assert row["kind"] == kind and row["notes"] == notes and row["by"] == "nurse_zrh"
    assert row["waste_entry_id"] is None and row["witness"] is None
    detail = expect(get(nurse, f"sessions/{sid}"), 200)
    assert detail["state"] == "no_dose" and detail["end_reason"] == reason
    assert [item["id"] for item in detail["exceptions"]] == [row["id"]]
    assert LedgerEntry.objects.count() == entries


def test_a_hold_needs_its_reason(personas, station, client_for):
    nurse = client_for("nurse")
    sid = decided_over_http(nurse, station.patient.pk)["session_id"]
    rows = station_rows()

    expect_error(post(nurse, f"sessions/{sid}/exceptions", {"kind": "held"}), 400, "notes_required")
    expect_error(post(nurse, f"sessions/{sid}/exceptions", {"kind": "lost"}), 422, "invalid_input")

    assert station_rows() == rows


def test_leaving_after_the_draw_wastes_the_dose_with_a_witness(personas, station, client_for):
    nurse = client_for("nurse")
    prepared = prepared_over_http(nurse, station)
    sid = prepared["session_id"]
    rows = station_rows()

    expect_error(
        post(nurse, f"sessions/{sid}/exceptions", {"kind": "left_before_dose"}),
        400,
        "witness_required",
    )
    assert station_rows() == rows

    row = expect(
        post(nurse, f"sessions/{sid}/exceptions", {"kind": "left_before_dose", **WITNESS}), 201
    )

    waste = LedgerEntry.objects.get(pk=row["waste_entry_id"])
    assert waste.kind == EntryKind.WASTE and waste.witness == personas["pharmacy_technician"]
    assert row["witness"] == "pharmacy_technician_zrh"
    issued = LedgerEntry.objects.get(pk=prepared["ledger_entry_id"])
    assert -issued.quantity_mg == Decimal("15") == -waste.quantity_mg
    assert expect(get(nurse, f"sessions/{sid}"), 200)["state"] == "no_dose"


def test_a_spilled_dose_is_wasted_and_drawn_again(personas, station, client_for):
    nurse = client_for("nurse")
    prepared = prepared_over_http(nurse, station)
    sid = prepared["session_id"]

    spill = expect(
        post(
            nurse,
            f"sessions/{sid}/exceptions",
            {"kind": "spilled", "notes": "syringe dropped", **WITNESS},
        ),
        201,
    )

    assert spill["preparation_id"] == prepared["id"] and spill["waste_entry_id"]
    detail = expect(get(nurse, f"sessions/{sid}"), 200)
    assert detail["state"] == "decided" and detail["preparation"] is None
    expect_error(
        post(nurse, f"sessions/{sid}/exceptions", {"kind": "spilled", **WITNESS}),
        409,
        "nothing_drawn",
    )
    again = expect(
        post(
            nurse,
            f"sessions/{sid}/preparation",
            {
                "decision_id": prepared["decision_id"],
                "dose_mg": "15",
                "lot_id": station.solution.pk,
                "location_id": station.formulary.dosing_room.pk,
            },
        ),
        201,
    )
    assert again["id"] != prepared["id"]
    assert expect(get(nurse, f"sessions/{sid}"), 200)["preparation"]["id"] == again["id"]


def test_leaving_before_observation_ends_closes_it(personas, station, client_for):
    nurse = client_for("nurse")
    given = given_over_http(nurse, station)
    sid = given["session_id"]

    row = expect(
        post(nurse, f"sessions/{sid}/exceptions", {"kind": "left_early", "notes": "walked out"}),
        201,
    )

    assert row["kind"] == "left_early"
    detail = expect(get(nurse, f"sessions/{sid}"), 200)
    assert detail["state"] == SessionState.COMPLETED
    assert detail["end_reason"] == "Left before observation ended"
    expect_error(
        post(nurse, f"sessions/{sid}/exceptions", {"kind": "left_early"}), 409, "not_in_observation"
    )


def test_vomiting_is_recorded_against_an_oral_dose_only(personas, station, client_for):
    nurse = client_for("nurse")
    given = given_over_http(nurse, station)
    rows = station_rows()
    expect_error(
        post(nurse, f"sessions/{given['session_id']}/exceptions", {"kind": "vomited"}),
        400,
        "not_an_oral_dose",
    )
    assert station_rows() == rows
    expect(post(nurse, f"sessions/{given['session_id']}/exceptions", {"kind": "left_early"}), 201)

    methadone = oral_methadone(personas, station)
    session = expect(
        post(
            nurse,
            "sessions",
            {"patient_id": station.patient.pk, "identity_confirmed": True},
        ),
        201,
    )
    sid = session["id"]
    expect(post(nurse, f"sessions/{sid}/assessment", {"sedation_score": 1}), 201)
    decision = expect(
        post(nurse, f"sessions/{sid}/decision", {"drug": "methadone", "route": "oral"}), 201
    )
    assert decision["verdict"] == "dose", decision["findings"]
    assert expect(get(nurse, f"sessions/{sid}"), 200)["sites"] == []
    oral = expect(
        post(
            nurse,
            f"sessions/{sid}/administration",
            {
                "decision_id": decision["id"],
                "dose_mg": decision["max_dose_mg"],
                "lot_id": methadone.pk,
                "location_id": station.formulary.dosing_room.pk,
            },
        ),
        201,
    )
    assert (oral["drug"], oral["route"], oral["site"]) == ("methadone", "oral", "")

    row = expect(
        post(nurse, f"sessions/{sid}/exceptions", {"kind": "vomited", "notes": "at 10 min"}), 201
    )

    assert row["kind"] == "vomited"
    assert expect(get(nurse, f"sessions/{sid}"), 200)["state"] == "observing"
    expect_error(
        post(nurse, f"sessions/{sid}/exceptions", {"kind": "vomited"}), 409, "already_recorded"
    )
