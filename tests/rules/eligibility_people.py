"""People for eligibility scenarios: one who meets every criterion of every preset, and variations."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from openhat.rules.eligibility import (
    FACTS,
    EligibilityFacts,
    HeroinRoute,
    MethadoneDosePeriod,
    PriorTreatment,
    TreatmentKind,
    TreatmentOutcome,
)

ASSESSED_ON = date(2026, 11, 22)
NEGATIVE_FACTS = {"pregnant", "likely_incarceration"}


def born_turning(age: int, days_later: int = 0) -> date:
    """Born so that the person turns `age` on the assessment day (or `days_later` days after it)."""
    return ASSESSED_ON.replace(year=ASSESSED_ON.year - age) + timedelta(days=days_later)


def treatment(
    kind: str, started: str, ended: str | None, outcome: str, dose_mg: str | None = None
) -> PriorTreatment:
    return PriorTreatment(
        TreatmentKind(kind),
        date.fromisoformat(started),
        None if ended is None else date.fromisoformat(ended),
        TreatmentOutcome(outcome),
        None if dose_mg is None else Decimal(dose_mg),
    )


def dose(started: str, ended: str | None, mg: int | str) -> MethadoneDosePeriod:
    return MethadoneDosePeriod(
        date.fromisoformat(started),
        None if ended is None else date.fromisoformat(ended),
        Decimal(mg),
    )


FAILED_METHADONE_18_MONTHS = treatment("methadone", "2019-01-01", "2020-06-30", "failed")
ABANDONED_BUPRENORPHINE = treatment("buprenorphine", "2021-01-01", "2021-03-31", "abandoned")
CURRENT_METHADONE_SINCE_2024 = treatment("methadone", "2024-01-01", None, "ongoing")

EVERYWHERE_ELIGIBLE = EligibilityFacts(
    assessed_on=ASSESSED_ON,
    date_of_birth=born_turning(40),
    years_dependent=Decimal(12),
    years_opioid_use=Decimal(14),
    years_injecting=Decimal(10),
    prior_treatments=(
        FAILED_METHADONE_18_MONTHS,
        ABANDONED_BUPRENORPHINE,
        CURRENT_METHADONE_SINCE_2024,
    ),
    methadone_doses=(dose("2024-01-01", None, 80),),
    heroin_route=HeroinRoute.INJECTING,
    share_of_days_injecting_last_90=Decimal(80),
    flags={name: name not in NEGATIVE_FACTS for name in FACTS},
)


def person(**changes: Any) -> EligibilityFacts:
    """The person who meets every criterion, with some facts changed; flags merge."""
    flags = changes.pop("flags", None)
    if flags is not None:
        changes["flags"] = {**EVERYWHERE_ELIGIBLE.flags, **flags}
    return replace(EVERYWHERE_ELIGIBLE, **changes)
