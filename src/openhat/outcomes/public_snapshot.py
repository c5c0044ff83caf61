"""The content of a public report: every count of a month, suppressed, as canonical JSON.

`build_content` gathers the counts (outcomes.public_counts), names each cell with a key that is
the same in every report that shows it ("2026-08/starts/total" is a start count in August's
report and the number at risk of August's cohort in November's), writes down the relations
between cells, and hides what outcomes.disclosure says to hide, given every earlier frozen
report of the clinic. The result holds no person: counts, means with their n, and labels.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from openhat.clinics.models import Clinic
from openhat.community.services import summary as community_summary
from openhat.outcomes import public_counts as counts
from openhat.outcomes.disclosure import (
    Relation,
    Report,
    earlier_of,
    earlier_versions,
    suppress_cells,
)
from openhat.outcomes.public_counts import DRUG_GROUPS, INJECTED, Month
from openhat.outcomes.public_references import CAVEAT, TRIALS

SCHEMA = 1
DRUG_LABELS = {
    "dam": "Diacetylmorphine (DAM)",
    "hdm": "Hydromorphone (HDM)",
    "oral": "Oral treatment or other",
}
POINT_LABELS = {"intake": "At intake", "month_12": "After 12 months"}
ITEM_LABELS = {
    "street_heroin_days": "Days of street-heroin use in the last 30",
    "illegal_activity_days": "Days of illegal activity in the last 30",
}


def canonical(content: dict[str, Any]) -> str:
    """The one text of a content: sorted keys, no spaces, UTF-8 as is. Its hash is the report's."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class _Tables:
    month: Month
    values: dict[str, int] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    tables: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self,
        table_id: str,
        title: str,
        rows: dict[str, tuple[str, int]],
        total: tuple[str, str, int],
        *,
        note: str = "",
    ) -> None:
        """Rows {key: (label, value)} and their total (key, label, value): one relation."""
        for key, (_label, value) in rows.items():
            self.values[key] = value
        total_key, total_label, total_value = total
        self.values[total_key] = total_value
        self.relations.append(Relation(total_key, tuple(rows)))
        self.tables.append(
            {
                "id": table_id,
                "title": title,
                "note": note,
                "rows": [{"label": label, "cell": key} for key, (label, _v) in rows.items()],
                "total": {"label": total_label, "cell": total_key},
            }
        )


def _by_drug(period: str, measure: str, found: dict[str, int], groups: tuple[str, ...]) -> Any:
    return {f"{period}/{measure}/{g}": (DRUG_LABELS[g], found[g]) for g in groups}


def build_content(
    clinic: Clinic,
    month: Month,
    threshold: int,
    *,
    earlier: list[dict[str, Any]],
    history: list[dict[str, Any]],
    complementary: bool = True,
) -> dict[str, Any]:
    """`earlier`: the contents of every earlier frozen report of the clinic (every version);
    `history`: the latest content of each other period, for the figures over time."""
    p = month.key
    t = _Tables(month)
    treated = counts.in_treatment(clinic, month)
    t.add(
        "in_treatment",
        "People in treatment during the month, by main medicine",
        _by_drug(p, "in_treatment", treated, DRUG_GROUPS),
        (f"{p}/in_treatment/total", "Everyone in treatment", sum(treated.values())),
        note="Everyone given at least one dose in the month.",
    )
    all_starts = counts.starts(clinic)
    started = counts.starts_in(all_starts, month)
    t.add(
        "starts",
        "People who started treatment in the month, by first medicine",
        _by_drug(p, "starts", started, DRUG_GROUPS),
        (f"{p}/starts/total", "Everyone who started", sum(started.values())),
    )
    for months in counts.RETENTION_MONTHS:
        cohort = month.shifted(-months)
        kept = counts.retention(clinic, all_starts, cohort, months)
        t.add(
            f"retention_{months}",
            f"Still in treatment {months} months after starting (started in {cohort.key})",
            {
                f"{cohort.key}/retained_{months}m/yes": ("Still in treatment", kept["retained"]),
                f"{cohort.key}/retained_{months}m/no": ("Left treatment", kept["not_retained"]),
            },
            (f"{cohort.key}/starts/total", "Started (at risk)", sum(kept.values())),
        )
    by_drug_measures = (
        (
            "doses",
            "Doses given under supervision, by medicine",
            "All doses",
            counts.doses(clinic, month),
            DRUG_GROUPS,
        ),
        (
            "injection_days",
            "Injection-days (a person's day with at least one injection), by medicine",
            "All injection-days",
            counts.injection_days(clinic, month),
            INJECTED,
        ),
        (
            "adverse",
            "Adverse events at the clinic, by medicine",
            "All adverse events",
            counts.adverse_events(clinic, month, naloxone_only=False),
            DRUG_GROUPS,
        ),
        (
            "naloxone",
            "Overdoses that needed naloxone, by medicine",
            "All overdoses needing naloxone",
            counts.adverse_events(clinic, month, naloxone_only=True),
            DRUG_GROUPS,
        ),
    )
    for key, title, total_label, found, groups in by_drug_measures:
        t.add(
            key,
            title,
            _by_drug(p, key, found, groups),
            (f"{p}/{key}/total", total_label, sum(found.values())),
        )
    screens = counts.urine_screens(clinic, month)
    t.add(
        "screens",
        "Urine screens tested for markers of street heroin",
        {
            f"{p}/screens/positive": ("Street heroin found", screens["positive"]),
            f"{p}/screens/negative": ("No street heroin found", screens["negative"]),
        },
        (f"{p}/screens/tested", "Screens tested", sum(screens.values())),
    )
    means = counts.interview_means(clinic, month)
    for mean in means:
        t.values[f"{p}/interviews/{mean.point}/{mean.item}/n"] = mean.n

    before = [as_report(c) for c in earlier]
    merged, merged_relations = earlier_of(before, p)
    result = suppress_cells(
        t.values,
        t.relations,
        threshold,
        earlier=merged,
        earlier_relations=merged_relations,
        versions=earlier_versions(before, p),
        complementary=complementary,
    )
    shown = result.shown
    community = community_summary(clinic, month.shifted(-11).first, month.last)
    content: dict[str, Any] = {
        "schema": SCHEMA,
        "clinic": {"code": clinic.code, "name": clinic.name},
        "period": p,
        "first_day": month.first.isoformat(),
        "last_day": month.last.isoformat(),
        "threshold": threshold,
        "cells": shown,
        "relations": [[r.total, list(r.parts)] for r in t.relations],
        "tables": t.tables,
        "rates": _rates(p, shown),
        "interviews": [
            {
                "point": POINT_LABELS[m.point],
                "item": ITEM_LABELS[m.item],
                "n_cell": f"{p}/interviews/{m.point}/{m.item}/n",
                "mean": None
                if m.mean is None or shown[f"{p}/interviews/{m.point}/{m.item}/n"] is None
                else f"{m.mean:.1f}",
            }
            for m in means
        ],
        "community": {
            "categories": [
                ["incident", "Incidents near the clinic"],
                ["complaint", "Complaints"],
                ["meeting", "Meetings"],
            ],
            "months": [{"month": m.month, "counts": m.counts} for m in community],
        },
        "history": [
            *_history(month, history),
            {"month": p, "frozen": True, "in_treatment": shown[f"{p}/in_treatment/total"]},
        ],
        "trials": TRIALS,
        "caveat": CAVEAT,
    }
    content["empty"] = not any(t.values.values()) and not any(m.total for m in community)
    return content


def as_report(content: dict[str, Any]) -> Report:
    return Report(
        content["period"],
        content["cells"],
        tuple(Relation(total, tuple(parts)) for total, parts in content["relations"]),
    )


def _rate(numerator: int | None, denominator: int | None, per: int) -> str | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return f"{numerator * per / denominator:.2f}"


def _rates(p: str, shown: dict[str, int | None]) -> list[dict[str, Any]]:
    """Rates on shown counts only: a rate over a hidden count is hidden too."""
    rates = []
    for drug in INJECTED:
        days = shown[f"{p}/injection_days/{drug}"]
        for measure, label in (
            ("adverse", "Adverse events per 100 injection-days"),
            ("naloxone", "Overdoses needing naloxone per 100 injection-days"),
        ):
            rates.append(
                {
                    "label": f"{label}, {DRUG_LABELS[drug]}",
                    "value": _rate(shown[f"{p}/{measure}/{drug}"], days, 100),
                    "numerator": f"{p}/{measure}/{drug}",
                    "denominator": f"{p}/injection_days/{drug}",
                }
            )
    rates.append(
        {
            "label": "Share of tested urine screens with street heroin, %",
            "value": _rate(shown[f"{p}/screens/positive"], shown[f"{p}/screens/tested"], 100),
            "numerator": f"{p}/screens/positive",
            "denominator": f"{p}/screens/tested",
        }
    )
    return rates


def _history(month: Month, history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """People in treatment in each of the 12 months up to this one, as each month's own frozen
    report published it (never recomputed): hidden there, hidden here; not frozen, not shown."""
    published = {c["period"]: c for c in history}
    rows = []
    for back in range(11, 0, -1):
        key = month.shifted(-back).key
        content = published.get(key)
        rows.append(
            {
                "month": key,
                "frozen": content is not None,
                "in_treatment": None
                if content is None
                else content["cells"].get(f"{key}/in_treatment/total"),
            }
        )
    return rows
