"""The screens before the dose on PostgreSQL: assessment, decision, preparation. Each posts through
its one service; each bad input is shown beside its field with nothing written; a double submit
with the form's key writes once; the decision shows every finding with its reason and source."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from openhat.core import clock
from openhat.dosing.models import (
    DosePreparation,
    SessionAssessment,
    SessionDecision,
    SessionState,
)
from openhat.pharmacy.models import EntryKind, LedgerEntry
from openhat.pharmacy.services import reconstitute, transfer_stock
from tests.conftest import Personas
from tests.dosing.factories import counts, decided, open_session
from tests.dosing.test_pages_helpers import (
    field_error,
    key_on,
    post_assessment,
    post_decision,
    session_url,
    step_url,
    text,
)
from tests.pharmacy.conftest import receive

pytestmark = pytest.mark.django_db


def checked_in(personas: Personas, station: Any) -> Any:
    from openhat.dosing.services.sessions import check_in

    return check_in(actor=personas["nurse"], patient=station.patient, identity_confirmed=True)


# --- assessment -----------------------------------------------------------------------------


def test_the_assessment_records_score_alcohol_signs_and_notes(
    client_for: Any, personas: Personas, station: Any
) -> None:
    session = checked_in(personas, station)
    client = client_for("nurse")
    page = text(client.get(session_url(session)))
    assert "data-number-keys" in page and "Somnolent, minimal or no response" in page
    assert key_on(page).startswith("assess-")

    response = post_assessment(
        client,
        session,
        "2",
        breath_alcohol_mg_per_l="0.05",
        signs=["pinpoint pupils", "nodding off"],
        other_signs="sweating, shaky",
        notes="came in tired",
    )

    assert response.status_code == 302 and response["Location"] == session_url(session)
    row = SessionAssessment.objects.get()
    assert row.sedation_score == 2 and row.breath_alcohol_mg_per_l == Decimal("0.05")
    assert row.signs == ["pinpoint pupils", "nodding off", "sweating", "shaky"]
    assert row.notes == "came in tired"
    session.refresh_from_db()
    assert session.state == SessionState.ASSESSED


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"sedation_score": ""}, "sedation_score", "Choose the sedation score (1-4)"),
        ({"sedation_score": "7"}, "sedation_score", "not one of the available choices"),
        ({"breath_alcohol_mg_per_l": "a lot"}, "breath_alcohol_mg_per_l", "a number in mg/L"),
        ({"breath_alcohol_mg_per_l": "9"}, "breath_alcohol_mg_per_l", "0 to 5 mg/L"),
    ],
)
def test_a_bad_assessment_is_explained_and_nothing_is_written(
    client_for: Any, personas: Personas, station: Any, changes: dict, field: str, message: str
) -> None:
    session = checked_in(personas, station)
    data = {"sedation_score": "1", **changes}

    response = post_assessment(client_for("nurse"), session, **data)

    assert response.status_code == 400
    page = text(response)
    if field == "sedation_score":  # the radio group shows its own error under its legend
        assert message in page and 'id="id_sedation_score_error"' in page
    else:
        assert message in field_error(page, field)
    assert not SessionAssessment.objects.exists()


def test_a_double_submitted_assessment_is_recorded_once(
    client_for: Any, personas: Personas, station: Any
) -> None:
    session = checked_in(personas, station)
    client = client_for("nurse")

    post_assessment(client, session)
    again = post_assessment(client, session)

    assert again.status_code == 302 and SessionAssessment.objects.count() == 1


# --- decision -------------------------------------------------------------------------------


def test_the_decision_screen_asks_with_the_patients_order(
    client_for: Any, personas: Personas, station: Any
) -> None:
    session = open_session(personas, station.patient)
    client = client_for("nurse")

    page = text(client.get(session_url(session)))
    assert '<option value="dam:iv" selected>' in page and "order 150-200 mg" in page

    response = post_decision(client, session, dose_mg="200")

    assert response.status_code == 302
    decision = SessionDecision.objects.get()
    assert (decision.drug, decision.route, decision.requested_mg) == ("dam", "iv", Decimal(200))
    screen = text(client.get(session_url(session)))
    assert 'data-testid="verdict"' in screen and f'data-verdict="{decision.verdict}"' in screen
    for finding in decision.findings:
        assert f'data-testid="finding-{finding["rule_id"]}"' in screen
        assert finding["message"].split(":")[0] in screen
    assert "Prepare the dose" in screen and 'accesskey="n"' in screen


def test_a_held_decision_shows_the_hold_in_red_with_override_and_end_buttons(
    client_for: Any, personas: Personas, station: Any
) -> None:
    session, decision = decided(personas, station.patient, sedation_score=4)
    assert decision.verdict == "hold"

    page = text(client_for("nurse").get(session_url(session)))

    assert "Hold: no dose now" in page and "tone-stop" in page
    held = page.split('data-testid="finding-sedation_hold"')[0][-120:]
    assert "tone-stop" in held
    finding = next(f for f in decision.findings if f["rule_id"] == "sedation_hold")
    assert finding["message"] in page
    assert "sedation.hold_at_score" in page
    assert "Physician override" in page and f"/dosing/sessions/{session.pk}/override/" in page
    assert "End: dose held" in page and "kind=held" in page
    assert "Prepare the dose" not in page


def test_a_drug_the_patient_has_no_order_for_cannot_be_asked(
    client_for: Any, personas: Personas, station: Any
) -> None:
    session = open_session(personas, station.patient)

    response = post_decision(client_for("nurse"), session, therapy="hdm:iv")

    assert response.status_code == 400
    assert "Choose a drug and route of the patient's active orders" in text(response)
    assert not SessionDecision.objects.exists()


def test_a_decision_before_the_assessment_is_refused(
    client_for: Any, personas: Personas, station: Any
) -> None:
    session = checked_in(personas, station)

    response = post_decision(client_for("nurse"), session)

    assert response.status_code == 400 and "Record the pre-dose assessment first" in text(response)
    assert not SessionDecision.objects.exists()


def test_other_roles_read_the_decision_without_its_buttons(
    client_for: Any, personas: Personas, station: Any
) -> None:
    session, _ = decided(personas, station.patient, sedation_score=4)

    page = text(client_for("counsellor").get(session_url(session)))

    assert "Hold: no dose now" in page and 'data-testid="read-only"' in page
    assert "End: dose held" not in page and "<form" not in page.split("session-screen")[1]


# --- preparation ----------------------------------------------------------------------------


def prepare_data(station: Any, decision: SessionDecision, **changes: Any) -> dict[str, Any]:
    data = {
        "idempotency_key": f"test-prepare-{decision.pk}-0001",
        "decision_id": str(decision.pk),
        "stock": f"{station.solution.pk}:{station.formulary.dosing_room.pk}",
        "dose_mg": str(decision.max_dose_mg),
    }
    data.update(changes)
    return data


def test_the_preparation_screen_lists_the_dosing_rooms_solution_with_its_strength(
    client_for: Any, personas: Personas, station: Any
) -> None:
    session, decision = decided(personas, station.patient)

    page = text(client_for("nurse").get(session_url(session) + "?step=prepare"))

    assert f"Lot {station.solution.lot_number} · 100 mg/mL" in page
    assert "lot-strengths" in page and "data-ml-output" in page
    # No dose asked for and no usual dose on the order: the nurse types the dose (the largest
    # allowed is never proposed on its own).
    assert decision.requested_mg is None and decision.max_dose_mg > 0
    assert re.search(r'<input type="text" name="dose_mg"(?![^>]*value=)', page)


def solution_for_an_hour(personas: Personas, station: Any) -> Any:
    """A vial reconstituted in the safe now, its solution usable for one hour."""
    vials = receive(personas, station.formulary.dam_vial, station.formulary.safe, 1, "vial")
    made = reconstitute(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        vial_lot_id=vials.pk,
        location_id=station.formulary.safe.pk,
        vials=1,
        in_use_expires_at=timezone.now() + timedelta(hours=1),
    )
    return made.entries[1].lot


def _selected_stock(page_html: str) -> str | None:
    found = re.search(r'<option value="([^"]+)" selected>', page_html)
    return found.group(1) if found else None


def test_the_preparation_proposes_the_first_expiring_lot_that_holds_the_whole_dose(
    client_for: Any, personas: Personas, station: Any
) -> None:
    """Solution that must be used within the hour is proposed before the longer-lived lot, but
    only once it holds the whole dose; with too little left in it, the next lot is proposed.
    The dose is the one asked for at the decision."""
    session, decision = decided(personas, station.patient, dose_mg="15")
    short = solution_for_an_hour(personas, station)
    room = station.formulary.dosing_room.pk

    def move(mg: Decimal) -> None:
        transfer_stock(
            actor=personas["pharmacist"],
            clinic=personas.clinic,
            lot_id=short.pk,
            from_location_id=station.formulary.safe.pk,
            to_location_id=room,
            amount=mg,
            unit="mg",
        )

    move(decision.max_dose_mg - Decimal("0.5"))
    client = client_for("nurse")
    too_little = client.get(session_url(session) + "?step=prepare").content.decode()
    move(Decimal(1))
    enough = client.get(session_url(session) + "?step=prepare").content.decode()

    assert f"Lot {short.lot_number}" in too_little
    assert _selected_stock(too_little) == f"{station.solution.pk}:{room}"
    assert _selected_stock(enough) == f"{short.pk}:{room}"


def test_preparing_draws_the_dose_from_the_ledger_and_a_double_submit_draws_once(
    client_for: Any, personas: Personas, station: Any
) -> None:
    session, decision = decided(personas, station.patient)
    client = client_for("nurse")

    first = client.post(step_url(session, "prepare"), prepare_data(station, decision))
    second = client.post(step_url(session, "prepare"), prepare_data(station, decision))

    assert first.status_code == second.status_code == 302
    preparation = DosePreparation.objects.get()
    assert preparation.dose_mg == decision.max_dose_mg
    assert preparation.volume_ml == decision.max_dose_mg / 100
    assert preparation.issued_entry.kind == EntryKind.DOSE_ISSUED
    screen = text(client.get(session_url(session)))
    assert "Give the dose" in screen and f"{preparation.volume_ml.normalize():f} mL" in screen


def test_a_pharmacist_prepares_the_dose(client_for: Any, personas: Personas, station: Any) -> None:
    session, decision = decided(personas, station.patient)

    response = client_for("pharmacist").post(
        step_url(session, "prepare"), prepare_data(station, decision)
    )

    assert response.status_code == 302
    assert DosePreparation.objects.get().by == personas["pharmacist"]


def test_expired_solution_is_refused_with_a_clear_message(
    client_for: Any, personas: Personas, station: Any
) -> None:
    """Solution usable for another hour is in the dosing room; the nurse prepares two hours on."""
    short = solution_for_an_hour(personas, station)
    transfer_stock(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        lot_id=short.pk,
        from_location_id=station.formulary.safe.pk,
        to_location_id=station.formulary.dosing_room.pk,
        amount=10,
        unit="ml",
    )
    later = timezone.now() + timedelta(hours=2)
    with clock.backdated(later):
        session, decision = decided(personas, station.patient)
        client = client_for("nurse")
        page = text(client.get(session_url(session) + "?step=prepare"))
        before = counts()
        response = client.post(
            step_url(session, "prepare"),
            prepare_data(station, decision, stock=f"{short.pk}:{station.formulary.dosing_room.pk}"),
        )

    assert f"Lot {short.lot_number}" in page and "EXPIRED" in page
    assert response.status_code == 400
    assert "passed its in-use expiry" in field_error(text(response), "stock")
    assert counts() == before


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"dose_mg": "above"}, "dose_mg", "may be given now"),
        ({"dose_mg": "-5"}, "dose_mg", "above zero"),
        ({"dose_mg": "ten"}, "dose_mg", "Enter the dose in mg"),
        ({"stock": "999999:1"}, "stock", "No such lot"),
        ({"stock": ""}, "stock", "Choose the lot"),
    ],
)
def test_a_bad_preparation_is_explained_and_nothing_is_drawn(
    client_for: Any,
    personas: Personas,
    station: Any,
    changes: dict,
    field: str,
    message: str,
) -> None:
    session, decision = decided(personas, station.patient)
    if changes.get("dose_mg") == "above":
        changes = {"dose_mg": str(decision.max_dose_mg + 1)}
    client = client_for("nurse")  # signing in is audited: before the count
    before = counts()

    response = client.post(step_url(session, "prepare"), prepare_data(station, decision, **changes))

    assert response.status_code == 400
    assert message in field_error(text(response), field)
    assert counts() == before and not LedgerEntry.objects.filter(kind="dose_issued").exists()


def test_a_stale_decision_on_the_preparation_form_is_refused(
    client_for: Any, personas: Personas, station: Any
) -> None:
    session, decision = decided(personas, station.patient)
    client = client_for("nurse")
    before = counts()

    response = client.post(
        step_url(session, "prepare"), prepare_data(station, decision, decision_id="1")
    )

    assert response.status_code == 400
    assert "not the latest for the session" in text(response)
    assert counts() == before
