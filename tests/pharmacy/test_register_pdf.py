"""The register's PDF as drawn by openhat.pharmacy.register_pdf: every line once, the headings on
every page, quantities whole, names and lot numbers wrapped only between their parts.

The register here is built in memory (the attributes the drawing reads), so the test can hold
many more lines than a ledger fixture; tests/pharmacy/test_reports.py prints a real one."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pypdf

from openhat.pharmacy.jurisdictions import JURISDICTIONS
from openhat.pharmacy.register_pdf import register_pdf

LONG_WITNESS = "second.witness-with_a-long@username"


def _line(number: int, *, balance: str = "1234.000") -> SimpleNamespace:
    received = number % 10 == 0
    return SimpleNamespace(
        entry=5000 + number,
        at=datetime(2026, 11, 7, 8, number % 60),
        kind_label="Received" if received else "Dose issued",
        lot_number="DAM-2026-LOT-0042",
        location="Dosing room",
        in_mg=Decimal("1000.000") if received else None,
        in_ml=Decimal("10.000") if received else None,
        out_mg=None if received else Decimal("15.000"),
        out_ml=None if received else Decimal("0.150"),
        balance_mg=Decimal(balance),
        balance_ml=Decimal("12.340"),
        supplier="Supplier" if received else "",
        document_number="DN-1" if received else "",
        patient="" if received else "ZRH-0007",
        actor="pharmacist_zrh",
        witness=LONG_WITNESS,
        reason="",
        note="",
        reverses_entry=None,
    )


def _register(lines: list[SimpleNamespace]) -> Any:
    return SimpleNamespace(
        keeping=JURISDICTIONS["CH"],
        is_liquid=True,
        period=SimpleNamespace(since=date(2026, 11, 1), until=date(2026, 11, 30)),
        lines=lines,
        product=SimpleNamespace(
            name="Diacetylmorphine solution 100 mg/mL",
            code="DAM-SOL",
            get_kind_display=lambda: "Diacetylmorphine",
            get_count_unit_display=lambda: "mL",
        ),
        clinic=SimpleNamespace(name="Test clinic", code="ZRH", time_zone="Europe/Zurich"),
        strength="100 mg/mL",
        opening_mg=Decimal("500.000"),
        opening_ml=Decimal("5.000"),
        closing_mg=Decimal("1234.000"),
        closing_ml=Decimal("12.340"),
        total_in_mg=Decimal("9000.000"),
        total_in_ml=Decimal("90.000"),
        total_out_mg=Decimal("8266.000"),
        total_out_ml=Decimal("82.660"),
        generated_at=datetime(2026, 12, 1, 9, 0),
        generated_by="manager_zrh",
    )


def _pages(register: Any) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(register_pdf(register)))
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width), round(height)) == (842, 595), "A4 landscape in points"
    return [page.extract_text() for page in reader.pages]


def test_a_long_register_holds_every_line_once_under_headings_on_every_page() -> None:
    pages = _pages(_register([_line(number) for number in range(300)]))

    assert len(pages) > 5
    text = "\n".join(pages)
    numbers = [int(found) for found in re.findall(r"^(5\d{3}) ", text, flags=re.MULTILINE)]
    assert sorted(numbers) == [5000 + number for number in range(300)]
    for index, page in enumerate(pages, start=1):
        assert "Date and" in page and "Witness" in page, f"page {index} has no headings"
        assert f"Page {index} of {len(pages)}" in page
    assert "Opening balance (Anfangsbestand)" in pages[0]
    assert "Closing balance (Endbestand)" in pages[-1]
    assert "Checked by (name, date)" in pages[-1]


def test_names_and_lots_wrap_only_between_their_parts() -> None:
    text = "\n".join(_pages(_register([_line(number) for number in range(3)])))

    assert "pharmacist_zrh" in text
    parts = re.split(r"(?<=[_.\-@])", LONG_WITNESS)
    for part in parts:
        assert part in text, f"{part!r} was broken inside"


def test_a_quantity_wider_than_its_column_is_printed_whole() -> None:
    text = "\n".join(_pages(_register([_line(1, balance="123456789.000")])))

    assert "123456789.000" in text


def test_an_empty_period_says_so() -> None:
    text = "\n".join(_pages(_register([])))

    assert "No movements in this period." in text
    assert "Opening balance" in text and "Closing balance" in text
