# ruff: noqa: F811  (the history fixture is imported from test_reports)
"""Registers and loss reports in the terms of the clinic's jurisdiction, one line per loss, and a
register PDF laid out for A4 (issue 13, item 9)."""

from __future__ import annotations

import io
from decimal import Decimal

import pypdf
import pytest

from openhat.clinics.models import Clinic, JurisdictionPreset
from openhat.pharmacy.jurisdictions import JURISDICTIONS, country_of_preset, record_keeping
from tests.pharmacy.test_reports import History, history, register_page_url  # noqa: F401

pytestmark = pytest.mark.django_db

GERMAN_BOOK_TERMS = ("Betäubungsmittelbuch", "Zugang", "Abgang", "Übertrag")
A4_LONG, A4_SHORT = Decimal("841.89"), Decimal("595.28")  # points


def _move_clinic_to(personas, preset: str) -> None:
    Clinic.objects.filter(pk=personas.clinic.pk).update(jurisdiction_preset=preset)
    personas.clinic.refresh_from_db()


def test_every_eligibility_preset_has_its_countrys_record_keeping() -> None:
    # The US is reachable: a clinic of the us-pilot preset keeps the DEA's records.
    countries = {country_of_preset(preset) for preset in JurisdictionPreset.values}
    assert countries == {"CH", "DE", "NL", "UK", "CA", "US"}
    assert set(JURISDICTIONS) == {"CH", "DE", "NL", "UK", "CA", "US"}
    for keeping in JURISDICTIONS.values():
        assert keeping.sources, keeping.country
        assert keeping.loss_authority and keeping.register_title


def test_a_preset_without_a_country_is_refused() -> None:
    with pytest.raises(ValueError, match="no record keeping"):
        record_keeping("xx-trial")


def test_the_canadian_clinic_keeps_a_canadian_register(personas, history, client_for):
    _move_clinic_to(personas, JurisdictionPreset.CA_CRISM)

    page = client_for("pharmacist").get(register_page_url(history)).content.decode()

    for term in GERMAN_BOOK_TERMS:
        assert term not in page, term
    assert "Narcotic and controlled drug record" in page
    assert "Received mg" in page and "Issued mg" in page and "Balance forward" in page
    assert "Health Canada" in page


def test_the_german_clinic_keeps_the_btm_book(personas, history, client_for):
    _move_clinic_to(personas, JurisdictionPreset.DE_2025)

    page = client_for("pharmacist").get(register_page_url(history)).content.decode()

    for term in GERMAN_BOOK_TERMS:
        assert term in page, term
    assert "BfArM" in page


@pytest.mark.parametrize(
    ("preset", "authority", "not_shown"),
    [
        (JurisdictionPreset.CH, "Swissmedic", "DEA"),
        (JurisdictionPreset.DE_2025, "Bundesopiumstelle", "DEA"),
        (JurisdictionPreset.NL, "IGJ", "DEA"),
        (JurisdictionPreset.UK_RIOTT, "Controlled Drugs Accountable Officer", "DEA"),
        (JurisdictionPreset.CA_NAOMI, "Loss or Theft Report Form", "DEA"),
        (JurisdictionPreset.US_PILOT, "DEA Form 106", "Swissmedic"),
    ],
)
def test_a_loss_is_reported_to_the_jurisdictions_authority(
    personas, history, client_for, preset, authority, not_shown
):
    _move_clinic_to(personas, preset)

    page = client_for("auditor").get("/pharmacy/reports/losses/").content.decode()
    api = client_for("auditor").get("/api/clinics/ZRH/pharmacy/losses").json()

    assert authority in page and not_shown not in page
    assert authority in api["reported_to"]["authority"] + api["reported_to"]["form"]
    assert api["reported_to"]["country"] == country_of_preset(preset)


def test_the_us_record_keeping_names_the_dea_form() -> None:
    keeping = JURISDICTIONS["US"]
    assert keeping.loss_form == "DEA Form 106"
    assert "one business day" in keeping.loss_deadline


def test_a_shortfall_booked_by_an_adjustment_is_one_loss(personas, history, client_for):
    """The 100 mg the safe's count found missing was closed with a -100 mg adjustment: one loss
    of 100 mg, not two (the demo listed its 45 mg loss twice)."""
    rows = client_for("auditor").get("/api/clinics/ZRH/pharmacy/losses").json()["records"]
    adjustment = history.closed_discrepancy.closure.adjustment

    shortfall = [
        row for row in rows if row["reference"] == f"discrepancy {history.closed_discrepancy.pk}"
    ]
    assert len(shortfall) == 1
    assert shortfall[0]["link"] == f"adjusted by entry #{adjustment.pk}"
    assert all(row["reference"] != f"entry #{adjustment.pk}" for row in rows)
    lost = sum(Decimal(row["quantity_mg"]) for row in rows if row["type"] != "waste_without_dose")
    assert lost == Decimal("210.000")  # 100 open + 100 closed + 10 adjusted; the closing -100 once


def test_the_register_pdf_is_a4_with_whole_usernames(personas, history, client_for):
    response = client_for("manager").get(register_page_url(history, kind="pdf"))

    assert response.status_code == 200
    pdf = pypdf.PdfReader(io.BytesIO(response.content))
    for page in pdf.pages:
        size = sorted(
            (
                round(Decimal(str(page.mediabox.width)), 2),
                round(Decimal(str(page.mediabox.height)), 2),
            )
        )
        assert size == [A4_SHORT, A4_LONG]
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "pharmacist_zrh" in text and "nurse_zrh" in text


def test_every_source_cited_is_in_the_domain_documents_list() -> None:
    from pathlib import Path

    listed = Path(__file__).parents[2].joinpath("docs", "domain.md").read_text(encoding="utf-8")
    sources = listed[listed.index("## Sources") :]
    for keeping in JURISDICTIONS.values():
        for key in keeping.sources:
            assert f"- {key} " in sources, (keeping.country, key)
