"""Nosyk et al. (CMAJ 2012) Table 2: the results this implementation must reproduce.

Costs in Can$ x 1000 per person, discounted; cost shares in % (treatment, health-resource use,
criminal activity); QALYs discounted. Diacetylmorphine was cost-saving (dominant) at every horizon.
"""

from __future__ import annotations

from dataclasses import dataclass

SOURCE = "N12T2"
HORIZONS: tuple[tuple[str, float | None], ...] = (
    ("1 year", 1.0),
    ("5 years", 5.0),
    ("10 years", 10.0),
    ("lifetime", None),
)


@dataclass(frozen=True)
class PublishedArm:
    cost_thousands: float
    shares: tuple[float, float, float]  # treatment, health resources, crime (% of cost)
    qalys: float
    cost_interval: tuple[float, float]  # 95% credibility interval
    qaly_interval: tuple[float, float]


@dataclass(frozen=True)
class PublishedHorizon:
    label: str
    years: float | None
    dam: PublishedArm
    mmt: PublishedArm
    verdict: str = "dominant"  # diacetylmorphine costs less and gains more


TABLE_2: tuple[PublishedHorizon, ...] = (
    PublishedHorizon(
        "1 year",
        1.0,
        PublishedArm(85.9, (17.7, 4.2, 78.1), 0.86, (63.8, 116.7), (0.83, 0.90)),
        PublishedArm(87.7, (3.7, 6.5, 89.8), 0.85, (63.9, 119.8), (0.81, 0.89)),
    ),
    PublishedHorizon(
        "5 years",
        5.0,
        PublishedArm(387.7, (12.3, 8.2, 79.5), 3.43, (293.4, 511.6), (3.26, 3.59)),
        PublishedArm(418.3, (2.5, 11.2, 86.2), 3.32, (297.0, 579.0), (3.14, 3.47)),
    ),
    PublishedHorizon(
        "10 years",
        10.0,
        PublishedArm(696.0, (10.4, 11.1, 78.5), 5.61, (504.9, 960.0), (5.29, 5.90)),
        PublishedArm(743.8, (2.3, 14.0, 83.8), 5.39, (515.1, 1059.7), (5.08, 5.67)),
    ),
    PublishedHorizon(
        "lifetime",
        None,
        PublishedArm(1096.1, (9.3, 14.1, 76.7), 7.92, (724.1, 1707.2), (7.32, 8.53)),
        PublishedArm(1137.6, (2.1, 16.7, 81.2), 7.46, (736.8, 1776.5), (6.91, 8.01)),
    ),
)
