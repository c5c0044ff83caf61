"""The physician's instructions at the station: the order's usual dose is what the preparation
proposes (never simply the largest dose allowed), and the order's notes for the nurses are shown
at the decision and at the preparation."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from openhat.core import clock
from openhat.core.errors import DomainError
from openhat.patients.services import register_patient
from openhat.patients.validation import IdentityInput
from openhat.prescribing.services import sign_order
from tests.dosing.factories import days_ago, decided, full_session
from tests.dosing.test_pages_helpers import session_url, text
from tests.prescribing.conftest import dam, enrol, totp_code

pytestmark = pytest.mark.django_db
NOTE = "Ask about benzodiazepines before each dose; the left arm is healing."


def _patient_with_usual_dose(personas: Any, station: Any, **order: Any) -> Any:
    """Two days of titration behind them (today's cap 67.5 mg) on a 10-100 mg order."""
    physician = personas["physician"]
    zone = personas.clinic.zone
    patient = enrol(
        register_patient(
            actor=personas["nurse"],
            clinic=personas.clinic,
            identity=IdentityInput("Usual Dose Person", date(1981, 4, 5), "female", ""),
        )
    )
    sign_order(
        actor=physician,
        patient=patient,
        order=dam(
            starts_at=days_ago(3, 7, zone=zone), dose_min=10, dose_max=100, note=NOTE, **order
        ),
        totp_code=totp_code(physician),
    )
    other = replace(station, patient=patient)
    for days, hour, dose in ((2, 8, "15"), (2, 9, "30"), (1, 8, "45"), (1, 14, "45")):
        with clock.backdated(days_ago(days, hour, zone=zone)):
            full_session(personas, other, dose)
    return patient


def _proposed(page: str) -> str:
    found = re.search(r'name="dose_mg" value="([^"]*)"', page)
    return found.group(1) if found else ""


def test_the_preparation_proposes_the_usual_dose_and_both_screens_show_the_notes(
    client_for: Any, personas: Any, station: Any
) -> None:
    patient = _patient_with_usual_dose(personas, station, usual_dose=40)
    session, decision = decided(personas, patient)
    client = client_for("nurse")

    decision_page = text(client.get(session_url(session)))
    preparation_page = text(client.get(session_url(session) + "?step=prepare"))

    assert decision.requested_mg is None and decision.max_dose_mg > Decimal(40)
    assert _proposed(preparation_page) == "40"
    for page in (decision_page, preparation_page):
        notes = page.split('data-testid="order-notes"')[1].split("</div>")[0]
        assert "usual dose 40 mg" in notes and NOTE in notes


def test_without_a_usual_dose_the_nurse_types_the_dose(
    client_for: Any, personas: Any, station: Any
) -> None:
    patient = _patient_with_usual_dose(personas, station)
    session, decision = decided(personas, patient)

    page = text(client_for("nurse").get(session_url(session) + "?step=prepare"))

    assert decision.max_dose_mg > 0 and _proposed(page) == ""
    assert "no usual dose named" in page


def test_a_usual_dose_outside_the_order_is_refused(personas: Any, patient: Any) -> None:
    physician = personas["physician"]
    with pytest.raises(DomainError) as refused:
        sign_order(
            actor=physician,
            patient=enrol(patient),
            order=dam(usual_dose=250),
            totp_code=totp_code(physician),
        )
    assert refused.value.code == "usual_dose_outside_range"
