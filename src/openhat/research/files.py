"""An export's files: CSV and Parquet per table, the manifest, and the zip that holds them all."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from openhat.core.errors import DomainError
from openhat.research.models import DateMode
from openhat.research.tables import Column, Table

MG_TYPE = pa.decimal128(12, 3)  # as the clinic stores mg (prescribing and dosing mg fields)


@dataclass
class ExportFiles:
    """File name -> content, in the order written; rows per data file."""

    contents: dict[str, bytes] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, content: bytes, rows: int | None = None) -> None:
        self.contents[name] = content
        if rows is not None:
            self.rows[name] = rows

    def hashes(self) -> dict[str, str]:
        return {name: sha256(content) for name, content in self.contents.items()}


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def table_csv(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    names = [c.name for c in table.columns]
    writer.writerow(names)
    for row in table.rows:
        writer.writerow([_csv_value(row[name]) for name in names])
    return buffer.getvalue().encode()


def _arrow_type(column: Column, date_mode: str) -> pa.DataType:
    if column.kind == "day":
        return pa.date32() if date_mode == DateMode.SHIFTED else pa.int32()
    if column.kind == "decimal":
        return MG_TYPE
    if column.kind == "yesno":
        return pa.int8()
    if column.kind == "integer":
        return pa.int64()
    return pa.string()


def _arrow_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "decimal":
        return Decimal(value).quantize(Decimal("0.001"))
    if kind in ("text", "choice"):
        return str(value)
    return value


def table_parquet(table: Table, date_mode: str) -> bytes:
    schema = pa.schema(
        [
            pa.field(c.name, _arrow_type(c, date_mode), metadata={"label": c.label})
            for c in table.columns
        ],
        metadata={"table": table.name, "description": table.description},
    )
    arrays = [
        pa.array(
            [_arrow_value(row[c.name], c.kind) for row in table.rows],
            type=_arrow_type(c, date_mode),
        )
        for c in table.columns
    ]
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_arrays(arrays, schema=schema), buffer)
    return buffer.getvalue()


def manifest(header: dict[str, Any], files: ExportFiles, *, key: str = "files") -> bytes:
    """The export's manifest: what it is, then every file with its rows, bytes and SHA-256."""
    listing = [
        {
            "name": name,
            "rows": files.rows.get(name),
            "bytes": len(content),
            "sha256": sha256(content),
        }
        for name, content in files.contents.items()
    ]
    return (json.dumps({**header, key: listing}, indent=2, default=str) + "\n").encode()


def zip_bytes(files: ExportFiles, folder: str, moment: datetime) -> bytes:
    buffer = io.BytesIO()
    stamp = moment.timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.contents.items():
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            archive.writestr(info, content)
    return buffer.getvalue()


def write_out(files: ExportFiles, directory: Path) -> list[Path]:
    """Write the files into `directory` (made if missing; existing files of the same names are
    refused so that an earlier export is never overwritten)."""
    directory.mkdir(parents=True, exist_ok=True)
    clashes = [name for name in files.contents if (directory / name).exists()]
    if clashes:
        raise DomainError(
            "export_out_not_empty",
            f"{directory} already holds {', '.join(sorted(clashes))}; choose an empty directory.",
            "out",
        )
    written = []
    for name, content in files.contents.items():
        path = directory / name
        path.write_bytes(content)
        written.append(path)
    return written
