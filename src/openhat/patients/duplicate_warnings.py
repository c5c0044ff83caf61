"""The possible-duplicate warning as the acting staff member sees it, for registrations and for
corrections of identifying data.

Building the warning names the matches the actor may see, which is a read of their identity: it is
logged here, in its own transaction, because the refused write left its transaction unwritten.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from openhat.audit.models import AccessedRecord
from openhat.audit.services import record_access
from openhat.clinics.access import require
from openhat.clinics.models import Clinic
from openhat.clinics.roles import Capability
from openhat.core.clock import clinic_today
from openhat.patients.duplicates import (
    IdentityKeys,
    PossibleDuplicate,
    find_matches,
    fingerprint,
    newly_matching,
    shown_match,
)
from openhat.patients.models import Patient, PatientIdentity
from openhat.patients.validation import IdentityInput, clean_identity


def refusal(
    actor: User,
    matches: list[PatientIdentity],
    keys: IdentityKeys,
    token: str,
    *,
    stale: bool,
    correcting: bool = False,
) -> PossibleDuplicate:
    """The refusal, with every named match logged as a read of its identity."""
    with transaction.atomic():
        shown = tuple(shown_match(actor, identity, keys) for identity in matches)
        for identity, match in zip(matches, shown, strict=True):
            if match.visible:
                record_access(actor=actor, patient=identity.patient, record=AccessedRecord.IDENTITY)
    return PossibleDuplicate(shown, token, stale, correcting=correcting)


def keys_of(identity: IdentityInput) -> IdentityKeys:
    return IdentityKeys.of(identity.legal_name, identity.date_of_birth, identity.health_number)


def stored_keys(identity: PatientIdentity) -> IdentityKeys:
    """The keys as stored with the identity (kept up to date by PatientIdentity.save)."""
    return IdentityKeys(identity.name_key, identity.date_of_birth, identity.health_number_key)


def correction_matches(
    patient: Patient, before: IdentityKeys, after: IdentityKeys
) -> list[PatientIdentity]:
    """Other patients (any clinic) the corrected keys newly match; none when the keys are unchanged."""
    if before == after:
        return []
    return newly_matching(find_matches(after, exclude_patient_id=patient.pk), before, after)


def possible_duplicate(
    *, actor: User, clinic: Clinic, identity: IdentityInput
) -> PossibleDuplicate | None:
    """The warning a registration of this identity would answer now (its named matches logged as
    read), or None; registers nothing. For a page that must show the warning again."""
    require(actor, clinic, Capability.EDIT_PATIENTS)
    keys = keys_of(clean_identity(identity, clinic_today(clinic)))
    matches = find_matches(keys)
    if not matches:
        return None
    return refusal(actor, matches, keys, fingerprint(matches), stale=False)


def possible_duplicate_on_correction(
    *, actor: User, patient: Patient, identity: IdentityInput
) -> PossibleDuplicate | None:
    """The warning this correction of `patient`'s identity would answer now, or None; saves
    nothing. For the page that must show the warning again."""
    require(actor, patient.clinic_id, Capability.EDIT_PATIENTS)
    keys = keys_of(clean_identity(identity, clinic_today(patient.clinic)))
    current = PatientIdentity.objects.get(patient=patient)
    matches = correction_matches(patient, stored_keys(current), keys)
    if not matches:
        return None
    return refusal(actor, matches, keys, fingerprint(matches), stale=False, correcting=True)
