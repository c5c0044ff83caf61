"""What the one-way sensitivity varies, where every number comes from, and the model's limits."""

from __future__ import annotations

from collections.abc import Callable

from openhat.planner.inputs import LocalInputs
from openhat.planner.params import ParameterSet

# Model parameters varied over their 95% range (the ones that move the results most). A row varies
# one parameter alone, even one the probabilistic analysis draws together with another (`tied_to`):
# the tornado shows how much a result hangs on each value, e.g. on the difference between the
# crime costs on diacetylmorphine and on methadone, which the draws keep as fitted.
MODEL_VARIANTS = (
    "weibull_lambda_dam",
    "weibull_lambda_mmt",
    "weibull_lambda_relapse",
    "smr_relapse",
    "rr_mmt_vs_relapse",
    "utility_dam",
    "utility_relapse",
    "cost_crime_relapse",
    "cost_crime_dam",
    "cost_crime_mmt",
    "cost_health_relapse",
    "cost_per_crime",
    "overdoses_per_year_relapse",
)


def _scaled(field: str, factor: float) -> Callable[[LocalInputs], float]:
    return lambda inputs: float(getattr(inputs, field)) * factor


def _share(field: str, delta: float) -> Callable[[LocalInputs], float]:
    return lambda inputs: min(1.0, max(0.0, float(getattr(inputs, field)) + delta))


# The city's own inputs, each varied by a fifth either way (shares by 0.1, the discount rate
# between 0 and 6%, retention as a hazard multiplier of 0.8 to 1.2).
INPUT_VARIANTS: dict[str, tuple[Callable[[LocalInputs], float], Callable[[LocalInputs], float]]] = {
    "staff_cost_per_fte": (_scaled("staff_cost_per_fte", 0.8), _scaled("staff_cost_per_fte", 1.2)),
    "staff_per_window": (_scaled("staff_per_window", 0.8), _scaled("staff_per_window", 1.2)),
    "drug_cost_per_patient": (
        _scaled("drug_cost_per_patient", 0.8),
        _scaled("drug_cost_per_patient", 1.2),
    ),
    "premises_cost": (_scaled("premises_cost", 0.8), _scaled("premises_cost", 1.2)),
    "security_cost": (_scaled("security_cost", 0.8), _scaled("security_cost", 1.2)),
    "comparator_cost_per_patient": (
        _scaled("comparator_cost_per_patient", 0.8),
        _scaled("comparator_cost_per_patient", 1.2),
    ),
    "model_cost_factor": (_scaled("model_cost_factor", 0.8), _scaled("model_cost_factor", 1.2)),
    "uptake": (_share("uptake", -0.1), _share("uptake", 0.1)),
    "retention_multiplier": (lambda _: 0.8, lambda _: 1.2),
    "discount_rate": (lambda _: 0.0, lambda _: 0.06),
}

YOUR_INPUT = "your input"

INPUT_LABELS = {
    "staff_cost_per_fte": "Cost of one full-time staff member a year",
    "staff_per_window": "Staff per dosing window",
    "drug_cost_per_patient": "Medicine cost per patient a year",
    "premises_cost": "Premises a year",
    "security_cost": "Security a year",
    "comparator_cost_per_patient": "Oral OAT cost per patient a year",
    "model_cost_factor": "Price factor from the model's Canadian costs",
    "uptake": "Share of places filled",
    "retention_multiplier": "Retention (hazard of leaving treatment)",
    "discount_rate": "Discount rate",
}

OUTPUT_SOURCES = {
    "operating_budget_per_year": "your inputs: staff, windows, drug, premises, security, other costs",
    "net_cost": "the model (Nosyk et al., CMAJ 2012) with your programme and comparator costs",
    "qalys_gained": "the model (Nosyk et al., CMAJ 2012): sojourn times, mortality and utilities",
    "deaths_averted": "the model (Nosyk et al., CMAJ 2012): standardised mortality ratios per state",
    "overdoses_averted": "the model's time in each state times assumed overdose rates (to replace)",
    "crimes_averted": "the model's calibrated crime costs divided by an assumed cost per crime",
    "cost_per_qaly": "net cost divided by QALYs gained",
}


def plan_sources(parameters: ParameterSet, inputs: LocalInputs) -> dict[str, str]:
    sources = dict(OUTPUT_SOURCES)
    for name in parameters.parameters:
        sources[name] = parameters.source_text(name)
    for name in inputs.to_dict():
        if name == "sources":
            continue
        cited = inputs.sources.get(name)
        sources[f"input:{name}"] = f"{YOUR_INPUT} ({cited})" if cited else YOUR_INPUT
    return sources


def limits(parameters: ParameterSet) -> list[str]:
    calibrated = sorted(
        p.label or p.name for p in parameters.parameters.values() if p.status == "calibrated"
    )
    return [
        "The model was built from a Canadian trial (NAOMI, Vancouver and Montreal, 2005-2008) "
        "and British Columbia's records; people, prices and crime elsewhere differ.",
        "Costs of health care and crime are the model's Canadian figures converted with your "
        "price factor; the programme and comparator costs are yours.",
        "Not in the text we could read of the published model, so calibrated to its published "
        "results: " + "; ".join(calibrated) + ".",
        "The life table is a Gompertz approximation of Canada's (2007-2009); HIV infection is not "
        "modelled separately.",
        "Only the people in the programme once it runs are followed; people who take freed "
        "places later would add to the benefits and the costs.",
        "Non-fatal overdose rates come from Vancouver cohorts and the cost of one crime is a "
        "planning assumption: replace them with local figures before quoting those counts.",
    ]
