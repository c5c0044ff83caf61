"""The patient status lifecycle (docs/domain.md §3): which transitions exist, and what each needs."""

from __future__ import annotations

from django.db import models


class PatientStatus(models.TextChoices):
    REFERRED = "referred", "Referred"
    ASSESSING = "assessing", "Assessing"
    ENROLLED = "enrolled", "Enrolled"
    SUSPENDED = "suspended", "Suspended"
    EXITED = "exited", "Exited"


class ExitReason(models.TextChoices):
    """docs/domain.md §3.8, plus exclusion (§3.7: e.g. diversion or violence)."""

    TRANSFER = "transfer", "Transfer to another clinic"
    ORAL_OAT = "oral_oat", "Switch to oral opioid agonist treatment"
    ABSTINENCE = "abstinence", "Abstinence-oriented treatment / abstinence"
    DROPOUT = "dropout", "Dropout"
    INCARCERATION = "incarceration", "Incarceration"
    DEATH = "death", "Death"
    EXCLUDED = "excluded", "Excluded (e.g. diversion, violence)"


ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    PatientStatus.REFERRED: frozenset({PatientStatus.ASSESSING, PatientStatus.EXITED}),
    PatientStatus.ASSESSING: frozenset({PatientStatus.ENROLLED, PatientStatus.EXITED}),
    PatientStatus.ENROLLED: frozenset({PatientStatus.SUSPENDED, PatientStatus.EXITED}),
    PatientStatus.SUSPENDED: frozenset({PatientStatus.ENROLLED, PatientStatus.EXITED}),
    # Readmission after an exit starts again at referral (and later re-titration).
    PatientStatus.EXITED: frozenset({PatientStatus.REFERRED}),
}

# Transitions that must carry a written reason (exit carries a coded reason instead).
NEEDS_NOTE = {
    (PatientStatus.ENROLLED, PatientStatus.SUSPENDED),
    (PatientStatus.SUSPENDED, PatientStatus.ENROLLED),
    (PatientStatus.EXITED, PatientStatus.REFERRED),
}

# Transitions only the enrolment service makes, after checking what enrolment requires.
NEEDS_ENROLMENT = {(PatientStatus.ASSESSING, PatientStatus.ENROLLED)}


def allowed_next(status: str) -> list[str]:
    return sorted(ALLOWED_TRANSITIONS[PatientStatus(status)])
