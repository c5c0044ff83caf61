"""The public report of the demo clinic (three days of dosing history for speed, the rest as
`make demo` loads it): last month frozen, solved by the attacker, scanned for the demo patients'
identifiers in its page and PDF."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from openhat.clinics.models import Clinic
from openhat.community.models import CommunityLogEntry
from openhat.core.clock import clinic_today
from openhat.outcomes import public_services as services
from openhat.outcomes.models import PublicReport
from openhat.outcomes.public_counts import Month
from openhat.outcomes.public_snapshot import as_report
from openhat.patients.models import PatientIdentity
from openhat.simulate.demo_clinic import DEMO_CLINIC_CODE, demo_username
from tests.outcomes.attacker import pinned
from tests.pilot.test_views import form

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def short_pharmacy_history(monkeypatch: Any) -> None:
    from openhat.simulate import demo_pharmacy

    monkeypatch.setattr(demo_pharmacy, "HISTORY_DAYS", 3)


def _identifiers() -> list[str]:
    found: list[str] = []
    for identity in PatientIdentity.objects.select_related("patient"):
        found += [identity.legal_name, identity.patient.client_code]
        found.append(identity.date_of_birth.isoformat())
        if identity.health_number:
            found.append(identity.health_number)
    return found


def test_the_demo_clinics_report_is_frozen_served_and_names_no_one() -> None:
    from django.contrib.auth.models import User
    from pypdf import PdfReader

    call_command("load_demo")
    clinic = Clinic.objects.get(code=DEMO_CLINIC_CODE)
    manager = User.objects.get(username=demo_username("manager"))
    today = clinic_today(clinic)
    month = Month.of(today.year, today.month).shifted(-1)
    assert CommunityLogEntry.objects.filter(clinic=clinic).exists()

    # The loader froze last month (demo_public_report); freezing it again publishes nothing new.
    loaded = PublicReport.objects.get(clinic=clinic, period=month.key)
    shown = services.preview(actor=manager, clinic=clinic, period=month.key)
    frozen = services.freeze(
        actor=manager, clinic=clinic, period=month.key, expected_sha256=shown.sha256
    )
    assert (frozen.report, frozen.created) == (loaded, False)

    content = json.loads(frozen.report.content)
    assert sum(m["counts"][c] for m in content["community"]["months"] for c in m["counts"]) > 0
    assert pinned([as_report(content)]) == {}
    html = Client().get(f"/public/clinics/{DEMO_CLINIC_CODE}/reports/{month.key}/")
    pdf = Client().get(f"/public/clinics/{DEMO_CLINIC_CODE}/reports/{month.key}/report.pdf")
    assert html.status_code == pdf.status_code == 200
    pdf_text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf.content)).pages)
    identifiers = _identifiers()
    assert len(identifiers) > 100
    for text in (html.content.decode(), pdf_text):
        assert "What the trials found" in text
        assert not [value for value in identifiers if value in text]

    # The pilot planner's brief quotes it, and names no one either.
    planner_user = Client()
    planner_user.force_login(manager)
    choice = f"{DEMO_CLINIC_CODE}/{month.key}/v{loaded.version}"
    brief = planner_user.post("/planner/", form(quoted_report=choice))
    assert brief.status_code == 200
    page = brief.content.decode()
    assert loaded.content_sha256 in page
    assert not [value for value in identifiers if value in page]
