"""No screen answers bad input with a server error: every field of every session form, given odd
values (empty, words, negative, huge, NaN, infinity, a long text, another session's ids), comes
back as the form with a message (or a redirect when the value is harmless) and never a 500.
Also the oral flow: a methadone dose has no site, and vomiting is recorded against it."""

from __future__ import annotations

from typing import Any

import pytest

from openhat.dosing.models import Administration, SessionException
from tests.conftest import Personas
from tests.dosing.factories import decided, drawn, oral_methadone
from tests.dosing.test_pages_helpers import administer_data, session_url, step_url, text

pytestmark = pytest.mark.django_db

ODD = ["", "abc", "-1", "0", "1e999", "NaN", "Infinity", "0x10", "9" * 40, "x" * 5000, "١٢"]
ANSWERS = {200, 302, 400, 403, 404, 405, 409}


def _each_odd(data: dict[str, Any], fields: list[str]) -> list[dict[str, Any]]:
    return [{**data, field: value} for field in fields for value in ODD]


@pytest.mark.parametrize(
    "step",
    ["assess", "decide", "prepare", "administer", "sign-off", "exception", "override"],
)
def test_odd_values_in_every_field_never_give_a_server_error(
    client_for: Any, personas: Personas, station: Any, step: str
) -> None:
    session, decision = decided(personas, station.patient, sedation_score=4)
    client = client_for("nurse")
    base: dict[str, Any] = {
        "assess": {"sedation_score": "1", "breath_alcohol_mg_per_l": "0", "other_signs": ""},
        "decide": {"therapy": "dam:iv", "dose_mg": "200"},
        "prepare": {
            "decision_id": str(decision.pk),
            "stock": f"{station.solution.pk}:{station.formulary.dosing_room.pk}",
            "dose_mg": "10",
        },
        "administer": administer_data(decision, None, "10", stage="check"),
        "sign-off": {"sedation_score": "1", "notes": ""},
        "exception": {"kind": "held", "notes": "sedated"},
        "override": {
            "decision_id": str(decision.pk),
            "physician_username": "physician_zrh",
            "physician_password": "wrong",
            "totp_code": "1",
            "rule_ids": ["sedation_hold"],
            "reason": "a reason long enough",
        },
    }[step]
    fields = [*base, "idempotency_key"]
    url = f"{step_url(session, step)}"
    for index, data in enumerate(_each_odd(base, fields)):
        data.setdefault("idempotency_key", f"test-odd-{step}-{index:04d}")
        response = client.post(url, data)
        assert response.status_code in ANSWERS, (step, data, response.status_code)
    assert client.get(session_url(session)).status_code == 200


def test_odd_values_on_the_adverse_event_form_never_give_a_server_error(
    client_for: Any, personas: Personas, station: Any
) -> None:
    client = client_for("nurse")
    base = {
        "kind": "overdose",
        "severity": "severe",
        "onset_at": "",
        "naloxone_given": "on",
        "naloxone_dose_mg": "0.4",
        "naloxone_route": "im",
        "outcome": "recovered",
        "session": "",
    }
    url = f"/dosing/sessions/adverse-events/new/{station.patient.pk}/"
    for index, data in enumerate(_each_odd(base, [*base, "idempotency_key"])):
        data.setdefault("idempotency_key", f"test-odd-event-{index:04d}")
        response = client.post(url, data)
        assert response.status_code in ANSWERS, (data, response.status_code)


def test_an_oral_dose_has_no_site_and_vomiting_is_recorded(
    client_for: Any, personas: Personas, station: Any
) -> None:
    methadone = oral_methadone(personas, station)
    session, decision = decided(personas, station.patient, drug="methadone", route="oral")
    assert decision.verdict in ("dose", "dose_reduced"), decision.findings
    client = client_for("nurse")
    prepare_page = text(client.get(session_url(session) + "?step=prepare"))
    assert f"Lot {methadone.lot_number}" in prepare_page
    preparation = drawn(personas, station, session, decision, decision.max_dose_mg, lot=methadone)

    page = text(client.get(session_url(session)))
    data = administer_data(decision, preparation, preparation.dose_mg)
    del data["site"]
    given = client.post(step_url(session, "administer"), data)
    observe = text(client.get(session_url(session)))
    vomited = client.post(
        step_url(session, "exception"),
        {"idempotency_key": "test-vomited-0001", "kind": "vomited", "notes": "10 min after"},
    )

    assert 'name="site"' not in page and "Injection site" not in page
    assert given.status_code == 302 and Administration.objects.get().site == ""
    assert "kind=vomited" in observe and 'accesskey="v"' in observe
    assert vomited.status_code == 302 and SessionException.objects.get().kind == "vomited"
