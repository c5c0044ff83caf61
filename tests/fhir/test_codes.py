"""Every terminology code the FHIR exports send, pinned to the value checked against its source.

The expected values are written out here, not imported, so a typo in src/openhat/fhir fails a
test. Sources: WHO ATC/DDD index (drugs), FHIR's SNOMED CT Route Codes value set (routes), FHIR
R4 Consent Scope and Consent Category codes, HL7 v3 ActCode, ActReason and ParticipationType, and
FHIR EventTiming (see the comments next to the tables in src/openhat/fhir).
"""

from __future__ import annotations

from datetime import date

import pytest

from openhat.enrolment.models import Consent, ConsentKind
from openhat.fhir import common
from openhat.fhir.consent import fhir_consent
from openhat.fhir.medication_request import MEDICATIONS, ROUTES, WINDOWS, _route
from openhat.rules.context import Drug, Route, SessionWindow

ATC = {
    "dam": ("N07BC06", "diamorphine"),
    "hdm": ("N02AA03", "hydromorphone"),
    "methadone": ("N07BC02", "methadone"),
    "srom": ("N02AA01", "morphine"),
    "buprenorphine": ("N07BC01", "buprenorphine"),
    "naltrexone_xr": ("N07BB04", "naltrexone"),
}
SNOMED_ROUTES = {
    "iv": ("47625008", "Intravenous route"),
    "im": ("78421000", "Intramuscular route"),
    "sc": ("34206005", "Subcutaneous route"),
    "oral": ("26643006", "Oral route"),
    "inhaled": ("447694001", "Respiratory tract route"),
}
SYSTEMS = {
    "UCUM": "http://unitsofmeasure.org",
    "SNOMED": "http://snomed.info/sct",
    "ATC": "http://www.whocc.no/atc",
    "V3_ACT_CODE": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
    "V3_ACT_REASON": "http://terminology.hl7.org/CodeSystem/v3-ActReason",
    "V3_PARTICIPATION_TYPE": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
    "CONSENT_SCOPE": "http://terminology.hl7.org/CodeSystem/consentscope",
    "LOINC": "http://loinc.org",
}
LOINC = SYSTEMS["LOINC"]
ACT_CODE = SYSTEMS["V3_ACT_CODE"]
ACT_REASON = SYSTEMS["V3_ACT_REASON"]
# kind: (scope, scope display, category (system, code, display), purpose (code, display) or None)
CONSENT_CODES = {
    "treatment": (
        "treatment",
        "Treatment",
        (LOINC, "59284-0", "Patient Consent"),
        (ACT_REASON, "TREAT", "treatment"),
    ),
    "research": (
        "research",
        "Research",
        (ACT_CODE, "RESEARCH", "research information access"),
        (ACT_REASON, "HRESCH", "healthcare research"),
    ),
    "release_of_information": (
        "patient-privacy",
        "Privacy Consent",
        (ACT_CODE, "IDSCL", "information disclosure"),
        None,
    ),
}


def test_every_drug_has_its_atc_code() -> None:
    assert {drug: MEDICATIONS[drug][:2] for drug in Drug} == ATC


def test_every_route_has_its_snomed_code() -> None:
    assert {route: ROUTES[route][:2] for route in Route} == SNOMED_ROUTES


@pytest.mark.parametrize("route", list(Route))
def test_a_single_route_is_sent_coded(route: Route) -> None:
    code, display = SNOMED_ROUTES[route]
    concept = _route([route.value])
    assert concept["coding"] == [
        {"system": "http://snomed.info/sct", "code": code, "display": display}
    ]


def test_a_choice_of_routes_is_text_only() -> None:
    assert _route(["iv", "im"]) == {"text": "Intravenous or Intramuscular"}


def test_session_windows_are_event_timing_codes() -> None:
    assert {window: WINDOWS[window] for window in SessionWindow} == {
        "morning": "MORN",
        "midday": "NOON",
        "evening": "EVE",
    }


@pytest.mark.parametrize("name", SYSTEMS)
def test_code_system_uris(name: str) -> None:
    assert getattr(common, name) == SYSTEMS[name]


def _consent(kind: str) -> Consent:
    # Unsaved; the mapper's look-up of a revocation (none) is the only query.
    release = kind == ConsentKind.RELEASE_OF_INFORMATION
    return Consent(
        pk=7,
        kind=kind,
        given_on=date(2026, 1, 5),
        expires_on=date(2026, 12, 31) if release else None,
        recipient="Family doctor" if release else "",
        purpose="Continuity of care" if release else "",
        covers=["prescriptions"] if release else [],
    )


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(ConsentKind))
def test_consent_scope_category_and_purpose_codes(kind: ConsentKind) -> None:
    scope, scope_display, category, purpose = CONSENT_CODES[kind]
    resource = fhir_consent(_consent(kind), client_code="ZRH-0001", today=date(2026, 2, 1))

    coding = resource.scope.coding[0]
    assert (coding.system, coding.code, coding.display) == (
        "http://terminology.hl7.org/CodeSystem/consentscope",
        scope,
        scope_display,
    )
    category_coding = resource.category[0].coding[0]
    assert (category_coding.system, category_coding.code, category_coding.display) == category
    purposes = resource.provision.purpose or []
    if purpose is None:
        assert [(p.system, p.code, p.display) for p in purposes] == [
            (None, None, "Continuity of care")
        ]
    else:
        assert [(p.system, p.code, p.display) for p in purposes] == [purpose]


@pytest.mark.django_db
def test_a_release_names_its_recipient_role_and_the_part_2_policy() -> None:
    resource = fhir_consent(
        _consent(ConsentKind.RELEASE_OF_INFORMATION), client_code="ZRH-0001", today=date(2026, 2, 1)
    )
    role = resource.provision.actor[0].role.coding[0]
    assert (role.system, role.code, role.display) == (
        "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
        "IRCP",
        "information recipient",
    )
    policy = resource.policyRule.coding[0]
    assert (policy.system, policy.code, policy.display) == (ACT_CODE, "42CFRPart2", "42 CFR Part2")
