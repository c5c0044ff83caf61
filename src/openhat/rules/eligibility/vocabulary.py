"""The words of eligibility: treatment kinds and outcomes, criterion kinds, statuses, verdicts, facts."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType


class TreatmentKind(StrEnum):
    METHADONE = "methadone"
    BUPRENORPHINE = "buprenorphine"
    SROM = "srom"  # slow-release oral morphine
    INJECTABLE_OAT = "injectable_oat"
    RESIDENTIAL = "residential"
    ABSTINENCE = "abstinence"
    OTHER = "other"


class TreatmentOutcome(StrEnum):
    FAILED = "failed"  # not effective; may still be running (ended_on empty)
    ABANDONED = "abandoned"  # stopped by the patient
    ONGOING = "ongoing"  # still running, effectiveness not judged
    COMPLETED = "completed"  # ended as planned
    UNKNOWN = "unknown"  # not recorded


# An abandoned or completed treatment has, by its nature, ended; an ongoing one has not.
_OUTCOMES_THAT_END = frozenset({TreatmentOutcome.ABANDONED, TreatmentOutcome.COMPLETED})


class HeroinRoute(StrEnum):
    INJECTING = "injecting"
    SMOKING = "smoking"


class CriterionKind(StrEnum):
    MIN_AGE = "min_age"
    MAX_AGE = "max_age"
    MIN_YEARS_DEPENDENCE = "min_years_dependence"
    MIN_YEARS_OPIOID_USE = "min_years_opioid_use"
    MIN_YEARS_INJECTING = "min_years_injecting"
    MIN_PRIOR_TREATMENTS = "min_prior_treatments"
    MIN_LONG_TREATMENT = "min_long_treatment"
    MIN_METHADONE_DOSE = "min_methadone_dose"
    MIN_SHARE_OF_DAYS = "min_share_of_days"
    FACT_TRUE = "fact_true"
    EXCLUSION = "exclusion"


class CriterionStatus(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"


class EligibilityVerdict(StrEnum):
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    INCOMPLETE = "incomplete"
    ELIGIBLE_BY_EXCEPTION = "eligible_by_exception"


# The yes/no facts a criterion may name, with the wording used in evidence sentences.
FACTS: Mapping[str, str] = MappingProxyType(
    {
        "has_deficits": "has psychological, physical or social deficits",
        "considerable_deficits": "has considerable medical, psychological or social deficits",
        "severe_heroin_dependence": "has severe heroin dependence",
        "severe_somatic_and_psychological_disorders": "has severe somatic and psychological disorders",
        "predominantly_iv": "uses heroin predominantly intravenously",
        "daily_heroin_beside_methadone": "uses heroin daily beside methadone",
        "regular_methadone_attendance_6m": "attended methadone dispensing regularly in the last 6 months",
        "severe_oud": "has severe opioid use disorder",
        "ongoing_illicit_injection": "injects illicit opioids at present",
        "prior_oral_oat_ineffective": "had oral opioid agonist treatment that was not effective",
        "pregnant": "is pregnant",
        "likely_incarceration": "is likely to be incarcerated during treatment",
    }
)
