"""A clinic's published transparency report, quoted on the brief beside the model's figures.

The quote reads the frozen report's stored text only (outcomes.PublicReport.content), never the
clinic's records: a number is shown exactly as the clinic published it, and a number the report
hides (a small count) stays hidden here. Beside each figure stands the model's own figure where it
has one (retention in treatment, overdoses), a trial's where the report's own trial list has one,
and "your input" for the places planned. Every figure carries its source: the report (its
clinic, month, version, address and SHA-256), the model's parameters, or the trial.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from openhat import planner
from openhat.core.errors import DomainError
from openhat.outcomes import public_services
from openhat.outcomes.models import PublicReport
from openhat.outcomes.published import PublishedFigure, published_figures
from openhat.planner.params import load_parameters
from openhat.planner.retention import still_in_treatment

FIELD = "quoted_report"
RETENTION_MONTHS = (3, 6, 12)
# The trials' figures set beside the clinic's, read from the outcomes page's file of published
# figures (outcomes/published/trials.toml, each with its citation and status) by key, in the
# words a council member reads.
RETENTION_TRIALS = (
    ("English trial (RIOTT) at 26 weeks", "riott-retention-26w-heroin"),
    ("German trial at 12 months", "german-retention-12m"),
)
STREET_HEROIN_TRIAL = (
    "Canadian trial (NAOMI)",
    "naomi-street-heroin-intake",
    "naomi-street-heroin-12m",
)


def _trial(key: str) -> PublishedFigure:
    return next(figure for figure in published_figures() if figure.key == key)


@dataclass(frozen=True)
class Beside:
    text: str
    source: str  # "" for the planner's own inputs


@dataclass(frozen=True)
class QuoteRow:
    key: str
    label: str
    clinic: str  # as the report published it, or why it is not shown
    beside: tuple[Beside, ...]


@dataclass(frozen=True)
class Quote:
    clinic_code: str
    clinic_name: str
    period: str
    version: int
    latest_version: int
    sha256: str
    frozen_on: str
    address: str
    threshold: int
    rows: tuple[QuoteRow, ...]

    @property
    def source(self) -> str:
        return (
            f"{self.clinic_name} ({self.clinic_code}), public transparency report for "
            f"{self.period}, version {self.version}, frozen {self.frozen_on}; {self.address}; "
            f"SHA-256 {self.sha256}"
        )


def choice_value(code: str, period: str, version: int) -> str:
    return f"{code}/{period}/v{version}"


def _unknown(value: str) -> DomainError:
    return DomainError(
        "quoted_report_unknown",
        f"No clinic has published a report “{value}” here: choose one of the published "
        "reports, or none.",
        FIELD,
    )


def report_for(value: str) -> PublicReport:
    """The frozen report a choice names ("ZRH/2026-11/v1"); anything else is refused."""
    code, _, rest = (value or "").partition("/")
    period, _, version = rest.partition("/v")
    if not (code and period and version.isdigit()) or len(value) > 40:
        raise _unknown(value[:40])
    try:
        return public_services.published(code, period, int(version)).report
    except DomainError:
        raise _unknown(value) from None


# local: a year of each clinic's published months in the form's list, so that a network of many
# clinics keeps a list one can read; an older month is quoted through the API or a scenario file.
MONTHS_OFFERED = 12

Choices = list[tuple[str, list[tuple[str, str]]]]


def _clinic_label(report: PublicReport) -> str:
    return f"{report.clinic.name} ({report.clinic.code})"


def published_count() -> int:
    """How many months the clinics have published (each month counted once, in its latest
    version)."""
    return len(public_services.published_index())


def check_same_report(report: PublicReport, sha256: str) -> None:
    """A scenario file names a report with its SHA-256: this installation's report of that name
    must be the same text (another installation's report of the same name is not quoted)."""
    if sha256 and report.content_sha256 != sha256:
        raise DomainError(
            "quoted_report_differs",
            "The file quotes a report of this name with other figures (its SHA-256 differs from "
            "the one published here): choose the report again, or none.",
            FIELD,
        )


def choices(keeping: str = "") -> Choices:
    """The form's list, grouped by clinic: each clinic's latest MONTHS_OFFERED published months
    (newest first, each in its latest version); and the version `keeping` names (a saved
    scenario's, which a later version or month may have followed), listed first."""
    grouped: dict[str, list[tuple[str, str]]] = {}
    for report in public_services.published_index():
        months = grouped.setdefault(_clinic_label(report), [])
        if len(months) < MONTHS_OFFERED:
            value = choice_value(report.clinic.code, report.period, report.version)
            months.append((value, f"{report.period}, version {report.version}"))
    found: Choices = list(grouped.items())
    offered = {value for _clinic, months in found for value, _label in months}
    if keeping and keeping not in offered:
        try:
            kept = report_for(keeping)
        except DomainError:
            return found
        label = f"{_clinic_label(kept)}, {kept.period}, version {kept.version}"
        found.insert(0, ("Quoted by this scenario", [(keeping, label)]))
    return found


def _percent(share: float) -> str:
    return f"{100 * share:.0f}%"


def _retention(content: dict[str, Any], months: int, hidden: str) -> str:
    table = next((t for t in content["tables"] if t["id"] == f"retention_{months}"), None)
    if table is None:  # a report of another schema: say nothing rather than guess
        return hidden
    cells = content["cells"]
    kept = cells.get(table["rows"][0]["cell"])
    started = cells.get(table["total"]["cell"])
    if started == 0:
        return "none started"
    if kept is None or started is None:
        return hidden
    return f"{kept} of {started} ({_percent(kept / started)})"


def _joined(parts: list[str]) -> str:
    """Several published figures in one cell; the same words said once."""
    if len(set(parts)) == 1:
        return f"{parts[0]}, each" if parts[0][:1].isdigit() else parts[0]
    return "; ".join(parts)


def _by_months(parts: list[str]) -> str:
    """The retention at 3, 6 and 12 months in one cell, each named by its months unless all three
    say the same."""
    if len(set(parts)) == 1:
        return _joined(parts)
    named = zip(RETENTION_MONTHS, parts, strict=True)
    return "; ".join(f"{months} months: {part}" for months, part in named)


def _counted(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


def _rate(content: dict[str, Any], numerator_suffix: str, hidden: str) -> str:
    period = content["period"]
    wanted = f"{period}/{numerator_suffix}"
    rate = next((r for r in content["rates"] if r["numerator"] == wanted), None)
    if rate is None:
        return hidden
    cells = content["cells"]
    count, days = cells.get(rate["numerator"]), cells.get(rate["denominator"])
    if days == 0:
        return "no injection-days"
    if rate["value"] is None or count is None or days is None:
        return hidden
    return f"{rate['value']} ({count} in {days:,})"


def _interview(content: dict[str, Any], point: str, item: str) -> str | None:
    suffix = f"/interviews/{point}/{item}/n"
    for row in content["interviews"]:
        if row["n_cell"].endswith(suffix):
            n = content["cells"].get(row["n_cell"])
            if row["mean"] is None or n is None:
                return None
            return f"{row['mean']} (n={n})"
    return None


def quote(report: PublicReport, inputs: planner.LocalInputs, site: str = "") -> Quote:
    """The report's figures; `site` (e.g. "https://clinic.example") makes its address whole."""
    content: dict[str, Any] = json.loads(report.content)
    period, threshold = content["period"], int(content["threshold"])
    cells = content["cells"]
    hidden = "not published"
    treated = cells.get(f"{period}/in_treatment/total")
    model_retention = "; ".join(_percent(still_in_treatment(m)) for m in RETENTION_MONTHS)
    retention_beside = [
        Beside(
            f"model: {model_retention}",
            "The planner's model: the diacetylmorphine episode's Weibull sojourn and the "
            f"state's mortality; {load_parameters().source_text('weibull_lambda_dam')}",
        )
    ]
    for name, key in RETENTION_TRIALS:
        figure = _trial(key)
        retention_beside.append(Beside(f"{name}: {_percent(figure.value)}", figure.citation))
    intake = _interview(content, "intake", "street_heroin_days")
    later = _interview(content, "month_12", "street_heroin_days")
    trial, intake_key, later_key = STREET_HEROIN_TRIAL
    before, after = _trial(intake_key), _trial(later_key)
    community = content["community"]
    incidents = sum(row["counts"].get("incident", 0) for row in community["months"])
    complaints = sum(row["counts"].get("complaint", 0) for row in community["months"])
    rows = (
        QuoteRow(
            "in_treatment",
            "People in treatment during the month",
            hidden if treated is None else f"{treated:,}",
            (Beside(f"your plan: {inputs.capacity:,} places", ""),),
        ),
        QuoteRow(
            "retention",
            "Still in treatment after 3, 6, 12 months",
            _by_months([_retention(content, m, hidden) for m in RETENTION_MONTHS]),
            tuple(retention_beside),
        ),
        QuoteRow(
            "safety",
            "Per 100 injection-days of heroin: adverse events; naloxone overdoses",
            _joined(
                [_rate(content, "adverse/dam", hidden), _rate(content, "naloxone/dam", hidden)]
            ),
            (
                Beside(
                    "none counted at the clinic by the model",
                    load_parameters().source_text("overdoses_per_year_dam"),
                ),
            ),
        ),
        QuoteRow("screens", "Urine screens with street heroin found", _share(content, hidden), ()),
        QuoteRow(
            "street_heroin_days",
            "Street-heroin days in 30: intake; 12 months",
            _joined([intake or hidden, later or hidden]),
            (Beside(f"{trial}: {before.value:g}; {after.value:g}", before.citation),),
        ),
        QuoteRow(
            "community",
            f"Logged near the clinic over {len(community['months'])} months",
            f"{_counted(incidents, 'incident')}; {_counted(complaints, 'complaint')}",
            (),
        ),
    )
    address = reverse(
        "public:report_version",
        kwargs={"code": report.clinic.code, "period": period, "version": report.version},
    )
    return Quote(
        clinic_code=report.clinic.code,
        clinic_name=content["clinic"]["name"],
        period=period,
        version=report.version,
        latest_version=public_services.latest_version(report.clinic, period),
        sha256=report.content_sha256,
        frozen_on=report.frozen_at.date().isoformat(),
        address=f"{site}{address}",
        threshold=threshold,
        rows=rows,
    )


def _share(content: dict[str, Any], hidden: str) -> str:
    period = content["period"]
    cells = content["cells"]
    positive, tested = (
        cells.get(f"{period}/screens/positive"),
        cells.get(f"{period}/screens/tested"),
    )
    if tested == 0:
        return "no screens tested in the month"
    if positive is None or tested is None:
        return hidden
    return f"{_percent(positive / tested)} ({positive} of {tested} tested)"
