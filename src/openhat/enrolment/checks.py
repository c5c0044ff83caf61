"""Reads that other code asks before acting: does a consent hold, is a licence valid, may data leave.

These take no actor: the caller has already checked the actor's access to the patient (through
clinics.access / patients.access). Every export, letter, FHIR bundle or report that sends a
patient's data outside the clinic calls `release_consent` (or `release_allowed`) first, once per
data category it sends.

A consent holds on a day when it was given on or before that day, has not expired (expires_on is
the last day it holds) and was not revoked on or before that day.
"""

from __future__ import annotations

from datetime import date

from openhat.core.errors import DomainError
from openhat.enrolment.models import (
    Consent,
    ConsentKind,
    DataCategory,
    EligibilityAssessment,
    PatientLicence,
)
from openhat.patients.models import Patient
from openhat.rules.eligibility import EligibilityPreset, load_eligibility_preset


def normalise_text(text: str) -> str:
    """Trimmed, inner whitespace collapsed: how recipients and purposes are stored and matched."""
    return " ".join((text or "").split())


def _same(a: str, b: str) -> bool:
    return normalise_text(a).casefold() == normalise_text(b).casefold()


def eligibility_preset_of(patient: Patient) -> EligibilityPreset:
    return load_eligibility_preset(patient.clinic.jurisdiction_preset)


def consent_holds(consent: Consent, on: date) -> bool:
    if consent.given_on > on:
        return False
    if consent.expires_on is not None and on > consent.expires_on:
        return False
    revocation = getattr(consent, "revocation", None)
    return revocation is None or on < revocation.revoked_on


def _consents(patient: Patient, kind: ConsentKind) -> list[Consent]:
    return list(
        Consent.objects.filter(patient=patient, kind=kind)
        .select_related("revocation")
        .order_by("-given_on", "-id")
    )


def treatment_consents(patient: Patient) -> list[Consent]:
    """The patient's treatment consents, newest first, with any revocation loaded."""
    return _consents(patient, ConsentKind.TREATMENT)


def treatment_consent_on(patient: Patient, on: date) -> Consent | None:
    """The newest treatment consent that holds on `on`, if any."""
    return next((c for c in treatment_consents(patient) if consent_holds(c, on)), None)


def research_consent_valid(patient: Patient, on: date) -> bool:
    """Whether a research consent (pilot or trial) holds on `on`."""
    return any(consent_holds(c, on) for c in _consents(patient, ConsentKind.RESEARCH))


def licence_on(patient: Patient, on: date) -> PatientLicence | None:
    """The licence valid on `on` (the most recently issued one when several overlap)."""
    return (
        PatientLicence.objects.filter(patient=patient, valid_from__lte=on, valid_until__gte=on)
        .order_by("-valid_from", "-id")
        .first()
    )


def latest_assessment(patient: Patient) -> EligibilityAssessment | None:
    return EligibilityAssessment.objects.filter(patient=patient).order_by("-version").first()


def release_consent(
    patient: Patient, *, recipient: str, purpose: str, category: str, on: date
) -> Consent:
    """The release-of-information consent allowing `category` to go to `recipient` for `purpose`
    on `on`, or a DomainError whose code and message say why not.

    Recipient and purpose match the consent's wording, ignoring case and extra spaces.
    Codes: release_category_unknown, release_not_consented (nothing for this recipient),
    release_purpose_not_consented, release_category_not_covered, release_consent_not_yet_given,
    release_consent_expired, release_consent_revoked.
    """
    if category not in DataCategory.values:
        raise DomainError(
            "release_category_unknown",
            f"Unknown data category {category!r}; use one of {', '.join(DataCategory.values)}.",
            "category",
        )
    label = DataCategory(category).label.lower()
    for_recipient = [
        c
        for c in _consents(patient, ConsentKind.RELEASE_OF_INFORMATION)
        if _same(c.recipient, recipient)
    ]
    if not for_recipient:
        raise DomainError(
            "release_not_consented",
            f"No release-of-information consent names {normalise_text(recipient)!r}: "
            "nothing may be sent there.",
            "recipient",
        )
    for_purpose = [c for c in for_recipient if _same(c.purpose, purpose)]
    if not for_purpose:
        raise DomainError(
            "release_purpose_not_consented",
            f"The patient's consents for {normalise_text(recipient)!r} do not cover the purpose "
            f"{normalise_text(purpose)!r}.",
            "purpose",
        )
    covering = [c for c in for_purpose if category in c.covers]
    if not covering:
        extra = (
            " Counselling notes need a consent of their own."
            if category == DataCategory.COUNSELLING_NOTES
            else ""
        )
        raise DomainError(
            "release_category_not_covered",
            f"No consent for this recipient and purpose covers {label}.{extra}",
            "category",
        )
    holding = next((c for c in covering if consent_holds(c, on)), None)
    if holding is not None:
        return holding
    if all(c.given_on > on for c in covering):
        raise DomainError(
            "release_consent_not_yet_given",
            f"The consent covering {label} was given after {on.isoformat()}.",
            "on",
        )
    if any(getattr(c, "revocation", None) is not None for c in covering):
        raise DomainError(
            "release_consent_revoked",
            f"The patient revoked the consent covering {label}: nothing more may be sent.",
            "category",
        )
    raise DomainError(
        "release_consent_expired",
        f"The consent covering {label} expired; a new consent is needed.",
        "category",
    )


def release_allowed(
    patient: Patient, recipient: str, purpose: str, category: str, on: date
) -> bool:
    """Whether `category` of the patient's data may go to `recipient` for `purpose` on `on`."""
    try:
        release_consent(patient, recipient=recipient, purpose=purpose, category=category, on=on)
    except DomainError:
        return False
    return True
