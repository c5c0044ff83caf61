"""Exceptions on the screens where they belong, on PostgreSQL: refused, left and held before the
dose; a drawn dose is wasted with a witness; a spill returns to the preparation; left before
observation ended; vomiting only for an oral dose. Each is confirmed on its own screen."""

from __future__ import annotations

from typing import Any

import pytest

from openhat.dosing.models import SessionException, SessionState
from openhat.dosing.services.administer import administer
from openhat.pharmacy.models import EntryKind, LedgerEntry
from tests.conftest import Personas
from tests.dosing.factories import counts, decided, drawn, open_session
from tests.dosing.test_pages_helpers import (
    WITNESS,
    field_error,
    key_on,
    session_url,
    step_url,
    text,
    witnessed,
)

pytestmark = pytest.mark.django_db


def exception_url(session: Any, kind: str) -> str:
    return f"{step_url(session, 'exception')}?kind={kind}"


def post_exception(client: Any, session: Any, kind: str, **data: Any) -> Any:
    return client.post(
        step_url(session, "exception"),
        {"idempotency_key": f"test-{kind}-{session.pk}-01", "kind": kind, "notes": "", **data},
    )


def given(personas: Personas, station: Any) -> Any:
    session, decision = decided(personas, station.patient)
    administer(
        actor=personas["nurse"],
        session_id=session.pk,
        decision_id=decision.pk,
        dose_mg=decision.max_dose_mg,
        site="left_arm",
        lot_id=station.solution.pk,
        location_id=station.formulary.dosing_room.pk,
    )
    return session


@pytest.mark.parametrize("kind", ["refused", "left_before_dose"])
def test_ending_before_the_dose_is_confirmed_on_its_own_screen(
    client_for: Any, personas: Personas, station: Any, kind: str
) -> None:
    session = open_session(personas, station.patient)
    client = client_for("nurse")
    screen = text(client.get(session_url(session)))
    assert f"kind={kind}" in screen

    page = text(client.get(exception_url(session, kind)))
    response = post_exception(client, session, kind, notes="went outside")

    assert "Confirm: end the session" in page and key_on(page).startswith("exception-")
    assert 'data-testid="witness"' not in page
    assert response.status_code == 302 and response["Location"] == session_url(session)
    session.refresh_from_db()
    assert session.state == SessionState.NO_DOSE
    assert SessionException.objects.get().kind == kind
    done = text(client.get(session_url(session)))
    assert "Ended without a dose" in done and "went outside" in done


def test_holding_needs_the_reason_beside_the_reason(
    client_for: Any, personas: Personas, station: Any
) -> None:
    session, _ = decided(personas, station.patient, sedation_score=4)
    client = client_for("nurse")

    without = post_exception(client, session, "held")
    with_reason = post_exception(client, session, "held", notes="sedated, reassess at midday")

    assert without.status_code == 400
    assert "Say why the dose is held" in field_error(text(without), "notes")
    assert with_reason.status_code == 302
    assert SessionException.objects.get().notes == "sedated, reassess at midday"


def test_refusing_a_drawn_dose_wastes_it_with_a_witness(
    client_for: Any, personas: Personas, station: Any
) -> None:
    session, decision = decided(personas, station.patient)
    drawn(personas, station, session, decision, decision.max_dose_mg)
    client = client_for("nurse")
    page = text(client.get(exception_url(session, "refused")))
    before = counts()

    unwitnessed = post_exception(client, session, "refused")
    assert unwitnessed.status_code == 400
    assert "must witness this" in field_error(text(unwitnessed), "witness_username")
    assert counts() == before

    done = post_exception(client, session, "refused", **witnessed())

    assert 'data-testid="witness"' in page and "A dose is drawn: it is wasted" in page
    assert done.status_code == 302
    row = SessionException.objects.get()
    assert row.witness.get_username() == WITNESS and row.waste_entry is not None


def test_a_spill_is_witnessed_waste_and_returns_to_the_preparation(
    client_for: Any, personas: Personas, station: Any
) -> None:
    session, decision = decided(personas, station.patient)
    drawn(personas, station, session, decision, decision.max_dose_mg)
    client = client_for("nurse")
    assert "kind=spilled" in text(client.get(session_url(session)))

    response = post_exception(client, session, "spilled", notes="syringe dropped", **witnessed())

    assert response.status_code == 302
    session.refresh_from_db()
    assert session.state == SessionState.DECIDED
    assert LedgerEntry.objects.filter(kind=EntryKind.WASTE).count() == 1
    again = text(client.get(session_url(session) + "?step=prepare"))
    assert "Draw the dose" in again


def test_a_wrong_witness_password_is_shown_beside_the_password(
    client_for: Any, personas: Personas, station: Any
) -> None:
    session, decision = decided(personas, station.patient)
    drawn(personas, station, session, decision, decision.max_dose_mg)
    client = client_for("nurse")
    before = counts()

    response = post_exception(
        client, session, "spilled", witness_username=WITNESS, witness_password="not it"
    )

    assert response.status_code == 400
    assert "username or password is wrong" in field_error(text(response), "witness_password")
    after = counts()
    # The failed sign-in is audited like any other; nothing else is written.
    assert after.pop("AuditEvent") == before.pop("AuditEvent") + 1
    assert after == before


def test_left_before_observation_ended_closes_the_observation(
    client_for: Any, personas: Personas, station: Any
) -> None:
    session = given(personas, station)
    client = client_for("nurse")
    screen = text(client.get(session_url(session)))
    assert "Left before observation ended" in screen and "kind=vomited" not in screen

    response = post_exception(client, session, "left_early", notes="seemed alert")

    assert response.status_code == 302
    session.refresh_from_db()
    assert session.state == SessionState.COMPLETED
    assert SessionException.objects.get().kind == "left_early"


def test_vomiting_is_for_an_oral_dose_only(
    client_for: Any, personas: Personas, station: Any
) -> None:
    session = given(personas, station)

    response = post_exception(client_for("nurse"), session, "vomited")

    assert response.status_code == 400 and "against an oral dose" in text(response)
    assert not SessionException.objects.exists()


def test_an_exception_that_does_not_fit_the_step_says_so(
    client_for: Any, personas: Personas, station: Any
) -> None:
    session = open_session(personas, station.patient)
    client = client_for("nurse")

    page = text(client.get(exception_url(session, "left_early")))
    response = post_exception(client, session, "left_early")

    assert 'data-testid="does-not-fit"' in page
    assert response.status_code == 400 and "not in observation" in text(response)


def test_an_unknown_exception_is_a_bad_request(
    client_for: Any, personas: Personas, station: Any
) -> None:
    session = open_session(personas, station.patient)

    assert client_for("nurse").get(exception_url(session, "escaped")).status_code == 400
