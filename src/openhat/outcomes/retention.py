"""Retention: Kaplan-Meier from the start of treatment to the exit, censored at the period's end.

Two definitions side by side:
- **in HAT**: any exit ends retention;
- **in any addiction treatment**: NAOMI's primary outcome [S13], in which a move to oral OAT counts
  as retained; an exit to oral OAT or a transfer to another clinic is not an event, and the
  patient counts as retained up to the period's end (censored there).
The entry cohort is every patient whose treatment started within the period (outcomes.cohort);
3, 6 and 12 months are read at day 91, 182 and 365.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from openhat.clinics.models import Clinic
from openhat.outcomes.cohort import STILL_IN_TREATMENT, Episode, episodes, starters
from openhat.outcomes.period import Cohort, CohortDrug, Period
from openhat.outcomes.stats import Survival, kaplan_meier

MONTH_DAYS = {3: 91, 6: 182, 12: 365}

DEFINITION = (
    "Kaplan-Meier estimate of the share still in treatment, from the start (first dose) to the "
    "exit, for patients who started within the period; anyone still in treatment is censored at "
    "the period's last day. In HAT: any exit ends retention. In any addiction treatment (NAOMI's "
    "primary outcome): an exit to oral OAT or a transfer to another clinic counts as retained."
)


@dataclass(frozen=True)
class RetentionGroup:
    key: str
    label: str
    in_hat: Survival
    in_any: Survival


@dataclass(frozen=True)
class Retention:
    period: Period
    cohort: Cohort
    overall: RetentionGroup
    by_drug: tuple[RetentionGroup, ...]
    by_start_year: tuple[RetentionGroup, ...]
    definition: str = DEFINITION

    @property
    def empty(self) -> bool:
        return self.overall.in_hat.n == 0


def _durations(group: Sequence[Episode], period: Period, *, any_treatment: bool) -> Survival:
    durations: list[float] = []
    events: list[bool] = []
    for episode in group:
        exited = episode.exit is not None and episode.exit <= period.last
        if exited and any_treatment and episode.exit_reason in STILL_IN_TREATMENT:
            exited = False
        end = episode.exit if exited and episode.exit is not None else period.last
        durations.append(float((end - episode.start).days))
        events.append(exited)
    return kaplan_meier(durations, events, list(MONTH_DAYS.values()))


def _group(key: str, label: str, group: Sequence[Episode], period: Period) -> RetentionGroup:
    return RetentionGroup(
        key,
        label,
        _durations(group, period, any_treatment=False),
        _durations(group, period, any_treatment=True),
    )


def retention_of(all_episodes: Sequence[Episode], period: Period, cohort: Cohort) -> Retention:
    """Pure: the retention figures of the episodes (outcomes.cohort.episodes) for the filter."""
    cohort_episodes = starters(all_episodes, period, cohort)
    by_drug = tuple(
        _group(drug, label, [e for e in cohort_episodes if e.drug == drug], period)
        for drug, label in CohortDrug.LABELS.items()
        if cohort.drug in (None, drug)
    )
    years = sorted({e.start.year for e in cohort_episodes})
    by_year = tuple(
        _group(
            str(year),
            f"Started in {year}",
            [e for e in cohort_episodes if e.start.year == year],
            period,
        )
        for year in years
    )
    return Retention(
        period,
        cohort,
        _group("all", "Every patient in the cohort", cohort_episodes, period),
        by_drug,
        by_year,
    )


def retention(clinic: Clinic, period: Period, cohort: Cohort) -> Retention:
    return retention_of(episodes(clinic), period, cohort)
