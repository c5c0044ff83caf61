"""The package as a person reads it: each section of the release's Composition with its
narrative and one line per record, read back from the JSON that was sent (so the page shows what
the recipient got, not a fresh read of the chart)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html import unescape
from typing import Any

_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)


@dataclass(frozen=True)
class ReadableSection:
    title: str
    paragraphs: list[str]
    rows: list[str]


def _day(value: Any) -> str:
    return str(value or "")[:16].replace("T", " ")


def _value(resource: dict[str, Any]) -> str:
    if "valueCodeableConcept" in resource:
        return str(resource["valueCodeableConcept"].get("text", ""))
    if "valueQuantity" in resource:
        quantity = resource["valueQuantity"]
        return f"{quantity.get('value')} {quantity.get('unit', '')}".strip()
    if "valueInteger" in resource:
        return str(resource["valueInteger"])
    return ""


def _patient(r: dict[str, Any]) -> str:
    parts = [f"Client code {r.get('id', '')}"]
    if r.get("name"):
        parts.append(f"name {r['name'][0].get('text', '')}")
    if r.get("birthDate"):
        parts.append(f"born {r['birthDate']}")
    if r.get("gender"):
        parts.append(f"gender {r['gender']}")
    numbers = [
        i["value"] for i in r.get("identifier", []) if "health-number" in i.get("system", "")
    ]
    if numbers:
        parts.append(f"health number {numbers[0]}")
    return "; ".join(parts)


def _consent(r: dict[str, Any]) -> str:
    provision = r.get("provision", {})
    recipient = ", ".join(a["reference"].get("display", "") for a in provision.get("actor", []))
    purpose = ", ".join(p.get("display", "") for p in provision.get("purpose", []))
    covers = ", ".join(c.get("display", "") for c in provision.get("class", []))
    period = provision.get("period", {})
    return (
        f"Consent given {r.get('dateTime', '')} ({r.get('status', '')}): to {recipient} for "
        f"{purpose}, covering {covers}; holds {period.get('start', '')} to "
        f"{period.get('end', 'no end date')}"
    )


def summary(r: dict[str, Any]) -> str:
    kind = r.get("resourceType")
    if kind == "Patient":
        return _patient(r)
    if kind == "Consent":
        return _consent(r)
    if kind == "MedicationRequest":
        dosage = (r.get("dosageInstruction") or [{}])[0].get("text", "")
        medication = r.get("medicationCodeableConcept", {}).get("text", "")
        return (
            f"Order signed {_day(r.get('authoredOn'))} ({r.get('status')}): {medication}, {dosage}"
        )
    if kind == "MedicationAdministration":
        medication = r.get("medicationCodeableConcept", {}).get("text", "")
        dosage = r.get("dosage", {}).get("text", "")
        return f"Dose given {_day(r.get('effectiveDateTime'))}: {medication}, {dosage}"
    if kind == "Observation":
        return (
            f"{_day(r.get('effectiveDateTime'))}: {r.get('code', {}).get('text', '')}: {_value(r)}"
        )
    if kind == "QuestionnaireResponse":
        answered = sum(len(group.get("item", [])) for group in r.get("item", []))
        return f"Interview of {r.get('authored', '')}: {answered} answers"
    if kind == "CarePlan":
        goals = len(r.get("goal", []))
        return f"Care plan since {r.get('period', {}).get('start', '')}: {goals} goal(s)"
    return str(kind)


def readable(package: str) -> list[ReadableSection]:
    bundle = json.loads(package)
    resources = {entry["fullUrl"]: entry["resource"] for entry in bundle.get("entry", [])}
    composition = bundle["entry"][0]["resource"]
    sections = []
    for section in composition.get("section", []):
        rows = [summary(resources[e["reference"]]) for e in section.get("entry", [])]
        div = section.get("text", {}).get("div", "")
        paragraphs = [unescape(p) for p in _PARAGRAPH.findall(div)] if not rows else []
        sections.append(ReadableSection(section.get("title", ""), paragraphs, rows))
    return sections
