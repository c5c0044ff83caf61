"""How the planner's form names each of the model's inputs, for a reader who is not a modeller.

Only words live here (label, unit, help, group); the inputs themselves, their defaults and their
checks are the model's (openhat.planner.inputs). An input the model adds later and this table
lacks still appears in the form, under its own name, in the last group.
"""

from __future__ import annotations

from typing import NamedTuple

PEOPLE = "The place and its people"
PROGRAMME = "The programme"
COSTS = "Prices and costs"
COMPARATOR = "What the programme is compared with"
MODEL = "The model's settings (change them only with a local reason)"


class InputWords(NamedTuple):
    label: str
    unit: str
    help: str
    group: str


WORDS: dict[str, InputWords] = {
    "place": InputWords(
        "City or region", "", "Shown as the brief's title when you give none.", PEOPLE
    ),
    "eligible_population": InputWords(
        "People who could be treated",
        "people",
        "People with severe opioid use disorder that other treatment has not helped. Leave empty "
        "to use a prevalence and a population instead.",
        PEOPLE,
    ),
    "population": InputWords("Population", "people", "Needed only with a prevalence.", PEOPLE),
    "prevalence": InputWords(
        "Prevalence", "share, 0 to 1", "The share of the population who could be treated.", PEOPLE
    ),
    "capacity": InputWords("Treatment places", "places", "", PROGRAMME),
    "uptake": InputWords(
        "Places filled",
        "share, 0 to 1",
        "The share of places in use once the clinic runs.",
        PROGRAMME,
    ),
    "ramp_up_months": InputWords("Months until the places fill", "months", "", PROGRAMME),
    "windows_per_day": InputWords(
        "Dosing sessions a day", "sessions", "Patients come two or three times a day.", PROGRAMME
    ),
    "staff_per_window": InputWords(
        "Staff per daily session",
        "full-time staff",
        "Full-time staff needed to run one daily session all year, with cover.",
        PROGRAMME,
    ),
    "currency": InputWords("Currency", "", "For example USD.", COSTS),
    "price_year": InputWords("Year of the prices", "year", "", COSTS),
    "staff_cost_per_fte": InputWords("Cost of one full-time staff member", "a year", "", COSTS),
    "drug_cost_per_patient": InputWords("Medication", "a year per patient", "", COSTS),
    "premises_cost": InputWords("Premises", "a year", "", COSTS),
    "security_cost": InputWords("Security", "a year", "", COSTS),
    "other_cost": InputWords("Other running costs", "a year", "", COSTS),
    "comparator": InputWords(
        "Compared with", "", "What the same people would get without the programme.", COMPARATOR
    ),
    "comparator_cost_per_patient": InputWords(
        "Cost of that treatment", "a year per patient", "", COMPARATOR
    ),
    "horizon_years": InputWords(
        "Years to look ahead", "years", "1 to 60; the longer, the more uncertain.", PROGRAMME
    ),
    "model_cost_factor": InputWords(
        "Price factor",
        "your currency per 2009 Canadian dollar",
        "Turns the model's Canadian health-care and crime costs into your prices.",
        MODEL,
    ),
    "exit_to_relapse": InputWords(
        "On leaving: back to street use", "share, 0 to 1", "The three shares add up to 1.", MODEL
    ),
    "exit_to_abstinence": InputWords("On leaving: abstinent", "share, 0 to 1", "", MODEL),
    "exit_to_oral_oat": InputWords("On leaving: to oral treatment", "share, 0 to 1", "", MODEL),
    "retention_multiplier": InputWords(
        "Leaving the programme, relative to the trial",
        "times",
        "Below 1: patients stay longer than in the Canadian trial.",
        MODEL,
    ),
    "discount_rate": InputWords(
        "Discount rate", "a year, 0 to 1", "How much less a future cost or benefit counts.", MODEL
    ),
}

COMPARATOR_CHOICES = {
    "oral_oat": "Oral treatment as usual (methadone and the like)",
    "no_treatment": "No treatment",
}

OTHER_GROUP = "Other inputs"
