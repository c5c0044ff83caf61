"""The per-patient FHIR Bundle and the release-of-information routes in the role x route matrix
(format: tests/access/cases.py).

`build_release` gives the ZRH patient a release-of-information consent for RECIPIENT and PURPOSE
covering identity and dosing records, and one release made under it ({release_id}), so that the
release routes succeed for the roles allowed (and the identifier walk sees the name they carry).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from openhat.enrolment.services import record_consent
from openhat.patients.services import clinic_today
from openhat.release.services import release_information
from tests.access.cases import ALL_ROLES, RouteCase

CHART_READERS = ALL_ROLES - {"researcher"}
RELEASERS = frozenset({"physician", "counsellor", "manager"})
OK = frozenset({200})
RECIPIENT = "Matrix Family Practice"
PURPOSE = "Continuity of care"
RELEASE = {"recipient": RECIPIENT, "purpose": PURPOSE, "categories": ["identity", "dosing_records"]}
PATIENT_RELEASES = "/release/patients/{code}/"


@dataclass(frozen=True)
class ReleaseWorld:
    release_id: int

    def placeholders(self) -> dict[str, str]:
        return {"{release_id}": str(self.release_id)}


def build_release(personas: Any, patient: Any) -> ReleaseWorld:
    today = clinic_today(patient.clinic)
    record_consent(
        actor=personas["physician"],
        patient=patient,
        kind="release_of_information",
        given_on=today,
        expires_on=today + timedelta(days=30),
        recipient=RECIPIENT,
        purpose=PURPOSE,
        covers=["identity", "dosing_records"],
    )
    release = release_information(actor=personas["physician"], patient=patient, **RELEASE)
    return ReleaseWorld(release.pk)


FHIR_RELEASE_API_CASES = [
    RouteCase(
        "api:GET /api/patients/{code}/fhir/bundle",
        "GET",
        "/api/patients/{code}/fhir/bundle",
        CHART_READERS,
        OK,
    ),
    RouteCase(
        "api:POST /api/patients/{code}/releases",
        "POST",
        "/api/patients/{code}/releases",
        RELEASERS,
        frozenset({201}),
        data=RELEASE,
        json=True,
    ),
    RouteCase(
        "api:GET /api/patients/{code}/releases", "GET", "/api/patients/{code}/releases", RELEASERS
    ),
]
FHIR_RELEASE_PAGE_CASES = [
    RouteCase("release:patient", "GET", PATIENT_RELEASES, RELEASERS),
    RouteCase(
        "release:patient", "POST", PATIENT_RELEASES, RELEASERS, frozenset({302}), data=RELEASE
    ),
    RouteCase("release:detail", "GET", PATIENT_RELEASES + "{release_id}/", RELEASERS),
    RouteCase("release:package", "GET", PATIENT_RELEASES + "{release_id}/package.json", RELEASERS),
    RouteCase("release:document", "GET", PATIENT_RELEASES + "{release_id}/release.pdf", RELEASERS),
]
