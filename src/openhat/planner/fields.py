"""What each planner input means, for a form or a brief: label, unit, kind and a line of help.

Kinds: "text", "count" (whole number), "share" (0 to 1), "money" (in the inputs' currency a
year), "number", "year" and "choice" (with `choices`).
"""

from __future__ import annotations

from dataclasses import dataclass

from openhat.planner.inputs import COMPARATORS


@dataclass(frozen=True)
class InputField:
    name: str
    label: str
    kind: str
    help: str
    unit: str = ""
    choices: tuple[str, ...] = ()
    optional: bool = False


INPUT_FIELDS: tuple[InputField, ...] = (
    InputField("place", "City or region", "text", "Where the programme would be."),
    InputField(
        "eligible_population",
        "People eligible",
        "count",
        "People with severe opioid use disorder that other treatment has not helped. Leave empty "
        "to use a prevalence times the population.",
        "people",
        optional=True,
    ),
    InputField(
        "population", "Population", "count", "Everyone living there.", "people", optional=True
    ),
    InputField(
        "prevalence",
        "Prevalence",
        "share",
        "The share of the population who are eligible (0 to 1).",
        optional=True,
    ),
    InputField("capacity", "Treatment places", "count", "Places the clinic would have.", "places"),
    InputField("uptake", "Share of places filled", "share", "Once the clinic is running (0 to 1)."),
    InputField("ramp_up_months", "Months to fill the places", "count", "From opening.", "months"),
    InputField("currency", "Currency", "text", "The currency of every amount, e.g. USD."),
    InputField("price_year", "Price year", "year", "The year the prices are from."),
    InputField(
        "windows_per_day", "Dosing windows a day", "count", "Sessions at which doses are given."
    ),
    InputField(
        "staff_per_window",
        "Staff per dosing window",
        "number",
        "Full-time staff to run one daily window all year, with weekend and holiday cover.",
        "FTE",
    ),
    InputField(
        "staff_cost_per_fte",
        "Cost of one full-time staff member",
        "money",
        "Salary and benefits, a year.",
    ),
    InputField(
        "drug_cost_per_patient",
        "Medicine per patient",
        "money",
        "Diacetylmorphine or hydromorphone, a year.",
    ),
    InputField("premises_cost", "Premises", "money", "Rent, utilities and upkeep, a year."),
    InputField("security_cost", "Security", "money", "Guarding and secure storage, a year."),
    InputField("other_cost", "Other costs", "money", "Anything else, a year."),
    InputField(
        "comparator",
        "Compared with",
        "choice",
        "What people would have without the programme.",
        choices=COMPARATORS,
    ),
    InputField(
        "comparator_cost_per_patient",
        "Oral OAT per patient",
        "money",
        "What oral methadone treatment costs locally, a year.",
    ),
    InputField(
        "model_cost_factor",
        "Price factor",
        "number",
        "Your currency at your price year per Canadian dollar of the published model "
        "(inflation and purchasing-power parity); converts its health-care and crime costs.",
    ),
    InputField("horizon_years", "Horizon", "count", "Years to look ahead (1 to 60).", "years"),
    InputField("exit_to_relapse", "Leaving treatment: to relapse", "share", "Published: 0.370."),
    InputField(
        "exit_to_abstinence", "Leaving treatment: to abstinence", "share", "Published: 0.224."
    ),
    InputField("exit_to_oral_oat", "Leaving treatment: to oral OAT", "share", "Published: 0.407."),
    InputField(
        "retention_multiplier",
        "Retention",
        "number",
        "The published chance of leaving treatment times this: below 1 keeps people longer.",
    ),
    InputField(
        "discount_rate", "Discount rate", "share", "A year, for money and QALYs (e.g. 0.03)."
    ),
)
