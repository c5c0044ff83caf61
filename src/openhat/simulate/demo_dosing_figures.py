"""The demo's dosing figures, read back from the records (printed after `openhat load_demo`).

Attendance and injections per attended day count each patient's days after their first recorded
HAT dose (the go-live day or the first day of titration) up to yesterday: a day with at least one
DAM or HDM dose is attended. docs/domain.md §9 targets: ~90% of days, 2.65 DAM and 2.46 HDM injections
per attended day (SALOME, derived).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from openhat.clinics.models import Clinic
from openhat.core.clock import clinic_today
from openhat.dosing.models import Administration, AdverseEvent, DosingSession, SessionOverride

HAT_DRUGS = ("dam", "hdm")


@dataclass
class DrugFigures:
    drug: str
    patient_days: int = 0
    attended_days: int = 0
    injections: int = 0

    @property
    def attendance(self) -> float:
        return self.attended_days / self.patient_days if self.patient_days else 0.0

    @property
    def per_attended_day(self) -> float:
        return self.injections / self.attended_days if self.attended_days else 0.0


@dataclass
class ClinicFigures:
    code: str
    sessions: int
    doses: int
    today_sessions: int
    adverse_events: int
    overrides: int
    drugs: dict[str, DrugFigures] = field(default_factory=dict)

    @property
    def patient_days(self) -> int:
        return sum(figures.patient_days for figures in self.drugs.values())

    @property
    def attendance(self) -> float:
        days = self.patient_days
        return sum(f.attended_days for f in self.drugs.values()) / days if days else 0.0


def clinic_figures(clinic: Clinic) -> ClinicFigures:
    today = clinic_today(clinic)
    zone = clinic.zone
    sessions = DosingSession.objects.filter(clinic=clinic)
    figures = ClinicFigures(
        clinic.code,
        sessions=sessions.count(),
        doses=Administration.objects.filter(clinic=clinic).count(),
        today_sessions=sessions.filter(dosing_day=today).count(),
        adverse_events=AdverseEvent.objects.filter(clinic=clinic).count(),
        overrides=SessionOverride.objects.filter(session__clinic=clinic).count(),
    )
    doses: dict[tuple[int, str], list[date]] = defaultdict(list)
    rows = Administration.objects.filter(clinic=clinic, drug__in=HAT_DRUGS).values_list(
        "patient_id", "drug", "administered_at"
    )
    for patient_id, drug, at in rows:
        doses[(patient_id, drug)].append(at.astimezone(zone).date())
    for (_, drug), days in doses.items():
        first, counted = min(days), figures.drugs.setdefault(drug, DrugFigures(drug))
        after = [day for day in days if first < day < today]
        counted.patient_days += max((today - first).days - 1, 0)
        counted.attended_days += len(set(after))
        counted.injections += len(after)
    return figures


def summary_lines(clinics: list[Clinic]) -> list[str]:
    lines = []
    for clinic in clinics:
        figures = clinic_figures(clinic)
        if not figures.sessions:
            continue
        per_day = ", ".join(
            f"{drug.upper()} {counted.per_attended_day:.2f}"
            for drug, counted in sorted(figures.drugs.items())
        )
        lines.append(
            f"  {figures.code}  {figures.sessions} dosing sessions ({figures.today_sessions} "
            f"today), {figures.doses} doses, attendance {figures.attendance:.0%} of "
            f"patient-days, injections per attended day {per_day}, "
            f"{figures.adverse_events} adverse events, {figures.overrides} physician overrides"
        )
    return lines
