"""The eligibility page's rows: prior treatments with their dose, and methadone dose stretches.

A row left empty is ignored; a row partly filled or wrong gets its error on that row's own field,
and nothing is saved. Where the clinic's preset reads methadone doses (nl), the page asks for them
so that its methadone-dose criterion can be met from the page.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from openhat.enrolment.models import EligibilityAssessment
from openhat.patients.models import Patient
from openhat.patients.services import clinic_today
from tests.enrolment.test_pages import ELIGIBLE_FORM

pytestmark = pytest.mark.django_db


def _text(response: Any) -> str:
    return response.content.decode()


def _url(patient: Patient) -> str:
    return f"/patients/{patient.client_code}/eligibility/"


def _sign(client: Any, patient: Patient, data: dict[str, str]) -> Any:
    return client.post(_url(patient), {**data, "action": "sign", "decision": "eligible"})


def _error_on(page: str, field: str) -> str:
    """The text of the error list shown under one field ('' when it has none)."""
    marker = f'id="id_{field}_error">'
    if marker not in page:
        return ""
    return page.split(marker, 1)[1].split("</ul>", 1)[0]


def test_prior_treatments_are_recorded_with_their_dose(client_for: Any, patient: Patient) -> None:
    data = {
        **ELIGIBLE_FORM,
        "pt2_kind": "buprenorphine",
        "pt2_started_on": "2019-01-01",
        "pt2_max_daily_dose_mg": "16.5",
        "pt2_outcome": "ongoing",
    }
    response = _sign(client_for("physician"), patient, data)
    assert response.status_code == 302, _text(response)[:3000]
    stored = EligibilityAssessment.objects.get().facts["prior_treatments"]
    assert stored == [
        {
            "kind": "methadone",
            "started_on": "2015-01-01",
            "ended_on": "2016-06-30",
            "outcome": "failed",
            "max_daily_dose_mg": "90",
        },
        {
            "kind": "residential",
            "started_on": "2018-03-01",
            "ended_on": "2018-05-31",
            "outcome": "abandoned",
            "max_daily_dose_mg": None,
        },
        {
            "kind": "buprenorphine",
            "started_on": "2019-01-01",
            "ended_on": None,
            "outcome": "ongoing",
            "max_daily_dose_mg": "16.5",
        },
    ]


# (change to the eligible form, {field: the error shown on it})
BAD_TREATMENT_ROWS = {
    "an end before the start": (
        {"pt1_ended_on": "2018-02-01"},
        {"pt1_ended_on": "The end (2018-02-01) is before the start (2018-03-01)."},
    ),
    "a negative dose": (
        {"pt0_max_daily_dose_mg": "-10"},
        {"pt0_max_daily_dose_mg": "A dose cannot be negative."},
    ),
    "a dose that is not a number": (
        {"pt0_max_daily_dose_mg": "ninety"},
        {"pt0_max_daily_dose_mg": "is not a number; write it like 2.5"},
    ),
    "a row with only a dose": (
        {"pt3_max_daily_dose_mg": "60"},
        {
            "pt3_kind": "Choose the kind of treatment.",
            "pt3_started_on": "Enter when it started.",
            "pt3_outcome": "Choose the outcome.",
        },
    ),
    "a row without its outcome": (
        {"pt2_kind": "srom", "pt2_started_on": "2020-01-01", "pt2_ended_on": "2020-06-30"},
        {"pt2_outcome": "Choose the outcome."},
    ),
    "an ongoing treatment with an end": (
        {"pt1_outcome": "ongoing"},
        {"pt1_ended_on": "An ongoing treatment has no end date; leave it empty."},
    ),
    "an abandoned treatment without its end": (
        {"pt1_ended_on": ""},
        {"pt1_ended_on": "treatment needs its end date."},
    ),
    "'no earlier treatment' ticked beside treatments": (
        {"no_prior_treatments": "on"},
        {"no_prior_treatments": "Treatments are listed above: untick this"},
    ),
}


@pytest.mark.parametrize("case", BAD_TREATMENT_ROWS)
@pytest.mark.parametrize("action", ["check", "sign"])
def test_a_bad_treatment_row_is_shown_on_that_row_and_saves_nothing(
    client_for: Any, patient: Patient, case: str, action: str
) -> None:
    change, errors = BAD_TREATMENT_ROWS[case]
    response = client_for("physician").post(
        _url(patient), {**ELIGIBLE_FORM, **change, "action": action, "decision": "eligible"}
    )
    page = _text(response)
    assert response.status_code == 400
    for field, message in errors.items():
        assert message in _error_on(page, field), (field, _error_on(page, field))
    assert 'data-testid="eligibility-result"' not in page
    assert not EligibilityAssessment.objects.exists()


def test_a_swiss_clinic_is_not_asked_for_methadone_doses(client_for: Any, patient: Patient) -> None:
    page = _text(client_for("physician").get(_url(patient)))
    assert "Prior treatments" in page and 'name="pt3_max_daily_dose_mg"' in page
    assert "Methadone doses" not in page and "md0_daily_dose_mg" not in page


# --- the Dutch criteria: methadone of at least 60 mg/day (injectors) for a continuous month ------


@pytest.fixture
def dutch_patient(patient: Patient) -> Patient:
    patient.clinic.jurisdiction_preset = "nl"
    patient.clinic.save(update_fields=["jurisdiction_preset"])
    return patient


def _dutch_form(patient: Patient, dose_mg: str, days: int = 120) -> dict[str, str]:
    today = clinic_today(patient.clinic)
    return {
        "date_of_birth": "1975-05-17",
        "years_dependent": "12",
        "heroin_route": "injecting",
        "flag_daily_heroin_beside_methadone": "yes",
        "flag_regular_methadone_attendance_6m": "yes",
        "pt0_kind": "methadone",
        "pt0_started_on": (today - timedelta(days=400)).isoformat(),
        "pt0_max_daily_dose_mg": dose_mg,
        "pt0_outcome": "ongoing",
        "md0_started_on": (today - timedelta(days=400)).isoformat(),
        "md0_ended_on": (today - timedelta(days=400 - days)).isoformat(),
        "md0_daily_dose_mg": "30",
        "md1_started_on": (today - timedelta(days=399 - days)).isoformat(),
        "md1_daily_dose_mg": dose_mg,
    }


def _criterion(assessment: EligibilityAssessment, criterion_id: str) -> dict[str, Any]:
    return next(c for c in assessment.result["criteria"] if c["criterion_id"] == criterion_id)


def test_the_dutch_methadone_dose_criterion_is_met_from_the_page(
    client_for: Any, dutch_patient: Patient
) -> None:
    client = client_for("physician")
    page = _text(client.get(_url(dutch_patient)))
    assert "Methadone doses" in page and 'name="md3_daily_dose_mg"' in page

    response = _sign(client, dutch_patient, _dutch_form(dutch_patient, "70"))

    assert response.status_code == 302, _text(response)[:3000]
    assessment = EligibilityAssessment.objects.get()
    assert assessment.preset_key == "nl" and assessment.engine_verdict == "eligible"
    assert _criterion(assessment, "methadone_dose")["status"] == "met"
    assert assessment.facts["methadone_doses"][1]["daily_dose_mg"] == "70"
    assert assessment.facts["prior_treatments"][0]["max_daily_dose_mg"] == "70"


def test_a_dutch_dose_below_the_threshold_is_not_met(
    client_for: Any, dutch_patient: Patient
) -> None:
    client = client_for("physician")
    data = {**_dutch_form(dutch_patient, "55"), "action": "check"}
    checked = _text(client.post(_url(dutch_patient), data))
    assert "longest stretch at 60 mg/day or more: none" in checked
    assert "Not met" in checked

    refused = _sign(client, dutch_patient, _dutch_form(dutch_patient, "55"))
    assert refused.status_code == 400 and "say not eligible" in _text(refused)
    signed = client.post(
        _url(dutch_patient),
        {**_dutch_form(dutch_patient, "55"), "action": "sign", "decision": "not_eligible"},
    )
    assert signed.status_code == 302
    assert _criterion(EligibilityAssessment.objects.get(), "methadone_dose")["status"] == "not_met"


def test_never_on_methadone_is_recorded_as_no_doses(
    client_for: Any, dutch_patient: Patient
) -> None:
    data = {
        **{k: v for k, v in _dutch_form(dutch_patient, "70").items() if not k.startswith("md")},
        "no_methadone_doses": "on",
        "action": "sign",
        "decision": "not_eligible",
    }
    response = client_for("physician").post(_url(dutch_patient), data)
    assert response.status_code == 302, _text(response)[:3000]
    assessment = EligibilityAssessment.objects.get()
    assert assessment.facts["methadone_doses"] == []
    assert _criterion(assessment, "methadone_dose")["status"] == "not_met"


BAD_DOSE_ROWS = {
    "an end before the start": (
        {"md0_ended_on": "2000-01-01"},
        {"md0_ended_on": "is before the start"},
    ),
    "a negative dose": ({"md1_daily_dose_mg": "-5"}, {"md1_daily_dose_mg": "cannot be negative"}),
    "a row without its dose": (
        {"md1_daily_dose_mg": ""},
        {"md1_daily_dose_mg": "Enter the daily dose in mg."},
    ),
    "a row with only an end": (
        {"md2_ended_on": "2020-01-01"},
        {
            "md2_started_on": "Enter when this dose started.",
            "md2_daily_dose_mg": "Enter the daily dose in mg.",
        },
    ),
    "a dose after the assessment": (
        {"md1_started_on": "2099-01-01"},
        {"md1_started_on": "is after the assessment"},
    ),
    "'never on methadone' ticked beside doses": (
        {"no_methadone_doses": "on"},
        {"no_methadone_doses": "Methadone doses are listed above"},
    ),
}


@pytest.mark.parametrize("case", BAD_DOSE_ROWS)
def test_a_bad_methadone_dose_row_is_shown_on_that_row_and_saves_nothing(
    client_for: Any, dutch_patient: Patient, case: str
) -> None:
    change, errors = BAD_DOSE_ROWS[case]
    response = _sign(
        client_for("physician"), dutch_patient, {**_dutch_form(dutch_patient, "70"), **change}
    )
    page = _text(response)
    assert response.status_code == 400
    for field, message in errors.items():
        assert message in _error_on(page, field), (field, _error_on(page, field))
    assert not EligibilityAssessment.objects.exists()
