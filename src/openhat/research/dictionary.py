"""The data dictionary of an export, in three layouts made from the same columns.

- `data_dictionary.csv` and `data_dictionary.md`: table, variable, type, label, unit, values, note.
- `redcap_data_dictionary.csv`: REDCap's data-dictionary layout, the 18 columns of a dictionary
  downloaded from REDCap (as in IeDEA's published REDCap dictionaries for REDCap 8.3 and later,
  github.com/IeDEA/redcap-dictionaries, e.g. IeDEA_tblCENTER_2020-06-30.csv): Variable / Field
  Name, Form Name, Section Header, Field Type, Field Label, "Choices, Calculations, OR Slider
  Labels", Field Note, Text Validation Type OR Show Slider Number, Text Validation Min, Text
  Validation Max, Identifier?, Branching Logic (Show field only if...), Required Field?, Custom
  Alignment, Question Number (surveys only), Matrix Group Name, Matrix Ranking?, Field Annotation.
  Each table is a form (instrument) and `pseudonym` is the record id, listed once as the first
  field of the first form; the other tables repeat per record (set them up as repeating
  instruments), which is why every other variable name carries its table's prefix. Choices are
  written `code, label | code, label`; yes/no fields are REDCap's `yesno` (1 = yes, 0 = no);
  shifted dates validate as `date_ymd`, relative days and counts as `integer`, mg as `number`.
"""

from __future__ import annotations

import csv
import io

from openhat.research.models import DateMode
from openhat.research.tables import Column, Table

REDCAP_COLUMNS = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)
PLAIN_COLUMNS = ("table", "variable", "type", "label", "unit", "values", "note")


def _type_name(column: Column, date_mode: str) -> str:
    if column.kind == "day":
        return "date" if date_mode == DateMode.SHIFTED else "integer (days)"
    return {"yesno": "yes/no (1/0)", "choice": "code"}.get(column.kind, column.kind)


def _values(column: Column) -> str:
    if column.kind == "yesno":
        return "1 = yes | 0 = no"
    return " | ".join(f"{code} = {label}" for code, label in column.choices)


def _rows(tables: list[Table], date_mode: str) -> list[list[str]]:
    return [
        [
            table.name,
            column.name,
            _type_name(column, date_mode),
            column.label,
            column.unit,
            _values(column),
            column.note,
        ]
        for table in tables
        for column in table.columns
    ]


def _csv(header: tuple[str, ...], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def plain_csv(tables: list[Table], date_mode: str) -> bytes:
    return _csv(PLAIN_COLUMNS, _rows(tables, date_mode))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(tables: list[Table], date_mode: str, heading: str) -> bytes:
    lines = [f"# {heading}", ""]
    for table in tables:
        lines += [f"## {table.name}: {table.title}", "", table.description, ""]
        lines += ["| variable | type | label | unit | values | note |", "|---|---|---|---|---|---|"]
        for _table, name, kind, label, unit, values, note in _rows([table], date_mode):
            cells = [name, kind, label, unit, values, note]
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        lines.append("")
    return "\n".join(lines).encode()


def _redcap_field(column: Column, date_mode: str) -> tuple[str, str, str]:
    """(field type, choices, text validation type) in REDCap's terms."""
    if column.kind == "choice":
        return "dropdown", " | ".join(f"{c}, {label}" for c, label in column.choices), ""
    if column.kind == "yesno":
        return "yesno", "", ""
    if column.kind == "day":
        return "text", "", "date_ymd" if date_mode == DateMode.SHIFTED else "integer"
    if column.kind == "integer":
        return "text", "", "integer"
    if column.kind == "decimal":
        return "text", "", "number"
    return "text", "", ""


def redcap_csv(tables: list[Table], date_mode: str) -> bytes:
    rows = []
    for index, table in enumerate(tables):
        for column_index, column in enumerate(table.columns):
            if column.name == "pseudonym" and index > 0:
                continue  # the record id: one field of the first form
            field_type, choices, validation = _redcap_field(column, date_mode)
            note = "; ".join(part for part in (column.unit, column.note) if part)
            header = table.title if column_index == (0 if index == 0 else 1) else ""
            rows.append(
                [
                    column.name,
                    table.name,
                    header,
                    field_type,
                    column.label,
                    choices,
                    note,
                    validation,
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                ]
            )
    return _csv(REDCAP_COLUMNS, rows)
