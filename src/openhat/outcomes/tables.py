"""The outcomes report as tables: what the page shows under each plot, what each CSV holds and
what the PDF prints. Every number is written by outcomes.cells, so an aggregated reader's tables
are suppressed in one place for all three."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from openhat.outcomes.cells import Cells
from openhat.outcomes.period import CohortDrug
from openhat.outcomes.report import OutcomesReport
from openhat.outcomes.retention import MONTH_DAYS
from openhat.outcomes.safety import PHASE_LABELS
from openhat.outcomes.stats import Estimate, Rate
from openhat.outcomes.trajectories import POINT_LABELS
from openhat.rules.context import Drug

DRUG_LABELS = {**CohortDrug.LABELS, **{d.value: d.value.upper() for d in Drug}}
DRUG_LABELS.update({"methadone": "Methadone", "srom": "SROM", "buprenorphine": "Buprenorphine"})
STATUS_LABELS = {"confirmed": "Confirmed", "derived": "Derived", "unconfirmed": "Unconfirmed"}


@dataclass(frozen=True)
class Table:
    key: str  # also the CSV's name
    title: str
    definition: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows(self.rows)
        return buffer.getvalue()


def _retention(report: OutcomesReport, cells: Cells) -> Table:
    rows = []
    groups = [report.retention.overall, *report.retention.by_drug, *report.retention.by_start_year]
    # A drug nobody in the cohort is on has no row (the overall row is always shown).
    for group in [g for g in groups if g is report.retention.overall or g.in_hat.n]:
        for name, survival in (("In HAT", group.in_hat), ("In any treatment", group.in_any)):
            median = cells.days(
                survival.median_days,
                survival.median_low,
                survival.median_high,
                survival.n,
                survival.events,
            )
            row = [
                group.label,
                name,
                cells.count(survival.n),
                cells.count(survival.events),
                *median,
            ]
            for day in MONTH_DAYS.values():
                row.extend(cells.survival(survival.at[day], survival.events, survival.n))
            rows.append(tuple(row))
    columns = ["Group", "Retained", "Patients", "Exits", "Median", "Median 95% CI"]
    for months in MONTH_DAYS:
        columns += [f"{months} months", f"{months} months 95% CI", f"At risk at {months} months"]
    return Table("retention", "Retention", report.retention.definition, tuple(columns), tuple(rows))


def _attendance(report: OutcomesReport, cells: Cells) -> Table:
    rows = []
    parts = [("Every drug", report.attendance)]
    parts += [(DRUG_LABELS[d], a) for d, a in report.attendance_by_drug.items()]
    for label, part in parts:
        rows.append(
            (
                label,
                cells.count(part.patients),
                cells.count(part.planned_sessions),
                cells.count(part.attended_sessions),
                *cells.share(part.sessions)[:2],
                cells.count(part.days_in_treatment),
                cells.count(part.days_attended),
                *cells.share(part.days)[:2],
                cells.count(part.injections),
                cells.count(part.injection_days),
                *cells.rate(part.injections_per_day),
            )
        )
    columns = (
        "Drug", "Patients", "Sessions planned", "Sessions attended", "Attended share",
        "Attended 95% CI", "Days in treatment", "Days attended", "Days share", "Days 95% CI",
        "Injections", "Injection-days", "Injections per attended day", "Injections per day 95% CI",
    )  # fmt: skip
    return Table("attendance", "Attendance", report.attendance.definition, columns, tuple(rows))


def _doses(report: OutcomesReport, cells: Cells) -> Table:
    rows = []
    for dose in report.attendance.daily_doses:
        value, interval, n = cells.mean(dose.mg, 0)
        rows.append((DRUG_LABELS[dose.drug], dose.phase.capitalize(), n, value, interval))
    return Table(
        "daily_doses",
        "Mean daily dose given (mg)",
        "Each patient's mean daily total of the drug in the phase, then the mean over patients.",
        ("Drug", "Phase", "Patients", "Mean mg per day", "95% CI"),
        tuple(rows),
    )


def _safety(report: OutcomesReport, cells: Cells) -> Table:
    rows = tuple(
        (
            DRUG_LABELS[r.drug],
            PHASE_LABELS[r.phase],
            cells.count(r.events),
            cells.count(r.naloxone_overdoses),
            cells.count(r.injection_days),
            cells.count(r.injections),
            *cells.rate(r.per_100_injection_days),
            *cells.rate(r.per_10000_injections, 1),
            *cells.rate(r.naloxone_per_10000_injections, 1),
        )
        for r in report.safety.rows
    )
    columns = (
        "Drug", "Phase", "Adverse events", "Naloxone overdoses", "Injection-days", "Injections",
        "Per 100 injection-days", "95% CI", "Per 10,000 injections", "95% CI ",
        "Naloxone overdoses per 10,000 injections", "95% CI  ",
    )  # fmt: skip
    return Table("safety", "Adverse events", report.safety.definition, columns, rows)


def _restarts(report: OutcomesReport, cells: Cells) -> Table:
    s = report.safety
    share = cells.share(s.share_within_restart_window)
    return Table(
        "safety_restarts",
        "Events within 30 days of a (re)start",
        "Onset on the day of a (re)start or up to 30 days after it (SALOME: 5 of 11 naloxone "
        "overdoses).",
        (
            "Adverse events",
            "Within 30 days",
            "Share",
            "95% CI",
            "Naloxone overdoses",
            "Naloxone overdoses within 30 days",
        ),
        (
            (
                cells.count(s.events),
                cells.count(s.within_restart_window),
                share[0],
                share[1],
                cells.count(s.naloxone_overdoses),
                cells.count(s.naloxone_within_restart_window),
            ),
        ),
    )


def _responses(report: OutcomesReport, cells: Cells) -> Table:
    rows = tuple(
        (
            POINT_LABELS[r.point],
            cells.count(r.due),
            cells.count(r.interviewed),
            *cells.share(r.rate)[:2],
        )
        for r in report.trajectories.responses
    )
    return Table(
        "interview_responses",
        "Interviews done at each point",
        report.trajectories.definition,
        ("Point", "Patients due", "Interviewed", "Response rate", "95% CI"),
        rows,
    )


def _trajectories(report: OutcomesReport, cells: Cells) -> Table:
    rows = []
    for measure in report.trajectories.measures:
        for point in measure.points:
            change: tuple[str, str, str] = ("", "", "")
            if measure.unit == "share":
                value, interval, n = cells.share(point.mean)
                if point.change is not None:
                    change = cells.mean(_points(point.change), 1)
            else:
                value, interval, n = cells.mean(point.mean)
                if point.change is not None:
                    change = cells.mean(point.change)
            rows.append(
                (
                    measure.label,
                    POINT_LABELS[point.point],
                    n,
                    value,
                    interval,
                    change[2],
                    change[0],
                    change[1],
                )
            )
    return Table(
        "trajectories",
        "Interview measures over time",
        "Means among those interviewed; change from intake among those interviewed at both "
        "(for shares, in percentage points).",
        (
            "Measure",
            "Point",
            "Interviewed",
            "Mean or share",
            "95% CI",
            "Paired n",
            "Change from intake",
            "Change 95% CI",
        ),
        tuple(rows),
    )


def _points(estimate: Estimate) -> Estimate:
    """A change in a share (0-1) in percentage points."""

    def scaled(value: float | None) -> float | None:
        return None if value is None else value * 100

    return Estimate(scaled(estimate.value), scaled(estimate.low), scaled(estimate.high), estimate.n)


def _urine(report: OutcomesReport, cells: Cells) -> Table:
    rows = tuple(
        (b.label, cells.count(b.tested), cells.count(b.detected), *cells.share(b.share)[:2])
        for b in report.urine.buckets
    )
    overall = report.urine.overall
    total = (
        "Whole period",
        cells.count(overall.n),
        cells.count(sum(b.detected for b in report.urine.buckets)),
        *cells.share(overall)[:2],
    )
    return Table(
        "urine_screens",
        f"Urine screens with street-heroin markers, by {report.urine.by}",
        report.urine.definition,
        ("Period", "Screens tested for markers", "Street heroin detected", "Share", "95% CI"),
        (*rows, total) if rows else (),
    )


def _comparison(report: OutcomesReport, cells: Cells) -> Table:
    rows = []
    for row in report.comparison:
        figure = row.figure
        published = f"{figure.value:.1%}" if figure.is_share else f"{figure.value:,g}"
        if figure.low is not None and figure.high is not None:
            published += f" ({figure.low:,g} to {figure.high:,g})"
        if figure.is_share:
            clinic = cells.share(row.clinic)
        elif (
            figure.measure.startswith(("ae_", "naloxone_per")) or "injections_per" in figure.measure
        ):
            clinic = (*cells.rate(_as_rate(row.clinic)), cells.count(row.clinic.n))
        else:
            clinic = cells.mean(row.clinic)
        rows.append(
            (
                figure.study,
                figure.arm,
                figure.definition,
                published,
                *clinic,
                STATUS_LABELS[figure.status],
                f"{figure.source}: {figure.citation}",
                row.note,
            )
        )
    return Table(
        "published_comparison",
        "Beside the published figures",
        report.caveat,
        (
            "Study",
            "Arm",
            "What was measured",
            "Published",
            "This clinic",
            "95% CI",
            "n",
            "Status",
            "Source",
            "Note",
        ),
        tuple(rows),
    )


def _as_rate(estimate: Estimate) -> Rate:
    """A rate the report carries as an Estimate whose n is its event count."""
    return Rate(estimate.n, 0.0, 1.0, estimate.value, estimate.low, estimate.high)


def report_tables(report: OutcomesReport, cells: Cells) -> list[Table]:
    return [
        _comparison(report, cells),
        _retention(report, cells),
        _attendance(report, cells),
        _doses(report, cells),
        _safety(report, cells),
        _restarts(report, cells),
        _responses(report, cells),
        _trajectories(report, cells),
        _urine(report, cells),
    ]
