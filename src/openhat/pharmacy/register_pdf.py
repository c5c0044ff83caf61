"""The narcotics register as an A4 PDF, drawn line by line.

A month's register of the busiest product is several hundred lines of sixteen cells. An HTML page
laid out by WeasyPrint took about 20 ms of CPU per line (a minute under load); this module places
the same cells itself with fpdf2's primitives: each cell's text is measured once and wrapped at
word boundaries (a username only after its separators), a line that does not fit starts a new
page under the repeated column headings, and "Page n of N" is filled in when the document closes.
The columns are those of the printed page (pharmacy/reports.css), a little wider where a date,
a lot number or a username would otherwise take two lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from fpdf.enums import XPos, YPos

if TYPE_CHECKING:
    from fpdf import FPDF

    from openhat.pharmacy.reports import Register

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")  # Debian's fonts-dejavu-core
FONT_FILES = {
    "": "DejaVuSansCondensed.ttf",
    "B": "DejaVuSansCondensed-Bold.ttf",
    "I": "DejaVuSansCondensed-Oblique.ttf",
}
FONT = "DejaVu"

# A4 landscape in millimetres: 297 x 210, with the printed page's margins.
MARGIN_LEFT, MARGIN_TOP, MARGIN_RIGHT, MARGIN_BOTTOM = 10.0, 12.0, 10.0, 14.0
PAGE_BOTTOM = 210.0 - MARGIN_BOTTOM
TABLE_POINTS = 7.0
HEADING_POINTS = 6.2
LINE_MM = 3.0  # line height at 7 pt
PAD_MM = 0.8


@dataclass(frozen=True)
class Column:
    heading: str
    width_mm: float
    numeric: bool = False


def fonts_available() -> bool:
    return all((FONT_DIR / name).is_file() for name in FONT_FILES.values())


def _columns(register: Register) -> list[Column]:
    keeping, liquid = register.keeping, register.is_liquid
    quantity = 14.0 if liquid else 18.0
    columns = [
        Column("#", 11, numeric=True),
        Column("Date and time", 22),
        Column("Movement", 18),
        Column("Lot", 19),
        Column("Location", 16),
    ]
    for heading in (keeping.received, keeping.issued, keeping.balance):
        columns.append(Column(f"{heading} mg", quantity, numeric=True))
        if liquid:
            columns.append(Column("mL", quantity, numeric=True))
    columns += [
        Column("Supplier / document", 18),
        Column("Patient", 15),
        Column("By", 22),
        Column("Witness", 22),
    ]
    used = sum(column.width_mm for column in columns)
    columns.append(Column("Reason / note", 297 - MARGIN_LEFT - MARGIN_RIGHT - used))
    return columns


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _cells(register: Register) -> Iterator[tuple[list[str], str]]:
    """Each register line's cells, with its style ("" plain, "B" a balance, "I" a reversal)."""
    liquid = register.is_liquid
    blank = [""] * (2 if liquid else 1)

    def quantities(mg: object, ml: object) -> list[str]:
        return [_text(mg), *([_text(ml)] if liquid else [])]

    def balance_row(day: object, label: str, mg: object, ml: object) -> list[str]:
        return ["", _text(day), label, "", "", *blank, *blank, *quantities(mg, ml), *[""] * 5]

    period, keeping = register.period, register.keeping
    yield (
        balance_row(period.since, keeping.opening, register.opening_mg, register.opening_ml),
        "B",
    )
    for line in register.lines:
        yield (
            [
                _text(line.entry),
                line.at.strftime("%Y-%m-%d %H:%M"),
                line.kind_label,
                line.lot_number,
                line.location,
                *quantities(line.in_mg, line.in_ml),
                *quantities(line.out_mg, line.out_ml),
                *quantities(line.balance_mg, line.balance_ml),
                " · ".join(part for part in (line.supplier, line.document_number) if part),
                line.patient,
                line.actor,
                line.witness,
                " · ".join(part for part in (line.reason, line.note) if part),
            ],
            "I" if line.reverses_entry else "",
        )
    totals = [
        "",
        "",
        "Movements in the period",
        "",
        "",
        *quantities(register.total_in_mg, register.total_in_ml),
        *quantities(register.total_out_mg, register.total_out_ml),
        *blank,
        *[""] * 5,
    ]
    yield totals, "B"
    yield (
        balance_row(period.until, keeping.closing, register.closing_mg, register.closing_ml),
        "B",
    )


# Text breaks after a space or a separator (_ . - @ /): a username, a lot or a document number
# wraps between its parts, never letter by letter unless one part alone is wider than the column.
_BREAKS = re.compile(r"(?<=[ _.\-@/])")


def _wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """`text` in lines no wider than `width` (mm), broken only after a space or a separator; a
    part wider than the column alone is cut where it must be."""
    if not text:
        return [""]
    lines: list[str] = []
    current = ""
    for part in _BREAKS.split(text):
        candidate = current + part
        if pdf.get_string_width(candidate.rstrip()) <= width:
            current = candidate
            continue
        if current:
            lines.append(current.rstrip())
        current = part
        while pdf.get_string_width(current.rstrip()) > width and len(current) > 1:
            cut = len(current) - 1
            while cut > 1 and pdf.get_string_width(current[:cut]) > width:
                cut -= 1
            lines.append(current[:cut])
            current = current[cut:]
    lines.append(current.rstrip())
    return lines


LABEL_SPAN = (2, 5)  # a balance or total row's label spans Movement, Lot and Location


def _spans(columns: Sequence[Column], merged: bool) -> list[tuple[Column, float]]:
    """The row's cells as (column, width): with `merged`, LABEL_SPAN's columns as one cell."""
    if not merged:
        return [(column, column.width_mm) for column in columns]
    first, end = LABEL_SPAN
    label = (columns[first], sum(column.width_mm for column in columns[first:end]))
    return [
        *((column, column.width_mm) for column in columns[:first]),
        label,
        *((column, column.width_mm) for column in columns[end:]),
    ]


def _row(
    pdf: FPDF,
    columns: Sequence[Column],
    cells: Sequence[str],
    style: str,
    *,
    fill: bool = False,
    merged: bool = False,
    heading: bool = False,
) -> None:
    # Headings a little smaller, so that a word such as "(received)" fits a quantity's column.
    pdf.set_font(FONT, style, HEADING_POINTS if heading else TABLE_POINTS)
    spans = _spans(columns, merged)
    if merged:
        first, end = LABEL_SPAN
        cells = [*cells[:first], cells[first], *cells[end:]]
    wrapped = [
        [text]  # a quantity never wraps: drawn smaller where it is wider than its column
        if column.numeric and not heading
        else _wrap(pdf, text, width - 2 * PAD_MM)
        for (column, width), text in zip(spans, cells, strict=True)
    ]
    height = max(len(lines) for lines in wrapped) * LINE_MM + 2 * PAD_MM
    if pdf.get_y() + height > PAGE_BOTTOM:
        pdf.add_page()
        _headings(pdf, columns)
        pdf.set_font(FONT, style, TABLE_POINTS)
    top, x = pdf.get_y(), MARGIN_LEFT
    for (column, width), lines in zip(spans, wrapped, strict=True):
        pdf.rect(x, top, width, height, style="DF" if fill else "D")
        for index, text in enumerate(lines):
            baseline = top + PAD_MM + (index + 1) * LINE_MM - 0.7
            if column.numeric and not heading:
                _quantity(pdf, text, x, width, baseline, style)
            else:
                pdf.text(x + PAD_MM, baseline, text)
        x += width
    pdf.set_y(top + height)


def _quantity(pdf: FPDF, text: str, x: float, width: float, baseline: float, style: str) -> None:
    """A number set right, whole, in a smaller size where it does not fit at the table's size."""
    room = width - 2 * PAD_MM
    natural = pdf.get_string_width(text)
    if natural > room:
        pdf.set_font_size(TABLE_POINTS * room / natural)
    pdf.text(x + width - PAD_MM - pdf.get_string_width(text), baseline, text)
    pdf.set_font(FONT, style, TABLE_POINTS)


def _headings(pdf: FPDF, columns: Sequence[Column]) -> None:
    pdf.set_fill_color(238, 241, 244)
    _row(pdf, columns, [column.heading for column in columns], "B", fill=True, heading=True)


def _document(register: Register) -> FPDF:
    from fpdf import FPDF

    class RegisterPdf(FPDF):
        def footer(self) -> None:
            self.set_y(-MARGIN_BOTTOM + 4)
            self.set_font(FONT, "", 8)
            self.cell(0, 4, f"Page {self.page_no()} of {{nb}}", align="R")

    pdf = RegisterPdf(orientation="L", unit="mm", format="A4")
    pdf.set_margins(MARGIN_LEFT, MARGIN_TOP, MARGIN_RIGHT)
    pdf.set_auto_page_break(False)
    pdf.set_draw_color(154, 163, 173)
    pdf.set_line_width(0.2)
    for style, name in FONT_FILES.items():
        pdf.add_font(FONT, style, str(FONT_DIR / name))
    pdf.alias_nb_pages()
    pdf.set_title(f"{register.keeping.register_title} - {register.product.name}")
    pdf.add_page()
    return pdf


def _heading_block(pdf: FPDF, register: Register) -> None:
    keeping, clinic, product, period = (
        register.keeping,
        register.clinic,
        register.product,
        register.period,
    )
    local = f" ({keeping.register_local_title})" if keeping.register_local_title else ""
    pdf.set_font(FONT, "B", 13)
    pdf.multi_cell(
        0,
        6,
        f"{keeping.register_title}{local} — {product.name}",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    kept = "mg and mL" if register.is_liquid else "mg"
    meta = [
        ("Clinic", f"{clinic.name} ({clinic.code}), {keeping.country_name}"),
        ("Supervised by", f"{keeping.authority}; kept {keeping.retention}"),
        (
            "Product",
            f"{product.name} · {product.get_kind_display()} · code {product.code}",
        ),
        (
            "Kept in",
            f"{kept}; strength {register.strength}; "
            f"unit of count {product.get_count_unit_display()}",
        ),
        (
            "Period",
            f"{period.since:%Y-%m-%d} to {period.until:%Y-%m-%d} (clinic time, {clinic.time_zone})",
        ),
        ("Printed", f"{register.generated_at:%Y-%m-%d %H:%M} by {register.generated_by}"),
    ]
    for label, value in meta:
        pdf.set_font(FONT, "B", 8)
        pdf.cell(28, 4, label)
        pdf.set_font(FONT, "", 8)
        pdf.multi_cell(0, 4, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)


CLOSING_NOTE = (
    "Balance: the product's stock in the whole clinic after each entry, as the ledger recorded "
    "it. A transfer between locations is two lines, out of one and into the other. A correction "
    "is a reversal entry pointing at the entry it undoes; nothing is ever changed or removed."
)


def register_pdf(register: Register) -> bytes:
    """The register as an A4 landscape PDF (call `fonts_available()` first)."""
    pdf = _document(register)
    _heading_block(pdf, register)
    columns = _columns(register)
    _headings(pdf, columns)
    for cells, style in _cells(register):
        _row(pdf, columns, cells, style, merged=style == "B")
    if not register.lines:
        pdf.set_font(FONT, "I", TABLE_POINTS)
        pdf.cell(0, 5, "No movements in this period.", new_x="LMARGIN", new_y="NEXT")
    if pdf.get_y() + 30 > PAGE_BOTTOM:
        pdf.add_page()
    pdf.ln(2)
    pdf.set_font(FONT, "", 7.5)
    pdf.multi_cell(0, 3.5, CLOSING_NOTE, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(12)
    half = (297 - MARGIN_LEFT - MARGIN_RIGHT - 20) / 2
    top = pdf.get_y()
    pdf.line(MARGIN_LEFT, top, MARGIN_LEFT + half, top)
    pdf.line(MARGIN_LEFT + half + 20, top, 297 - MARGIN_RIGHT, top)
    pdf.set_font(FONT, "", 8)
    pdf.cell(half + 20, 4, "Checked by (name, date)")
    pdf.cell(half, 4, "Signature of the responsible pharmacist or physician")
    return bytes(pdf.output())
