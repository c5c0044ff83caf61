"""The programme's yearly operating budget from the city's own costs."""

from __future__ import annotations

import math

from openhat.planner.inputs import LocalInputs
from openhat.planner.results import BudgetYear


def fixed_costs(inputs: LocalInputs) -> tuple[float, float, float, float]:
    """Staff, premises, security and other costs per year once the clinic runs."""
    staff = float(inputs.staff_per_window) * float(inputs.windows_per_day)
    return (
        staff * float(inputs.staff_cost_per_fte),
        float(inputs.premises_cost),
        float(inputs.security_cost),
        float(inputs.other_cost),
    )


def filled_places(inputs: LocalInputs, year: int) -> float:
    """Average places filled in a year: a straight ramp to full uptake over `ramp_up_months`."""
    eligible = inputs.eligible() or 0.0
    full = min(float(inputs.capacity), eligible) * float(inputs.uptake)
    ramp = float(inputs.ramp_up_months)
    if ramp <= 0:
        return full
    months = range((year - 1) * 12, year * 12)
    return full * sum(min(1.0, (month + 0.5) / ramp) for month in months) / 12


def yearly_budget(inputs: LocalInputs) -> list[BudgetYear]:
    staff, premises, security, other = fixed_costs(inputs)
    years = max(1, int(inputs.horizon_years))
    # Show the years until the ramp-up ends and one full year (or the horizon, if shorter).
    shown = min(years, max(1, math.ceil(float(inputs.ramp_up_months) / 12) + 1))
    return [
        BudgetYear(
            year=year,
            patients=filled_places(inputs, year),
            staff=staff,
            drug=filled_places(inputs, year) * float(inputs.drug_cost_per_patient),
            premises=premises,
            security=security,
            other=other,
        )
        for year in range(1, shown + 1)
    ]


def budget_per_patient_year(inputs: LocalInputs) -> float:
    """The full-uptake budget shared over the patients (what one patient-year of treatment costs)."""
    staff, premises, security, other = fixed_costs(inputs)
    eligible = inputs.eligible() or 0.0
    patients = min(float(inputs.capacity), eligible) * float(inputs.uptake)
    if patients <= 0:
        return 0.0
    total = staff + premises + security + other + patients * float(inputs.drug_cost_per_patient)
    return total / patients
