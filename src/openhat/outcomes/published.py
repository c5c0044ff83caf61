"""The published figures (outcomes/published/trials.toml) and the check that loads them.

Each row carries its source key, citation, definition and the research notes' status (confirmed,
derived, unconfirmed); a row that lacks one, or names a measure the page cannot show, stops the
load with a clear message (pure Python: no Django).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

TRIALS_FILE = Path(__file__).with_name("published") / "trials.toml"
STATUSES = ("confirmed", "derived", "unconfirmed")
DRUGS = ("", "dam", "hdm", "oral")

# The clinic figure each published measure sits beside: (label, unit of the clinic's value).
MEASURES: dict[str, str] = {
    "retention_12m_any": "Retained in any addiction treatment at 12 months",
    "retention_12m_hat": "Retained in HAT at 12 months",
    "retention_6m_hat": "Retained in HAT at 6 months",
    "street_heroin_days_intake": "Street-heroin days (last 30) at intake",
    "street_heroin_days_6m": "Street-heroin days (last 30) at 6 months",
    "street_heroin_days_12m": "Street-heroin days (last 30) at 12 months",
    "illegal_activity_days_intake": "Illegal-activity days (last 30) at intake",
    "illegal_activity_days_6m": "Illegal-activity days (last 30) at 6 months",
    "ae_per_100_injection_days_first_3_days": "Adverse events per 100 injection-days, first 3 days",
    "naloxone_per_100_injection_days_first_3_days": (
        "Naloxone overdoses per 100 injection-days, first 3 days"
    ),
    "naloxone_per_10000_injections": "Naloxone overdoses per 10,000 injections",
    "naloxone_share_within_30_days_of_restart": (
        "Share of naloxone overdoses within 30 days of a (re)start"
    ),
    "injections_per_attended_day": "Injections per attended day",
    "days_attended": "Share of days attended",
    "sessions_attended": "Sessions attended over planned",
    "daily_dose_maintenance": "Mean daily dose in maintenance (mg)",
    "urine_street_heroin": "Urine screens with street-heroin markers",
}

REQUIRED = (
    "key",
    "study",
    "source",
    "citation",
    "measure",
    "drug",
    "arm",
    "value",
    "unit",
    "definition",
    "status",
)


class PublishedFileError(ValueError):
    pass


@dataclass(frozen=True)
class PublishedFigure:
    key: str
    study: str
    source: str
    citation: str
    measure: str
    drug: str
    arm: str
    value: float
    unit: str
    definition: str
    status: str
    low: float | None = None
    high: float | None = None
    note: str = ""

    @property
    def is_share(self) -> bool:
        return self.unit == "share"


def parse_figures(text: str) -> tuple[PublishedFigure, ...]:
    rows = tomllib.loads(text).get("figures", [])
    figures = []
    seen: set[str] = set()
    for index, row in enumerate(rows, start=1):
        missing = [name for name in REQUIRED if name not in row]
        if missing:
            raise PublishedFileError(f"figure {index}: missing {', '.join(missing)}")
        unknown = set(row) - {*REQUIRED, "low", "high", "note"}
        if unknown:
            raise PublishedFileError(f"figure {row['key']}: unknown fields {sorted(unknown)}")
        if row["status"] not in STATUSES:
            raise PublishedFileError(f"figure {row['key']}: status must be one of {STATUSES}")
        if row["measure"] not in MEASURES:
            raise PublishedFileError(f"figure {row['key']}: no clinic measure {row['measure']!r}")
        if row["drug"] not in DRUGS:
            raise PublishedFileError(f"figure {row['key']}: drug must be one of {DRUGS}")
        if row["key"] in seen:
            raise PublishedFileError(f"figure {row['key']}: the key is used twice")
        if row["unit"] == "share" and not 0 <= row["value"] <= 1:
            raise PublishedFileError(f"figure {row['key']}: a share is from 0 to 1")
        seen.add(row["key"])
        figures.append(PublishedFigure(**{**row, "value": float(row["value"])}))
    return tuple(figures)


@lru_cache(maxsize=1)
def published_figures() -> tuple[PublishedFigure, ...]:
    return parse_figures(TRIALS_FILE.read_text(encoding="utf-8"))
