"""NDJSON files (one resource per line) and the manifest of a FHIR Bulk Data `$export`.

The manifest is laid out as the Bulk Data Access IG's complete-status response
(https://hl7.org/fhir/uv/bulkdata/STU2/export.html, "Response - Complete Status", and the
BulkDataManifest logical model, http://hl7.org/fhir/uv/bulkdata/StructureDefinition/BulkDataManifest):
transactionTime (instant), request (the kick-off request's URL), requiresAccessToken (boolean),
output [{type, url, count}] with one file per resource type, and error [] (files of
OperationOutcomes; none here, since every resource is validated before it is written). The
files travel together in one zip, so each `url` is the file's name beside the manifest.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from fhir.resources.R4B.resource import Resource

from openhat.research.files import ExportFiles

MANIFEST = "manifest.json"


def ndjson(resources: Iterable[Resource]) -> bytes:
    lines = [resource.model_dump_json(exclude_none=True) for resource in resources]
    return "".join(line + "\n" for line in lines).encode()


def add_resources(files: ExportFiles, by_type: dict[str, list[Resource]]) -> None:
    for resource_type in sorted(by_type):
        resources = by_type[resource_type]
        if resources:
            files.add(f"{resource_type}.ndjson", ndjson(resources), rows=len(resources))


def bulk_manifest(
    files: ExportFiles, *, transaction_time: datetime, request: str, extra: dict[str, Any]
) -> bytes:
    output = [
        {"type": name.removesuffix(".ndjson"), "url": name, "count": files.rows[name]}
        for name in files.contents
        if name.endswith(".ndjson")
    ]
    body = {
        "transactionTime": transaction_time.isoformat().replace("+00:00", "Z"),
        "request": request,
        "requiresAccessToken": True,
        "output": output,
        "error": [],
        "extension": extra,
    }
    return (json.dumps(body, indent=2, default=str) + "\n").encode()
