"""The semi-Markov cohort model of Nosyk et al. (CMAJ 2012), vectorised over parameter draws.

States: diacetylmorphine (DAM, or hydromorphone), methadone (oral OAT), relapse (illicit use out of
treatment), abstinence, and death. How long a person stays in a state follows a Weibull sojourn
time, S(t) = exp(-lambda * m * t^gamma), so the chance of leaving depends on the time already
spent there (tunnel states) and on the episode number (the multiplier m for the 4th, 5th, 6th and
later episodes). Mortality is a standardised mortality ratio per state over a life table.

Every array has the draws as its first axis, so one call runs the whole probabilistic analysis.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

DAM, MMT, RELAPSE, ABSTINENCE = range(4)
STATE_NAMES = ("dam", "mmt", "relapse", "abstinence")
EPISODES = 4  # episodes up to the 3rd, then the 4th, 5th and 6th-or-later (own multipliers)
COMPONENTS = ("treatment", "health", "crime")


class Strategy(enum.StrEnum):
    """What a cohort starts on and goes back to after a relapse."""

    DAM = "dam"
    MMT = "mmt"
    NO_TREATMENT = "no_treatment"


@dataclass(frozen=True)
class Structure:
    """Fixed modelling choices (not sampled)."""

    cycle_months: float = 3.0
    tunnel_years: float = 10.0
    max_age: float = 100.0
    first_episode: int = 3  # NAOMI required at least two earlier treatment attempts

    @property
    def tunnel_cycles(self) -> int:
        return round(self.tunnel_years * 12 / self.cycle_months)


@dataclass(frozen=True)
class Trace:
    """Cohort occupancy per cycle (cycles+1, draws, states) and deaths per cycle by state."""

    occupancy: np.ndarray
    deaths: np.ndarray
    cycle_months: float

    @property
    def cycles(self) -> int:
        return self.deaths.shape[0]


def _weibull_exit(
    lam: np.ndarray, gam: np.ndarray, multipliers: np.ndarray, unit: np.ndarray, s: Structure
) -> np.ndarray:
    """Per draw, episode and time-in-state bin: the chance of leaving within the cycle."""
    bins = np.arange(s.tunnel_cycles + 1, dtype=float) * s.cycle_months  # months, bin edges
    t = bins[None, :] / unit[:, None]  # in the Weibull's own time unit
    cumulative = lam[:, None] * np.power(t, gam[:, None])  # (draws, bins+1)
    per_bin = np.diff(cumulative, axis=1)  # hazard mass of each bin
    hazard = multipliers[:, :, None] * per_bin[:, None, :]  # (draws, episodes, bins)
    return -np.expm1(-hazard)


def _multipliers(values: Mapping[str, np.ndarray], prefix: str, draws: int) -> np.ndarray:
    ones = np.ones(draws)
    if not prefix:
        return np.stack([ones] * EPISODES, axis=1)
    return np.stack(
        [ones, values[f"{prefix}_ep4"], values[f"{prefix}_ep5"], values[f"{prefix}_ep6"]],
        axis=1,
    )


def run_cohort(
    values: Mapping[str, np.ndarray],
    strategy: Strategy,
    *,
    structure: Structure | None = None,
    years: float | None = None,
) -> Trace:
    """Runs the cohort from its start age to `years` later (or to the maximum age)."""
    s = structure or Structure()
    draws = len(values["start_age"])
    unit = values["weibull_time_unit_months"]
    exits = np.stack(
        [
            _weibull_exit(
                values["weibull_lambda_dam"] * values.get("dam_retention_multiplier", 1.0),
                values["weibull_gamma_dam"],
                _multipliers(values, "treatment_multiplier", draws),
                unit,
                s,
            ),
            _weibull_exit(
                values["weibull_lambda_mmt"],
                values["weibull_gamma_mmt"],
                _multipliers(values, "treatment_multiplier", draws),
                unit,
                s,
            ),
            _weibull_exit(
                values["weibull_lambda_relapse"],
                values["weibull_gamma_relapse"],
                _multipliers(values, "relapse_multiplier", draws),
                unit,
                s,
            ),
            _weibull_exit(
                values["weibull_lambda_abstinence"],
                values["weibull_gamma_abstinence"],
                _multipliers(values, "", draws),
                unit,
                s,
            ),
        ],
        axis=1,
    )  # (draws, states, episodes, bins)
    mortality_ratio = (
        np.stack(
            [
                values["smr_dam"],
                values["smr_relapse"] * values["rr_mmt_vs_relapse"],
                values["smr_relapse"],
                values["smr_abstinence"],
            ],
            axis=1,
        )
        * values["excess_mortality_multiplier"][:, None]
    )
    dam_split = [values["dam_to_relapse"], values["dam_to_abstinence"], values["dam_to_mmt"]]
    dam_total = dam_split[0] + dam_split[1] + dam_split[2]
    to_relapse_from_dam, to_abstinence_from_dam, to_mmt_from_dam = (
        (p / dam_total)[:, None] for p in dam_split
    )
    to_relapse_from_mmt = values["mmt_to_relapse"][:, None]

    start_age = values["start_age"]
    total_years = float(s.max_age - start_age.min()) if years is None else years
    cycles = max(1, round(total_years * 12 / s.cycle_months))
    occ = np.zeros((draws, 4, EPISODES, s.tunnel_cycles))
    start_state = {Strategy.DAM: DAM, Strategy.MMT: MMT, Strategy.NO_TREATMENT: RELAPSE}[strategy]
    first = min(EPISODES - 1, max(0, s.first_episode - 3))
    occ[:, start_state, first, 0] = 1.0
    occupancy = np.empty((cycles + 1, draws, 4))
    deaths = np.empty((cycles, draws, 4))
    occupancy[0] = occ.sum(axis=(2, 3))
    ln_a, slope = values["background_ln_a"], values["background_slope"]
    years_per_cycle = s.cycle_months / 12
    for cycle in range(cycles):
        age = start_age + (cycle + 0.5) * years_per_cycle
        background = np.exp(ln_a + slope * age)  # yearly hazard from the life table
        hazard = background[:, None] * mortality_ratio * years_per_cycle
        dying = -np.expm1(-hazard)
        dying = np.where((age >= s.max_age)[:, None], 1.0, dying)
        alive = occ * (1.0 - dying)[:, :, None, None]
        deaths[cycle] = occupancy[cycle] * dying
        leaving = alive * exits
        staying = alive - leaving
        occ = np.empty_like(alive)
        occ[..., 1:] = staying[..., :-1]
        occ[..., 0] = 0.0
        occ[..., -1] += staying[..., -1]
        out = leaving.sum(axis=3)  # (draws, states, episodes)
        from_dam, from_mmt, from_relapse, from_abstinence = (out[:, i] for i in range(4))
        # A relapse ends in the next treatment episode (the strategy's treatment).
        next_episode = np.zeros_like(from_relapse)
        next_episode[:, 1:] = from_relapse[:, :-1]
        next_episode[:, -1] += from_relapse[:, -1]
        occ[:, RELAPSE, :, 0] += (
            from_dam * to_relapse_from_dam + from_mmt * to_relapse_from_mmt + from_abstinence
        )
        occ[:, ABSTINENCE, :, 0] += from_dam * to_abstinence_from_dam + from_mmt * (
            1.0 - to_relapse_from_mmt
        )
        occ[:, MMT, :, 0] += from_dam * to_mmt_from_dam
        if strategy is Strategy.NO_TREATMENT:
            # No treatment to return to: a relapse goes on (a new episode), except for the share
            # that methadone's exits send to abstinence (4.1%), taken as natural remission.
            occ[:, ABSTINENCE, :, 0] += next_episode * (1.0 - to_relapse_from_mmt)
            occ[:, RELAPSE, :, 0] += next_episode * to_relapse_from_mmt
        else:
            occ[:, start_state, :, 0] += next_episode
        occupancy[cycle + 1] = occ.sum(axis=(2, 3))
    return Trace(occupancy=occupancy, deaths=deaths, cycle_months=s.cycle_months)
