"""The outcomes report's page, CSV and PDF: who sees what, the period form's mistakes, the empty
state, and the researcher's aggregated view."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest

from openhat.core.clock import clinic_today
from tests.conftest import Personas
from tests.interviews.helpers import enrolled_since
from tests.outcomes.test_report import DAYS_AGO, _interview

pytestmark = pytest.mark.django_db


def text(response: Any) -> str:
    return response.content.decode()


@pytest.fixture
def treated(personas: Personas) -> list[Any]:
    """Three patients in treatment since DAYS_AGO days, interviewed at intake."""
    patients = [enrolled_since(personas, DAYS_AGO) for _ in range(3)]
    for index, patient in enumerate(patients):
        _interview(personas, patient, "intake", 2, street_heroin_days=20 + index)
    return patients


def test_a_manager_sees_the_report_beside_the_trials(client_for: Any, treated: list[Any]) -> None:
    response = client_for("manager").get("/research/outcomes/")
    page = text(response)
    assert response.status_code == 200
    assert "Not a randomised comparison" in page
    assert 'data-testid="table-retention"' in page
    assert "NAOMI" in page and "Confirmed" in page and "Unconfirmed" in page
    assert "data:image/svg+xml;base64," in page  # the retention plot
    assert "aggregated-note" not in page
    for patient in treated:
        assert patient.client_code not in page  # aggregate only: no patient is named


def test_a_bad_period_gets_a_clear_message_and_its_code(client_for: Any) -> None:
    manager = client_for("manager")
    response = manager.get("/research/outcomes/", {"first": "2026-06-01", "last": "2026-05-01"})
    assert response.status_code == 400
    assert 'data-code="period_last_before_first"' in text(response)
    assert "The last day is before the first day." in text(response)
    assert 'data-testid="table-retention"' not in text(response)
    bad_drug = manager.get("/research/outcomes/", {"first": "2026-01-01", "last": "2026-01-31",
                                                   "drug": "fentanyl"})  # fmt: skip
    assert bad_drug.status_code == 400
    assert 'data-code="cohort_drug_unknown"' in text(bad_drug)
    pdf = manager.get("/research/outcomes/report.pdf", {"first": "junk", "last": "2026-01-01"})
    assert pdf.status_code == 400
    assert pdf.content.startswith(b"period_first_invalid")


def test_an_empty_cohort_is_an_empty_state_not_an_error(
    client_for: Any, personas: Personas, treated: list[Any]
) -> None:
    today = clinic_today(personas.clinic)
    query = {"first": (today - timedelta(days=400)).isoformat(), "last": today.isoformat()}
    response = client_for("physician").get("/research/outcomes/", {**query, "drug": "hdm"})
    assert response.status_code == 200
    assert 'data-testid="empty-report"' in text(response)
    csv_file = client_for("physician").get(
        "/research/outcomes/retention.csv", {**query, "drug": "hdm"}
    )
    assert csv_file.status_code == 200
    header = next(csv.reader(io.StringIO(csv_file.content.decode())))
    assert header[:4] == ["Group", "Retained", "Patients", "Exits"]


def test_every_table_downloads_as_csv_and_the_whole_report_as_pdf(
    client_for: Any, treated: list[Any]
) -> None:
    auditor = client_for("auditor")
    page = text(auditor.get("/research/outcomes/"))
    # No orders and no doses: attendance and safety show their empty state, without a link.
    for key in ("published_comparison", "retention", "trajectories", "interview_responses"):
        assert f"/research/outcomes/{key}.csv" in page
    assert "/research/outcomes/attendance.csv" not in page
    for key in ("attendance", "daily_doses", "safety", "safety_restarts", "urine_screens"):
        assert auditor.get(f"/research/outcomes/{key}.csv").status_code == 200
    rows = list(
        csv.reader(io.StringIO(auditor.get("/research/outcomes/trajectories.csv").content.decode()))
    )
    street = [r for r in rows if r[0] == "Street-heroin days" and r[1] == "Intake"]
    assert street == [["Street-heroin days", "Intake", "3", "21.0", "18.5 to 23.5", "", "", ""]]
    assert auditor.get("/research/outcomes/no_such_table.csv").status_code == 404
    pdf = auditor.get("/research/outcomes/report.pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_a_researcher_sees_the_same_report_aggregated(client_for: Any, treated: list[Any]) -> None:
    page = text(client_for("researcher").get("/research/outcomes/"))
    assert 'data-testid="aggregated-note"' in page
    assert "&lt;11" in page  # three patients: a small count
    rows = list(
        csv.reader(
            io.StringIO(
                client_for("researcher").get("/research/outcomes/trajectories.csv").content.decode()
            )
        )
    )
    street = next(r for r in rows if r[0] == "Street-heroin days" and r[1] == "Intake")
    assert street[2:5] == ["<11", "suppressed", ""]
    start = text(client_for("researcher").get("/research/"))
    assert 'href="/research/outcomes/"' in start


def test_the_manager_s_start_page_and_the_nav_link_to_the_report(client_for: Any) -> None:
    overview = text(client_for("manager").get("/staff/"))
    assert 'data-testid="outcomes-link"' in overview
    assert 'href="/research/outcomes/"' in overview
    assert 'href="/research/outcomes/"' not in text(client_for("nurse").get("/dosing/"))


def test_other_roles_are_refused(client_for: Any) -> None:
    for role in ("nurse", "pharmacist", "counsellor"):
        assert client_for(role).get("/research/outcomes/").status_code == 403
