"""The pilot planner's probabilistic analysis: seconds for a full plan with 1,000 draws.

A plan runs the published model (Nosyk et al., CMAJ 2012) for the programme and its comparator
over every draw, plus the one-way sensitivity rows, in one vectorised pass. Timed for the cited
US-city example at a 10-year horizon and at the lifetime horizon (60 years, the slowest), and
the reproduction of the published table. Target (issue 16): under 30 s. No database needed.

    .venv/bin/python bench/planner_psa.py [--draws 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

from openhat.planner import LocalInputs, plan, reproduce

TARGET_SECONDS = 30.0


def timed(label: str, repeat: int, run) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    print(f"{label:<52} best of {repeat}: {best:6.2f} s  ({best / TARGET_SECONDS:.0%} of target)")
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    example = LocalInputs.example_us_city()
    lifetime = replace(example, horizon_years=60)
    timed("reproduce() (deterministic, all horizons)", args.repeat, reproduce)
    timed(
        f"plan(), 10 years, {args.draws} draws",
        args.repeat,
        lambda: plan(example, draws=args.draws, seed=0),
    )
    timed(
        f"plan(), 60 years, {args.draws} draws",
        args.repeat,
        lambda: plan(lifetime, draws=args.draws, seed=0),
    )


if __name__ == "__main__":
    main()
