"""The screen and harm-reduction pages through the test client: recording, bad input shown on the
form (never a 500, nothing written), the chart's trend and naloxone, and who sees what."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from openhat.screens.models import HarmReductionContact, UrineDrugScreen
from tests.screens.helpers import contact, screen

pytestmark = pytest.mark.django_db


def _local(moment: Any, personas: Any) -> str:
    return moment.astimezone(personas.clinic.zone).strftime("%Y-%m-%dT%H:%M")


def _screen_form(personas: Any, **changes: Any) -> dict[str, Any]:
    form = {
        "sampled_at": _local(timezone.now() - timedelta(hours=1), personas),
        "supervised": "yes",
        "setting": "point_of_care",
        "morphine_opiates": "positive",
        "monoacetylmorphine": "positive",
        "papaverine": "positive",
        "idempotency_key": "screen-page-0001",
    }
    form.update(changes)
    return form


def test_a_nurse_records_a_screen_and_the_chart_shows_the_finding(
    personas: Any, patient: Any, client_for: Any
) -> None:
    nurse = client_for("nurse")
    url = f"/screens/patients/{patient.client_code}/new/"
    assert nurse.get(url).status_code == 200

    response = nurse.post(url, _screen_form(personas))

    assert response.status_code == 302
    stored = UrineDrugScreen.objects.get()
    assert (stored.street_heroin, stored.supervised, stored.papaverine) == (
        "detected",
        True,
        "positive",
    )
    chart = nurse.get(f"/patients/{patient.client_code}/").content.decode()
    assert "Street heroin detected" in chart
    assert 'class="uds-trend" role="img"' in chart


def test_a_double_submit_records_one_screen(personas: Any, patient: Any, client_for: Any) -> None:
    nurse = client_for("nurse")
    url = f"/screens/patients/{patient.client_code}/new/"
    nurse.post(url, _screen_form(personas))
    nurse.post(url, _screen_form(personas))

    assert UrineDrugScreen.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sampled_at": "2099-01-01T10:00"}, "cannot be in the future"),
        ({"sampled_at": "not a time"}, "Give the date and time"),
        ({"sampled_at": "0001-01-01T00:00"}, ""),
        ({"setting": "kitchen"}, "Select a valid choice"),
        ({"cocaine": "perhaps"}, "Select a valid choice"),
        ({"morphine_opiates": "not_tested", "monoacetylmorphine": "not_tested",
          "papaverine": "not_tested"}, "at least one substance"),
        ({"note": "x\x00y"}, ""),
    ],
)  # fmt: skip
def test_bad_screen_input_is_shown_on_the_form(
    personas: Any, patient: Any, client_for: Any, changes: dict[str, Any], message: str
) -> None:
    response = client_for("nurse").post(
        f"/screens/patients/{patient.client_code}/new/", _screen_form(personas, **changes)
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not UrineDrugScreen.objects.exists()


def test_a_contact_with_naloxone_shows_on_the_chart(
    personas: Any, patient: Any, client_for: Any
) -> None:
    counsellor = client_for("counsellor")
    chart_url = f"/patients/{patient.client_code}/"
    assert "No take-home naloxone kit recorded" in counsellor.get(chart_url).content.decode()

    response = counsellor.post(
        f"/screens/patients/{patient.client_code}/harm-reduction/new/",
        {
            "given_at": _local(timezone.now() - timedelta(minutes=5), personas),
            "naloxone_kits": "2",
            "injecting_equipment": "",
            "inhalation_kits": "0",
            "overdose_training": "on",
            "hiv_test": "offered",
            "hcv_test": "accepted",
            "hbv_test": "not_offered",
            "hbv_vaccination": "declined",
        },
    )

    assert response.status_code == 302
    stored = HarmReductionContact.objects.get()
    assert (stored.naloxone_kits, stored.hcv_test, stored.overdose_training) == (
        2,
        "accepted",
        True,
    )
    chart = counsellor.get(chart_url).content.decode()
    assert "Naloxone kit given" in chart and "2 kits" in chart


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"naloxone_kits": "-1"}, "from 0 to 10"),
        ({"naloxone_kits": "11"}, "from 0 to 10"),
        ({"injecting_equipment": "1,5"}, "point"),
        ({"inhalation_kits": "abc"}, ""),
        ({"naloxone_kits": "0"}, "Record a supply given"),
    ],
)
def test_bad_contact_input_is_shown_on_the_form(
    personas: Any, patient: Any, client_for: Any, changes: dict[str, Any], message: str
) -> None:
    form = {
        "given_at": _local(timezone.now() - timedelta(minutes=5), personas),
        "naloxone_kits": "1",
    }
    form.update(changes)
    response = client_for("nurse").post(
        f"/screens/patients/{patient.client_code}/harm-reduction/new/", form
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not HarmReductionContact.objects.exists()


def test_the_patients_screens_page_lists_the_panel(
    personas: Any, patient: Any, client_for: Any
) -> None:
    screen(personas, patient)
    contact(personas, patient)

    page = client_for("auditor").get(f"/screens/patients/{patient.client_code}/")

    assert page.status_code == 200
    body = page.content.decode()
    assert "No street marker detected" in body
    assert "Record screen" not in body  # auditors read, they do not record


def test_an_empty_chart_says_so(patient: Any, client_for: Any) -> None:
    body = client_for("physician").get(f"/patients/{patient.client_code}/").content.decode()

    assert "No urine screens yet." in body
    assert "Counselling notes" not in body  # physicians do not read counselling notes
