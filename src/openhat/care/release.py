"""May a referral send the patient's data to its partner? (CLINIC.md §3.3, §10)

Each data category the referral sends needs a release-of-information consent that names the
partner as recipient (ignoring case and spacing), covers that category, and holds on the day of
sending: given on or before it, not expired (expires_on is the last day it holds), not revoked on
or before it. Counselling notes go only under a consent of their own (the enrolment models
refuse a consent that names them beside anything else; US 42 CFR Part 2, 2024 rule).
"""

from __future__ import annotations

from datetime import date

from openhat.core.errors import DomainError
from openhat.enrolment.checks import consent_holds, normalise_text
from openhat.enrolment.models import Consent, ConsentKind, DataCategory
from openhat.patients.models import Patient

REFUSED = "referral_consent_missing"


def _same_recipient(a: str, b: str) -> bool:
    return normalise_text(a).casefold() == normalise_text(b).casefold()


def _why_not(candidates: list[Consent], label: str, recipient: str, on: date) -> str:
    """Why no consent holds, told from the newest consent given by `on` (the one staff expect)."""
    if not candidates:
        return f"no release-of-information consent for {recipient} covers {label}"
    given = [c for c in candidates if c.given_on <= on]
    if not given:
        return f"the consent for {recipient} covering {label} was given after {on.isoformat()}"
    newest = given[0]  # candidates come newest first
    revocation = getattr(newest, "revocation", None)
    if revocation is not None and revocation.revoked_on <= on:
        return (
            f"the consent for {recipient} covering {label} (given {newest.given_on.isoformat()}) "
            f"was revoked on {revocation.revoked_on.isoformat()}"
        )
    expiry = newest.expires_on.isoformat() if newest.expires_on else "?"
    return (
        f"the consent for {recipient} covering {label} (given {newest.given_on.isoformat()}) "
        f"expired on {expiry}"
    )


def consents_for_sending(
    patient: Patient, *, recipient: str, categories: list[str], on: date
) -> list[Consent]:
    """The consents that allow sending `categories` to `recipient` on `on` (one per category,
    shared where one consent covers several), or DomainError `referral_consent_missing` whose
    message names each consent that is missing and why."""
    if not categories:
        return []
    consents = [
        c
        for c in Consent.objects.filter(patient=patient, kind=ConsentKind.RELEASE_OF_INFORMATION)
        .select_related("revocation")
        .order_by("-given_on", "-id")
        if _same_recipient(c.recipient, recipient)
    ]
    relied_on: list[Consent] = []
    missing: list[str] = []
    for category in categories:
        label = DataCategory(category).label.split(" (")[0].lower()
        covering = [c for c in consents if category in c.covers]
        holding = next((c for c in covering if consent_holds(c, on)), None)
        if holding is None:
            missing.append(_why_not(covering, label, normalise_text(recipient), on))
        elif holding not in relied_on:
            relied_on.append(holding)
    if missing:
        extra = (
            " Counselling notes need a consent of their own that names them."
            if DataCategory.COUNSELLING_NOTES in categories
            else ""
        )
        raise DomainError(
            REFUSED,
            f"Not sent: {'; '.join(missing)} on {on.isoformat()}. Record the patient's "
            f"release-of-information consent first, or send less.{extra}",
            "sends_data",
        )
    return relied_on
