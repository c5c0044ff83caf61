"""A release of information as a FHIR R4 document: a Composition first, then what it points at
(fhir.resources.R4B, validated; Bundle type "document", which needs an identifier, a timestamp and
the Composition as its first entry).

The Composition names the recipient and purpose in its title, carries the notice against
redisclosure as its first section, the consents the release rests on as the second, then one
section per data category released. Counselling notes, which have no FHIR resource in OpenHAT
(docs/domain.md §12.4), are a section's narrative only. Security labels (meta.security, HL7 v3
ActCode): 42CFRPart2 (the policy) and NORDSCLCD "no redisclosure without consent directive"
(a RefrainPolicy code); confidentiality R "restricted" (v3 Confidentiality).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.composition import Composition
from fhir.resources.R4B.resource import Resource

from openhat.fhir.common import V3_ACT_CODE, patient_reference
from openhat.fhir.consent import PART_2_CODE

DOCUMENT_SYSTEM = "urn:openhat:release"
SECURITY = [
    {"system": V3_ACT_CODE, "code": PART_2_CODE[0], "display": PART_2_CODE[1]},
    {
        "system": V3_ACT_CODE,
        "code": "NORDSCLCD",
        "display": "no redisclosure without consent directive",
    },
]
_NAMESPACE = uuid.UUID("5d3c1e1a-8f0b-4c5e-9a51-0c0e4a3b7f21")  # local: stable entry URLs


@dataclass(frozen=True)
class Section:
    title: str
    resources: list[Resource]
    paragraphs: tuple[str, ...] = ()  # narrative, for what has no resource


def full_url(resource: Resource) -> str:
    key = f"{resource.get_resource_type()}/{resource.id}"
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, key)}"


def _div(paragraphs: tuple[str, ...] | list[str]) -> str:
    body = "".join(f"<p>{escape(text)}</p>" for text in paragraphs)
    return f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'


def _section(section: Section) -> dict[str, Any]:
    data: dict[str, Any] = {"title": section.title}
    if section.resources:
        data["entry"] = [{"reference": full_url(r)} for r in section.resources]
    lines = section.paragraphs or (f"{len(section.resources)} record(s).",)
    data["text"] = {
        "status": "additional" if section.paragraphs else "generated",
        "div": _div(lines),
    }
    return data


def release_document(
    *,
    release_id: str,
    client_code: str,
    clinic_name: str,
    recipient: str,
    purpose: str,
    at: datetime,
    patient: Resource,
    sections: list[Section],
) -> Bundle:
    """The document Bundle: Composition, the Patient, then each section's resources."""
    composition = Composition.model_validate(
        {
            "resourceType": "Composition",
            "id": f"release-{release_id}",
            "meta": {"security": SECURITY},
            "identifier": {"system": DOCUMENT_SYSTEM, "value": release_id},
            "status": "final",
            "type": {"text": "Release of information"},
            "subject": patient_reference(client_code),
            "date": at.isoformat(),
            "author": [{"display": clinic_name}],
            "title": f"Release of information to {recipient} for {purpose}",
            "confidentiality": "R",
            "section": [_section(s) for s in sections],
        }
    )
    seen: set[str] = set()
    resources: list[Resource] = []
    for resource in [composition, patient, *(r for s in sections for r in s.resources)]:
        if full_url(resource) not in seen:
            seen.add(full_url(resource))
            resources.append(resource)
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "meta": {"security": SECURITY},
            "identifier": {"system": DOCUMENT_SYSTEM, "value": release_id},
            "type": "document",
            "timestamp": at.isoformat(),
            "entry": [
                {
                    "fullUrl": full_url(resource),
                    "resource": resource.model_dump(mode="json", exclude_none=True),
                }
                for resource in resources
            ],
        }
    )
