"""Every role lands, after signing in, on a page made for its work; the counsellor's and the
researcher's start pages show what they may do today, with empty states, and the researcher's shows
no record of anyone."""

from __future__ import annotations

import html
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client

from openhat.clinics.roles import Role
from openhat.core.views import START_PAGES
from openhat.enrolment.services import record_consent
from openhat.patients.models import Patient
from openhat.patients.services import change_status, clinic_today, register_patient
from openhat.patients.validation import IdentityInput
from tests.conftest import PASSWORD, Personas, confirmed_totp, sign_in
from tests.prescribing.conftest import totp_code

pytestmark = pytest.mark.django_db

LANDS_ON = {
    "physician": "/patients/",
    "nurse": "/dosing/",
    "pharmacist": "/pharmacy/",
    "pharmacy_technician": "/pharmacy/",
    "counsellor": "/interviews/",
    "manager": "/staff/",
    "auditor": "/audit/",
    "researcher": "/research/",
}


def text(response: Any) -> str:
    return " ".join(html.unescape(response.content.decode()).split())


def test_every_role_has_a_start_page() -> None:
    assert set(START_PAGES) == set(Role)


@pytest.mark.parametrize("role", sorted(LANDS_ON))
def test_each_role_lands_on_its_own_page_after_signing_in(personas: Personas, role: str) -> None:
    user = personas[role]
    client = Client()
    signed = client.post(
        "/accounts/login/", {"username": user.get_username(), "password": PASSWORD}
    )
    assert signed.status_code == 302
    if role in ("physician", "pharmacist"):  # the second factor first, then on to the start
        device = confirmed_totp(user)
        owed = client.get(signed["Location"])
        assert owed["Location"].startswith("/accounts/second-factor/")
        signed = client.post(owed["Location"], {"token": totp_code(user)})
        assert device.confirmed
    landed = client.get(signed["Location"], follow=True)

    assert landed.status_code == 200, text(landed)[:300]
    assert landed.redirect_chain[-1][0].split("?")[0] == LANDS_ON[role]


def test_the_researcher_sees_figures_only(personas: Personas, patient: Patient) -> None:
    for number in range(12):
        register_patient(
            actor=personas["nurse"],
            clinic=personas.clinic,
            identity=IdentityInput(f"Figure Person {number}", date(1980, 1, 2), "unknown", ""),
        )

    page = text(sign_in(Client(), personas["researcher"]).get("/research/"))

    assert "Patients by status" in page
    assert 'Referred</td> <td class="num">13</td>' in page  # 13 referred: shown
    assert 'Enrolled</td> <td class="num">0</td>' in page  # zero points at nobody
    assert 'class="num"><11' not in page
    assert "ZRH-" not in page and "Figure Person" not in page and "1980" not in page
    assert "No dosing yet" in page


def test_the_researcher_page_hides_a_small_clinic_entirely(
    personas: Personas, patient: Patient
) -> None:
    page = text(sign_in(Client(), personas["researcher"]).get("/research/"))
    assert 'class="num"><11' in page
    assert patient.client_code not in page and "Test Person" not in page


def test_the_researcher_page_of_a_clinic_without_patients_says_so(personas: Personas) -> None:
    page = text(sign_in(Client(), personas["researcher"]).get("/research/"))
    assert "No patients yet" in page and "No dosing yet" in page


def test_the_counsellors_start_page_with_nothing_to_do(personas: Personas) -> None:
    page = text(sign_in(Client(), personas["counsellor"]).get("/casework/"))
    assert "No consent ends soon" in page
    assert "Nobody waiting" in page and "Nobody to follow up" in page


def test_the_counsellors_start_page_lists_what_needs_them(
    personas: Personas, patient: Patient
) -> None:
    today = clinic_today(personas.clinic)
    counsellor = personas["counsellor"]
    record_consent(
        actor=counsellor,
        patient=patient,
        kind="release_of_information",
        given_on=today,
        expires_on=today + timedelta(days=10),
        recipient="Housing office",
        purpose="housing application",
        covers=["identity"],
    )
    assessing = register_patient(
        actor=personas["nurse"],
        clinic=personas.clinic,
        identity=IdentityInput("Waiting Person", date(1970, 3, 3), "unknown", ""),
    )
    change_status(
        actor=personas["physician"], patient=assessing, to_status="assessing", effective_date=today
    )

    page = text(sign_in(Client(), counsellor).get("/casework/"))

    assert f"{patient.client_code}</a></td>" in page and "Housing office" in page
    assert "in 10 days" in page
    assert f"{assessing.client_code}</a> · assessing since" in page
    assert "Test Person" not in page and "Waiting Person" not in page  # codes only


def test_the_counsellors_page_lists_a_recent_suspension(personas: Personas) -> None:
    from tests.prescribing.conftest import enrol

    patient = enrol(
        register_patient(
            actor=personas["nurse"],
            clinic=personas.clinic,
            identity=IdentityInput("Paused Person", date(1971, 4, 4), "unknown", ""),
        )
    )
    change_status(
        actor=personas["physician"],
        patient=patient,
        to_status="suspended",
        effective_date=clinic_today(personas.clinic),
        note="in hospital",
    )

    page = text(sign_in(Client(), personas["counsellor"]).get("/casework/"))

    assert f"{patient.client_code}</a> · suspended on" in page
