"""A count sheet's errors: none contradicts "0 for an empty shelf", all come at once, each on its
own lot; and a product with nothing in stock is never shown as enough (issue 13, item 9)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from openhat.clinics.services import create_api_token
from openhat.pharmacy.models import CountLine, StockCount
from openhat.pharmacy.services import CountedLot, record_count
from openhat.pharmacy.services.counts import CountLinesRefused
from tests.pharmacy.pages import solution_in_dosing_room, text, vials_in_safe
from tests.pharmacy.test_pages_counts import sheet

pytestmark = pytest.mark.django_db

EMPTY_SHELF = "enter 0 for an empty shelf"


def test_a_negative_count_points_to_zero_for_an_empty_shelf(personas, formulary):
    solution = solution_in_dosing_room(personas, formulary)

    with pytest.raises(CountLinesRefused) as refused:
        record_count(
            actor=personas["pharmacist"],
            clinic=personas.clinic,
            location_id=formulary.dosing_room.pk,
            occasion="shift_change",
            lines=[CountedLot(solution.pk, "-5", "ml")],
        )

    assert refused.value.code == "count_negative"
    assert EMPTY_SHELF in refused.value.message
    assert "above zero" not in refused.value.message
    assert refused.value.field == "lines.0.counted"


def test_every_bad_line_is_reported_at_once_each_with_its_lot(personas, formulary):
    vials = vials_in_safe(personas, formulary, count=3, lot="V-7")
    other = vials_in_safe(personas, formulary, count=2, lot="V-8")

    with pytest.raises(CountLinesRefused) as refused:
        record_count(
            actor=personas["pharmacist"],
            clinic=personas.clinic,
            location_id=formulary.safe.pk,
            occasion="day_end",
            lines=[CountedLot(vials.pk, "-1", "vial"), CountedLot(other.pk, "1.5", "vial")],
        )

    body = refused.value.as_dict()
    assert body["code"] == "count_lines_invalid"
    assert [(item["lot_number"], item["code"], item["field"]) for item in body["errors"]] == [
        ("V-7", "count_negative", "lines.0.counted"),
        ("V-8", "quantity_not_whole", "lines.1.counted"),
    ]
    assert "V-7" in body["message"] and "V-8" in body["message"]
    assert not StockCount.objects.exists() and not CountLine.objects.exists()


def _row(page: str, lot_number: str) -> str:
    found = re.search(rf'data-testid="count-row-{lot_number}".*?</tr>', page, re.S)
    assert found, lot_number
    return found.group(0)


def test_the_count_page_shows_each_error_on_its_own_lot(client_for: Any, personas, formulary):
    vials = vials_in_safe(personas, formulary, count=3, lot="V-7")
    other = vials_in_safe(personas, formulary, count=2, lot="V-8")

    response = client_for("pharmacist").post(
        "/pharmacy/counts/new/",
        sheet(formulary.safe, (vials.pk, "-1", "vial"), (other.pk, "1.5", "vial")),
    )

    assert response.status_code == 400
    page = text(response)
    assert EMPTY_SHELF in _row(page, "V-7")
    assert "whole" in _row(page, "V-8") and EMPTY_SHELF not in _row(page, "V-8")
    assert not StockCount.objects.exists()


def test_the_api_answers_every_bad_line(personas, formulary):
    vials = vials_in_safe(personas, formulary, count=3, lot="V-7")
    other = vials_in_safe(personas, formulary, count=2, lot="V-8")
    _, secret = create_api_token(actor=personas["pharmacist"], name="count test")
    response = Client(headers={"Authorization": f"Bearer {secret}"}).post(
        "/api/clinics/ZRH/pharmacy/counts",
        {
            "location": formulary.safe.pk,
            "occasion": "spot_check",
            "lines": [
                {"lot": vials.pk, "counted": "-1", "unit": "vial"},
                {"lot": other.pk, "counted": "1.5", "unit": "vial"},
            ],
        },
        content_type="application/json",
    )

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "count_lines_invalid"
    assert [(item["lot_number"], item["field"]) for item in body["errors"]] == [
        ("V-7", "lines.0.counted"),
        ("V-8", "lines.1.counted"),
    ]
    assert EMPTY_SHELF in body["errors"][0]["message"]


def test_a_product_with_nothing_in_stock_is_never_shown_as_enough(client_for: Any, formulary):
    # The formulary's products start empty with no reorder level: 0 mg is not below 0 mg.
    page = text(client_for("pharmacist").get("/pharmacy/"))

    assert ">enough<" not in page
    assert 'data-testid="stock-empty"' in page
