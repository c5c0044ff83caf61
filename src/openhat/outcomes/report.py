"""The whole outcomes report of a clinic for a period and cohort: each part's figures, and the
clinic's value beside each published figure. The records are read once; every figure is then
computed by the parts' pure functions (for every drug together and for each drug)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from openhat.clinics.models import Clinic
from openhat.outcomes.attendance import Attendance, attendance_of
from openhat.outcomes.cohort import Episode, episodes, in_treatment, starters
from openhat.outcomes.dosing_rows import dosing_record
from openhat.outcomes.period import Cohort, CohortDrug, Period
from openhat.outcomes.published import PublishedFigure, published_figures
from openhat.outcomes.retention import MONTH_DAYS, Retention, retention_of
from openhat.outcomes.safety import FIRST_DAYS, Safety, safety_of
from openhat.outcomes.stats import EMPTY, Estimate, Rate, poisson_rate, wilson
from openhat.outcomes.trajectories import Trajectories, interview_answers, trajectories_of
from openhat.outcomes.urine import UrineScreens, screen_findings, urine_of

HAT_COHORT_DRUGS = (CohortDrug.DAM, CohortDrug.HDM)
CAVEAT = (
    "A clinic's own cohort is not a randomised comparison. The trials enrolled selected "
    "participants, followed them to a protocol, and compared them with a control arm; a clinic's "
    "patients, follow-up and definitions differ, and small numbers give wide intervals. Read the "
    "published figures as a point of reference, not as a target or a test."
)


@dataclass(frozen=True)
class Comparison:
    figure: PublishedFigure
    clinic: Estimate  # EMPTY when the clinic has no value for it yet
    note: str  # why there is no value, or how the clinic's definition differs


@dataclass(frozen=True)
class OutcomesReport:
    clinic_code: str
    period: Period
    cohort: Cohort
    retention: Retention
    attendance: Attendance
    attendance_by_drug: dict[str, Attendance]
    safety: Safety
    trajectories: Trajectories
    trajectories_by_drug: dict[str, Trajectories]
    urine: UrineScreens
    comparison: tuple[Comparison, ...]
    caveat: str = CAVEAT

    @property
    def empty(self) -> bool:
        return (
            self.retention.empty
            and self.attendance.empty
            and self.safety.empty
            and self.trajectories.empty
            and self.urine.empty
        )


def _with_drug(cohort: Cohort, drug: str) -> Cohort:
    return Cohort(cohort.start_year, drug)


def _of_drug(patients: list[Episode], drug: str) -> list[Episode]:
    return [e for e in patients if e.drug == drug]


def outcomes_report(clinic: Clinic, period: Period, cohort: Cohort) -> OutcomesReport:
    all_episodes = episodes(clinic)
    treated = in_treatment(all_episodes, period, cohort)
    started = starters(all_episodes, period, cohort)
    record = dosing_record(clinic, period, treated)
    answered = interview_answers(clinic, started, period)
    drugs = [d for d in HAT_COHORT_DRUGS if cohort.drug in (None, d)]
    attendance_by_drug = {
        d: attendance_of(
            _of_drug(treated, d),
            record.only(e.patient_id for e in _of_drug(treated, d)),
            period,
            _with_drug(cohort, d),
        )
        for d in drugs
    }
    trajectories_by_drug = {
        d: trajectories_of(_of_drug(started, d), answered, period, _with_drug(cohort, d))
        for d in drugs
    }
    report = OutcomesReport(
        clinic_code=clinic.code,
        period=period,
        cohort=cohort,
        retention=retention_of(all_episodes, period, cohort),
        attendance=attendance_of(treated, record, period, cohort),
        attendance_by_drug=attendance_by_drug,
        safety=safety_of(treated, record, period, cohort),
        trajectories=trajectories_of(started, answered, period, cohort),
        trajectories_by_drug=trajectories_by_drug,
        urine=urine_of(
            screen_findings(clinic, [e.patient_id for e in treated], period), period, cohort
        ),
        comparison=(),
    )
    return _compared(report)


def _rate(rate: Rate) -> Estimate:
    return Estimate(rate.value, rate.low, rate.high, rate.events)


def _clinic_value(report: OutcomesReport, figure: PublishedFigure) -> tuple[Estimate, str]:
    measure, drug = figure.measure, figure.drug
    if measure.startswith("retention_"):
        months = 12 if "_12m_" in measure else 6
        groups = {g.key: g for g in report.retention.by_drug}
        group = groups.get(drug) if drug else report.retention.overall
        if group is None:
            return EMPTY, "no patients on this drug in the cohort"
        survival = group.in_any if measure.endswith("_any") else group.in_hat
        value = survival.at[MONTH_DAYS[months]]
        return value, ("" if value.value is not None else f"nobody followed {months} months yet")
    if measure.startswith(("street_heroin_days_", "illegal_activity_days_")):
        key, _, point = measure.rpartition("_")
        code = {"intake": "intake", "6m": "month_6", "12m": "month_12"}[point]
        trajectories = report.trajectories_by_drug.get(drug) if drug else report.trajectories
        if trajectories is None:
            return EMPTY, "no patients on this drug in the cohort"
        for m in trajectories.measures:
            if m.key == key:
                value = next(p.mean for p in m.points if p.point == code)
                return value, "" if value.n else "no interviews at this point yet"
    safety_rows = {(r.drug, r.phase): r for r in report.safety.rows}
    if measure == "ae_per_100_injection_days_first_3_days":
        row = safety_rows.get((drug, FIRST_DAYS))
        return (_rate(row.per_100_injection_days), "") if row else (EMPTY, "no such drug")
    if measure == "naloxone_per_100_injection_days_first_3_days":
        row = safety_rows.get((drug, FIRST_DAYS))
        if row is None:
            return EMPTY, "no such drug"
        return _rate(poisson_rate(row.naloxone_overdoses, row.injection_days, 100)), ""
    if measure == "naloxone_per_10000_injections":
        row = safety_rows.get((drug, "all"))
        return (_rate(row.naloxone_per_10000_injections), "") if row else (EMPTY, "no such drug")
    if measure == "naloxone_share_within_30_days_of_restart":
        share = wilson(
            report.safety.naloxone_within_restart_window, report.safety.naloxone_overdoses
        )
        return share, "every drug together" if share.n else "no naloxone overdoses"
    attendance = report.attendance_by_drug.get(drug) if drug else report.attendance
    if attendance is None:
        return EMPTY, "no patients on this drug in the cohort"
    if measure == "injections_per_attended_day":
        return _rate(attendance.injections_per_day), ""
    if measure == "days_attended":
        return attendance.days, ""
    if measure == "sessions_attended":
        return attendance.sessions, ""
    if measure == "daily_dose_maintenance":
        for dose in report.attendance.daily_doses:
            if dose.drug == drug and dose.phase == "maintenance":
                return dose.mg, "the dose given, not the dose prescribed"
        return EMPTY, "no maintenance doses in the period"
    if measure == "urine_street_heroin":
        return report.urine.overall, "the clinic's share of screens positive, not responders"
    return EMPTY, "not computed"


def _compared(report: OutcomesReport) -> OutcomesReport:
    rows = []
    for figure in published_figures():
        if figure.drug and report.cohort.drug not in (None, figure.drug):
            continue
        value, note = _clinic_value(report, figure)
        rows.append(Comparison(figure, value, note))
    return replace(report, comparison=tuple(rows))
