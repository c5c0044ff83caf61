"""Giving the dose and observation on PostgreSQL: the administration is checked, then confirmed with
its summary; a partial dose needs the rest returned or wasted with a witness on the confirmation;
a stale form records nothing; the injection sites used before are shown; observation cannot be
signed off before its time."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from openhat.core import clock
from openhat.dosing.models import Administration, SessionState
from openhat.dosing.services.administer import administer
from openhat.dosing.services.overrides import override_session
from openhat.pharmacy.models import EntryKind, LedgerEntry
from tests.conftest import Personas
from tests.dosing.factories import counts, decided, drawn, titrated
from tests.dosing.test_pages_helpers import (
    WITNESS,
    administer_data,
    field_error,
    key_on,
    session_url,
    step_url,
    text,
    witnessed,
)
from tests.prescribing.conftest import totp_code

pytestmark = pytest.mark.django_db


def prepared(personas: Personas, station: Any, **assessment: Any) -> tuple[Any, Any, Any]:
    session, decision = decided(personas, station.patient, **assessment)
    preparation = drawn(personas, station, session, decision, decision.max_dose_mg)
    return session, decision, preparation


def test_the_administration_screen_shows_the_drawn_dose_time_nurse_and_sites(
    client_for: Any, personas: Personas, station: Any
) -> None:
    session, decision, preparation = prepared(personas, station)

    page = text(client_for("nurse").get(session_url(session)))

    assert "Give the dose" in page and key_on(page).startswith("administer-")
    assert f'name="decision_id" value="{decision.pk}"' in page
    assert f'name="preparation_id" value="{preparation.pk}"' in page
    assert f"{preparation.dose_mg.normalize():f} mg" in page
    assert "nurse_zrh" in page.split('data-testid="time-and-nurse"')[1][:80]
    assert '<option value="left_arm">left arm</option>' in page
    assert "No injection site recorded before." in page


def test_the_check_shows_a_confirmation_and_records_nothing(
    client_for: Any, personas: Personas, station: Any
) -> None:
    session, decision, preparation = prepared(personas, station)
    client = client_for("nurse")
    before = counts()

    response = client.post(
        step_url(session, "administer"),
        administer_data(decision, preparation, preparation.dose_mg, stage="check"),
    )

    page = text(response)
    assert response.status_code == 200 and 'data-testid="administer-confirmation"' in page
    assert "Confirm: record the dose" in page and "site <strong>left arm</strong>" in page
    assert 'name="stage" value="confirm"' in page and 'data-testid="witness"' not in page
    assert counts() == before


def test_confirming_records_the_dose_and_opens_observation_once(
    client_for: Any, personas: Personas, station: Any
) -> None:
    session, decision, preparation = prepared(personas, station)
    client = client_for("nurse")
    data = administer_data(decision, preparation, preparation.dose_mg)

    first = client.post(step_url(session, "administer"), data)
    second = client.post(step_url(session, "administer"), data)

    assert first.status_code == second.status_code == 302
    given = Administration.objects.get()
    assert given.dose_mg == preparation.dose_mg and given.site == "left_arm"
    assert given.preparation == preparation and given.nurse == personas["nurse"]
    screen = text(client.get(session_url(session)))
    assert "Observation" in screen and 'data-testid="countdown"' in screen
    assert f'data-until="{int(given.observe_until.timestamp())}"' in screen
    assert "Confirm: sign off observation" in screen and "Adverse event" in screen


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"site": "left_deltoid"}, "site", "not one of the available choices"),
        ({"site": ""}, "site", "No site is not a site for a iv dose"),
        ({"dose_mg": "above"}, "dose_mg", "may be given now"),
        ({"dose_mg": "0"}, "dose_mg", "above zero"),
        ({"decision_id": "1"}, None, "not the latest for the session"),
        ({"preparation_id": "1"}, None, "not the session's current one"),
    ],
)
def test_a_bad_administration_is_explained_and_nothing_is_recorded(
    client_for: Any,
    personas: Personas,
    station: Any,
    changes: dict,
    field: str | None,
    message: str,
) -> None:
    session, decision, preparation = prepared(personas, station)
    if changes.get("dose_mg") == "above":
        changes = {"dose_mg": str(preparation.dose_mg + 1)}
    client = client_for("nurse")
    before = counts()

    response = client.post(
        step_url(session, "administer"),
        administer_data(decision, preparation, preparation.dose_mg, **changes),
    )

    assert response.status_code == 400
    page = text(response)
    assert message in (field_error(page, field) if field else page)
    assert counts() == before


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"site": ""}, "site", "No site is not a site for a iv dose"),
        ({"dose_mg": "above"}, "dose_mg", "may be given now"),
        ({"dose_mg": "less"}, "remainder", "return it to stock or record it as waste"),
        ({"decision_id": "1"}, None, "not the latest for the session"),
        ({"preparation_id": "1"}, None, "not the session's current one"),
    ],
)
def test_the_check_answers_on_the_form_before_the_confirmation(
    client_for: Any,
    personas: Personas,
    station: Any,
    changes: dict,
    field: str | None,
    message: str,
) -> None:
    """What would be refused at recording is refused at "Check and confirm": the nurse never sees
    the "cannot be undone" screen for a dose that cannot be recorded."""
    session, decision, preparation = prepared(personas, station)
    if changes.get("dose_mg") == "above":
        changes = {"dose_mg": str(preparation.dose_mg + 1)}
    if changes.get("dose_mg") == "less":
        changes = {"dose_mg": str(preparation.dose_mg - 5)}
    client = client_for("nurse")
    before = counts()

    response = client.post(
        step_url(session, "administer"),
        administer_data(decision, preparation, preparation.dose_mg, stage="check", **changes),
    )

    page = text(response)
    assert response.status_code == 400
    assert 'data-testid="administer-confirmation"' not in page
    assert 'name="stage" value="check"' in page
    assert message in (field_error(page, field) if field else page)
    assert counts() == before


def test_a_stale_form_after_another_station_gave_the_dose_records_nothing(
    client_for: Any, personas: Personas, station: Any
) -> None:
    session, decision, preparation = prepared(personas, station)
    client = client_for("nurse")
    form = text(client.get(session_url(session)))
    administer(
        actor=personas["nurse"],
        session_id=session.pk,
        decision_id=decision.pk,
        dose_mg=preparation.dose_mg,
        site="right_arm",
        preparation_id=preparation.pk,
    )
    before = counts()

    response = client.post(
        step_url(session, "administer"),
        {
            **administer_data(decision, preparation, preparation.dose_mg),
            "idempotency_key": key_on(form),
        },
    )

    assert response.status_code == 400
    assert "A dose was already recorded for this session" in text(response)
    assert counts() == before and Administration.objects.get().site == "right_arm"


def test_a_form_shown_before_a_physicians_override_is_stale(
    client_for: Any, personas: Personas, station: Any
) -> None:
    """The decision on the form is not the session's latest: the service says so."""
    session, decision = decided(personas, station.patient, sedation_score=4)
    physician = personas["physician"]
    new = override_session(
        actor=physician,
        session_id=session.pk,
        decision_id=decision.pk,
        rule_ids=["sedation_hold"],
        reason="known patient, sedation from lack of sleep",
        totp_code=totp_code(physician),
        allowed_dose_mg="15",
    )
    preparation = drawn(personas, station, session, new, new.max_dose_mg)
    client = client_for("nurse")
    before = counts()

    response = client.post(
        step_url(session, "administer"),
        administer_data(decision, preparation, preparation.dose_mg),
    )

    assert response.status_code == 400 and "not the latest for the session" in text(response)
    assert counts() == before


def test_a_partial_dose_needs_the_rest_handled_and_a_witness(
    client_for: Any, personas: Personas, station: Any
) -> None:
    session, decision, preparation = prepared(personas, station)
    client = client_for("nurse")
    less = preparation.dose_mg - Decimal("5")
    url = step_url(session, "administer")
    before = counts()

    unhandled = client.post(url, administer_data(decision, preparation, less))
    check = client.post(
        url, administer_data(decision, preparation, less, remainder="waste", stage="check")
    )
    unwitnessed = client.post(url, administer_data(decision, preparation, less, remainder="waste"))

    assert unhandled.status_code == 400
    assert "return it to stock or record it as waste" in field_error(text(unhandled), "remainder")
    assert 'data-testid="witness"' in text(check) and "wasted" in text(check)
    assert unwitnessed.status_code == 400
    assert "must witness this" in field_error(text(unwitnessed), "witness_username")
    assert 'data-testid="administer-confirmation"' in text(unwitnessed)
    assert counts() == before

    done = client.post(
        url, administer_data(decision, preparation, less, remainder="waste", **witnessed())
    )

    assert done.status_code == 302
    given = Administration.objects.get()
    assert given.dose_mg == less and given.remainder_mg == Decimal("5")
    assert given.remainder_witness.get_username() == WITNESS
    assert LedgerEntry.objects.filter(kind=EntryKind.WASTE).exists()


def test_the_site_history_marks_the_last_site_used(
    client_for: Any, personas: Personas, station: Any
) -> None:
    """A patient titrated over two days, each dose in the left arm."""
    other = titrated(personas, station)
    session, _, _ = prepared(personas, other)

    page = text(client_for("nurse").get(session_url(session)))

    history = page.split('data-testid="site-history"')[1].split("</div>")[0]
    assert history.count("left arm") == 4 and history.count("(last)") == 1
    assert "left arm — LAST USED" in page


def test_sign_off_before_the_observation_time_is_refused(
    client_for: Any, personas: Personas, station: Any
) -> None:
    session, decision, preparation = prepared(personas, station)
    client = client_for("nurse")
    client.post(
        step_url(session, "administer"), administer_data(decision, preparation, preparation.dose_mg)
    )
    data = {"idempotency_key": "test-sign-off-0001", "sedation_score": "1", "notes": "alert"}

    early = client.post(step_url(session, "sign-off"), data)

    assert early.status_code == 400 and "Observation runs" in text(early)
    session.refresh_from_db()
    assert session.state == SessionState.OBSERVING

    given = Administration.objects.get()
    with clock.backdated(given.observe_until + timedelta(seconds=5)):
        late = client.post(step_url(session, "sign-off"), data)
        done = text(client.get(session_url(session)))

    assert late.status_code == 302
    session.refresh_from_db()
    assert session.state == SessionState.COMPLETED
    assert "Session done" in done and "signed off" in done and "Back to the board" in done


def test_sign_off_needs_the_sedation_score(
    client_for: Any, personas: Personas, station: Any
) -> None:
    session, decision, preparation = prepared(personas, station)
    client = client_for("nurse")
    client.post(
        step_url(session, "administer"), administer_data(decision, preparation, preparation.dose_mg)
    )

    response = client.post(
        step_url(session, "sign-off"), {"idempotency_key": "test-sign-off-0002", "notes": ""}
    )

    assert response.status_code == 400 and "Choose the sedation score" in text(response)
