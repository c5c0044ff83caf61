"""The release pages: the package downloads byte for byte as hashed, opening a release logs what
it shows, a package with counselling notes opens only for counsellors, and a refused release
page says why with its code and records nothing."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from typing import Any

import pytest

from openhat.audit.models import AccessLog
from openhat.counselling.services import write_note
from openhat.enrolment.services import record_consent
from openhat.release.models import InformationRelease
from openhat.release.services import release_information
from tests.dosing.conftest import formulary as formulary
from tests.dosing.conftest import station as station
from tests.fhir.record_world import PURPOSE, RECIPIENT, Record, full_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(personas: Any, station: Any) -> Record:
    return full_record(personas, station, covers=("identity", "dosing_records"))


def _release(personas: Any, record: Record, role: str, categories: list[str]) -> Any:
    return release_information(
        actor=personas[role],
        patient=record.patient,
        recipient=RECIPIENT,
        purpose=PURPOSE,
        categories=categories,
    )


def test_the_package_downloads_as_hashed_and_the_read_is_logged(
    personas: Any, record: Record, client_for: Any
) -> None:
    release = _release(personas, record, "physician", ["identity", "dosing_records"])
    client = client_for("manager")
    before = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    base = f"/release/patients/{record.patient.client_code}/{release.pk}/"

    download = client.get(base + "package.json")
    page = client.get(base)

    assert download.status_code == 200
    assert hashlib.sha256(download.content).hexdigest() == release.package_sha256
    assert page.status_code == 200
    assert "42 CFR part 2 prohibits unauthorized use or disclosure" in page.content.decode()
    logged = AccessLog.objects.filter(pk__gt=before, actor=personas["manager"])
    assert {(row.record, row.route) for row in logged} >= {
        ("identity", f"GET {base}package.json"),
        ("identity", f"GET {base}"),
        ("dosing_record", f"GET {base}"),
    }


def test_a_package_with_counselling_notes_opens_only_for_counsellors(
    personas: Any, record: Record, client_for: Any
) -> None:
    write_note(actor=personas["counsellor"], patient=record.patient, body="Private words.")
    today = record.release_consent.given_on
    record_consent(
        actor=personas["counsellor"],
        patient=record.patient,
        kind="release_of_information",
        given_on=today,
        expires_on=today + timedelta(days=30),
        recipient=RECIPIENT,
        purpose=PURPOSE,
        covers=["counselling_notes"],
    )
    release = _release(personas, record, "counsellor", ["counselling_notes"])
    base = f"/release/patients/{record.patient.client_code}/{release.pk}/"

    assert "Private words." in client_for("counsellor").get(base).content.decode()
    for role in ("physician", "manager"):
        for path in (base, base + "package.json"):
            response = client_for(role).get(path)
            assert response.status_code == 404
            assert "Private words." not in response.content.decode()


def test_a_refused_release_page_names_the_code_and_records_nothing(
    record: Record, client_for: Any
) -> None:
    client = client_for("physician")
    response = client.post(
        f"/release/patients/{record.patient.client_code}/",
        {"recipient": RECIPIENT, "purpose": PURPOSE, "categories": ["medical_notes"]},
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "release_category_not_covered" in body and "covers medical notes" in body
    assert not InformationRelease.objects.exists()


def test_the_readable_pdf_carries_the_notice_and_what_was_sent(
    personas: Any, record: Record, client_for: Any
) -> None:
    from pypdf import PdfReader

    release = _release(personas, record, "physician", ["identity", "dosing_records"])
    response = client_for("physician").get(
        f"/release/patients/{record.patient.client_code}/{release.pk}/release.pdf"
    )

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(
        (page.extract_text() or "") for page in PdfReader(io.BytesIO(response.content)).pages
    )
    text = " ".join(text.split())
    assert "42 CFR part 2 prohibits unauthorized use or disclosure of these records." in text
    assert RECIPIENT in text and release.package_sha256[:32] in text.replace(" ", "")
    assert "Dose given" in text and "Sedation score" in text
