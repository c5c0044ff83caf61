"""Enrolment consents as FHIR R4 Consent resources (fhir.resources.R4B, validated).

Status on `today` (the clinic's day): active while the consent holds; inactive once it expired or
was revoked (FHIR: "terminated or replaced"); proposed if it was recorded as given on a later day.
FHIR's "rejected" means the patient refused a consent, which the clinic does not record.
Scope: treatment, research, or patient-privacy for a release of information, which also names
the recipient (actor, role IRCP), the purpose, the data categories it covers and the policy
(US 42 CFR Part 2).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta
from typing import Any

from fhir.resources.R4B.consent import Consent as FhirConsent

from openhat.core.clock import clinic_today
from openhat.enrolment.checks import consent_holds
from openhat.enrolment.models import Consent, ConsentKind, DataCategory
from openhat.fhir.common import (
    CONSENT_SCOPE,
    LOINC,
    V3_ACT_CODE,
    V3_ACT_REASON,
    V3_PARTICIPATION_TYPE,
    patient_reference,
)
from openhat.patients.models import Patient

CONSENT_SYSTEM = "urn:openhat:consent"
DATA_CATEGORY_SYSTEM = "urn:openhat:data-category"
PART_2 = "42 CFR Part 2"
# v3 ActCode _ActPrivacyLaw 42CFRPart2; its display is written "42 CFR Part2" in the code system
# (http://hl7.org/fhir/R4/v3/ActCode/cs.html; formerly v3-ActUSPrivacyLaw).
PART_2_CODE = ("42CFRPart2", "42 CFR Part2")

# kind: (scope code, scope display, category (system, code, display), purpose code or None).
# Sources (FHIR R4): scope: Consent Scope Codes,
# http://hl7.org/fhir/R4/codesystem-consent-scope.html (adr, research, patient-privacy "Privacy
# Consent", treatment); category: Consent Category Codes,
# http://hl7.org/fhir/R4/valueset-consent-category.html (LOINC 59284-0 "Patient Consent" and the
# v3 ActConsentType codes RESEARCH "research information access", IDSCL "information
# disclosure"); purpose: v3 ActReason, http://hl7.org/fhir/R4/v3/GeneralPurposeOfUse/vs.html
# (TREAT "treatment", HRESCH "healthcare research"); the recipient's role: v3 ParticipationType
# IRCP "information recipient".
_KINDS: dict[str, tuple[str, str, tuple[str, str, str], tuple[str, str] | None]] = {
    ConsentKind.TREATMENT: (
        "treatment",
        "Treatment",
        (LOINC, "59284-0", "Patient Consent"),
        ("TREAT", "treatment"),
    ),
    ConsentKind.RESEARCH: (
        "research",
        "Research",
        (V3_ACT_CODE, "RESEARCH", "research information access"),
        ("HRESCH", "healthcare research"),
    ),
    ConsentKind.RELEASE_OF_INFORMATION: (
        "patient-privacy",
        "Privacy Consent",
        (V3_ACT_CODE, "IDSCL", "information disclosure"),
        None,
    ),
}
_POLICY_TEXT: dict[str, str] = {
    ConsentKind.TREATMENT: "Consent to heroin-assisted treatment at the clinic",
    ConsentKind.RESEARCH: "Consent to take part in a pilot or trial",
    ConsentKind.RELEASE_OF_INFORMATION: PART_2,
}


def _status(consent: Consent, today: date) -> str:
    if consent_holds(consent, today):
        return "active"
    if consent.given_on > today:
        return "proposed"
    return "inactive"


def _last_day(consent: Consent) -> date | None:
    revocation = getattr(consent, "revocation", None)
    ends = [consent.expires_on] if consent.expires_on else []
    if revocation is not None:
        ends.append(revocation.revoked_on - timedelta(days=1))
    return min(ends, default=None)


def fhir_consent(consent: Consent, *, client_code: str, today: date) -> FhirConsent:
    scope, scope_display, (system, code, display), purpose = _KINDS[consent.kind]
    period: dict[str, Any] = {"start": consent.given_on.isoformat()}
    last_day = _last_day(consent)
    if last_day is not None:
        period["end"] = last_day.isoformat()
    provision: dict[str, Any] = {"type": "permit", "period": period}
    if purpose is not None:
        provision["purpose"] = [
            {"system": V3_ACT_REASON, "code": purpose[0], "display": purpose[1]}
        ]
    elif consent.purpose:
        provision["purpose"] = [{"display": consent.purpose}]
    if consent.kind == ConsentKind.RELEASE_OF_INFORMATION:
        provision["actor"] = [
            {
                "role": {
                    "coding": [
                        {
                            "system": V3_PARTICIPATION_TYPE,
                            "code": "IRCP",
                            "display": "information recipient",
                        }
                    ]
                },
                "reference": {"display": consent.recipient},
            }
        ]
        provision["class"] = [
            {"system": DATA_CATEGORY_SYSTEM, "code": item, "display": DataCategory(item).label}
            for item in consent.covers
        ]
    policy_rule: dict[str, Any] = {"text": _POLICY_TEXT[consent.kind]}
    if consent.kind == ConsentKind.RELEASE_OF_INFORMATION:
        policy_rule["coding"] = [
            {"system": V3_ACT_CODE, "code": PART_2_CODE[0], "display": PART_2_CODE[1]}
        ]
    data: dict[str, Any] = {
        "resourceType": "Consent",
        "id": f"consent-{consent.pk}",
        "identifier": [{"system": CONSENT_SYSTEM, "value": str(consent.pk)}],
        "status": _status(consent, today),
        "scope": {
            "coding": [{"system": CONSENT_SCOPE, "code": scope, "display": scope_display}],
            "text": consent.get_kind_display(),
        },
        "category": [{"coding": [{"system": system, "code": code, "display": display}]}],
        "patient": patient_reference(client_code),
        "dateTime": consent.given_on.isoformat(),
        "policyRule": policy_rule,
        "provision": provision,
    }
    return FhirConsent.model_validate(data)


def consents(
    patient: Patient, today: date | None = None, only: Collection[int] | None = None
) -> list[FhirConsent]:
    """The patient's consents (or those with an id in `only`), oldest first, as Consent
    resources, each with its status today.

    For the clinic's own staff. Sending these outside the clinic is a release of information:
    such an export must first call openhat.enrolment.checks.release_consent.
    """
    day = today or clinic_today(patient.clinic)
    rows = (
        Consent.objects.filter(patient=patient)
        .select_related("revocation")
        .order_by("given_on", "id")
    )
    if only is not None:
        rows = rows.filter(pk__in=list(only))
    return [fhir_consent(row, client_code=patient.client_code, today=day) for row in rows]
