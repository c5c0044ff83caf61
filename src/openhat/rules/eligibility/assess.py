"""Assessing a person's facts against a preset: one check per criterion kind, then the verdict."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from openhat.rules.eligibility.dates import (
    _add_months,
    _age,
    _number,
    _or_list,
    _plural,
    _whole_months,
)
from openhat.rules.eligibility.facts import (
    EligibilityFacts,
    MethadoneDosePeriod,
    PriorTreatment,
    _treatment_months,
)
from openhat.rules.eligibility.preset import Criterion, EligibilityPreset
from openhat.rules.eligibility.result import (
    CriterionResult,
    EligibilityResult,
    PhysicianException,
)
from openhat.rules.eligibility.vocabulary import (
    FACTS,
    CriterionKind,
    CriterionStatus,
    EligibilityVerdict,
    HeroinRoute,
    TreatmentKind,
    TreatmentOutcome,
)
from openhat.rules.errors import ContextError

_Outcome = tuple[CriterionStatus, str]


def _at_least(
    actual: Decimal | None, needed: Decimal, missing: str, said: str, unit: str = ""
) -> _Outcome:
    needs = f"needs {_number(needed)}{unit} or more"
    if actual is None:
        return CriterionStatus.UNKNOWN, f"{missing}; {needs}"
    return (
        CriterionStatus.MET if actual >= needed else CriterionStatus.NOT_MET
    ), f"{said}; {needs}"


def _assess_age(criterion: Criterion, facts: EligibilityFacts) -> _Outcome:
    limit = criterion.number("value")
    at_least = criterion.kind is CriterionKind.MIN_AGE
    needs = f"needs {_number(limit)} or {'over' if at_least else 'under'}"
    born = facts.date_of_birth
    if born is None:
        return CriterionStatus.UNKNOWN, f"date of birth not recorded; {needs}"
    age = _age(born, facts.assessed_on)
    ok = age >= limit if at_least else age <= limit
    evidence = f"age {age} on {facts.assessed_on} (born {born}); {needs}"
    return (CriterionStatus.MET if ok else CriterionStatus.NOT_MET), evidence


_YEARS_FIELDS = {
    CriterionKind.MIN_YEARS_DEPENDENCE: ("years_dependent", "dependent for {} years"),
    CriterionKind.MIN_YEARS_OPIOID_USE: ("years_opioid_use", "using opioids for {} years"),
    CriterionKind.MIN_YEARS_INJECTING: ("years_injecting", "injecting for {} years"),
}


def _assess_years(criterion: Criterion, facts: EligibilityFacts) -> _Outcome:
    name, wording = _YEARS_FIELDS[criterion.kind]
    years: Decimal | None = getattr(facts, name)
    said = "" if years is None else wording.format(_number(years))
    missing = f"{name.replace('_', ' ')} not recorded"
    return _at_least(years, criterion.number("value"), missing, said)


def _counting(criterion: Criterion) -> str:
    text = f"{_or_list(criterion.counted_outcomes)} treatments"
    if criterion.counted_kinds != frozenset(TreatmentKind):
        text += f" of kind {_or_list(criterion.counted_kinds)}"
    return text


def _split_treatments(
    criterion: Criterion, treatments: tuple[PriorTreatment, ...]
) -> tuple[list[PriorTreatment], list[PriorTreatment]]:
    """Treatments that surely count, and those that would count if their outcome were known."""
    sure, maybe = [], []
    for treatment in treatments:
        if treatment.kind not in criterion.counted_kinds:
            continue
        if treatment.outcome in criterion.counted_outcomes:
            sure.append(treatment)
        elif treatment.outcome is TreatmentOutcome.UNKNOWN:
            maybe.append(treatment)
    return sure, maybe


def _count_status(
    needed: Decimal,
    sure: list[PriorTreatment],
    maybe: list[PriorTreatment],
    required: frozenset[TreatmentKind],
) -> CriterionStatus:
    def enough(treatments: list[PriorTreatment]) -> bool:
        has_required = not required or any(item.kind in required for item in treatments)
        return len(treatments) >= needed and has_required

    if enough(sure):
        return CriterionStatus.MET
    if enough(sure + maybe):
        return CriterionStatus.UNKNOWN
    return CriterionStatus.NOT_MET


def _listing(treatments: list[PriorTreatment], facts: EligibilityFacts) -> str:
    if not treatments:
        return "none"
    return "; ".join(item.describe(facts.assessed_on) for item in treatments)


def _assess_prior_treatments(criterion: Criterion, facts: EligibilityFacts) -> _Outcome:
    needed = criterion.number("value")
    needs = f"needs {_number(needed)} or more {_counting(criterion)}"
    if criterion.required_kinds:
        needs += f", at least one of them {_or_list(criterion.required_kinds)}"
    if facts.prior_treatments is None:
        return CriterionStatus.UNKNOWN, f"earlier treatments not recorded; {needs}"
    sure, maybe = _split_treatments(criterion, facts.prior_treatments)
    status = _count_status(needed, sure, maybe, criterion.required_kinds)
    evidence = f"{len(sure)} counted ({_listing(sure, facts)})"
    if maybe:
        evidence += f", {len(maybe)} more with unknown outcome ({_listing(maybe, facts)})"
    return status, f"{evidence}; {needs}"


def _assess_long_treatment(criterion: Criterion, facts: EligibilityFacts) -> _Outcome:
    needed = criterion.number("value")
    months = criterion.number("months")
    current = " still running and" if criterion.current_only else ""
    needs = (
        f"needs {_number(needed)} or more {_counting(criterion)}{current} "
        f"lasting {_number(months)} months or longer"
    )
    if facts.prior_treatments is None:
        return CriterionStatus.UNKNOWN, f"earlier treatments not recorded; {needs}"
    long_enough = tuple(
        item
        for item in facts.prior_treatments
        if _treatment_months(item, facts.assessed_on) >= months
        and (item.ended_on is None or not criterion.current_only)
    )
    sure, maybe = _split_treatments(criterion, long_enough)
    status = _count_status(needed, sure, maybe, frozenset())
    evidence = f"{len(sure)} counted ({_listing(sure, facts)})"
    if maybe:
        evidence += f", {len(maybe)} more with unknown outcome ({_listing(maybe, facts)})"
    return status, f"{evidence}; {needs}"


def _longest_run_months(
    periods: tuple[MethadoneDosePeriod, ...], threshold: Decimal, since: date, until: date
) -> tuple[int, date | None, date | None]:
    """The longest continuous stretch at or above `threshold` within [since, until], in months.

    Back-to-back periods (a dose change from one day to the next) form one continuous stretch.
    """
    spans = sorted(
        (max(item.started_on, since), min(item.ended_on or until, until))
        for item in periods
        if item.daily_dose_mg >= threshold
    )
    runs: list[tuple[date, date]] = []
    for start, end in spans:
        if end < start:
            continue  # entirely before the window
        if runs and start <= runs[-1][1] + timedelta(days=1):
            runs[-1] = (runs[-1][0], max(runs[-1][1], end))
        else:
            runs.append((start, end))
    if not runs:
        return 0, None, None
    return max((_whole_months(start, end + timedelta(days=1)), start, end) for start, end in runs)


def _assess_methadone_dose(criterion: Criterion, facts: EligibilityFacts) -> _Outcome:
    months = criterion.number("months")
    within = criterion.number("within_years")
    since = _add_months(facts.assessed_on, -12 * int(within))
    thresholds = {
        HeroinRoute.INJECTING: criterion.number("injector_mg"),
        HeroinRoute.SMOKING: criterion.number("smoker_mg"),
    }
    needs = (
        f"needs {_plural(int(months), 'continuous month')} or more since {since} at "
        f"{_number(thresholds[HeroinRoute.INJECTING])} mg/day or more (injectors) or "
        f"{_number(thresholds[HeroinRoute.SMOKING])} mg/day or more (smokers)"
    )
    if facts.methadone_doses is None:
        return CriterionStatus.UNKNOWN, f"methadone doses not recorded; {needs}"
    route = facts.heroin_route
    routes = [route] if route is not None else list(HeroinRoute)
    reached = {}
    parts = []
    for each in routes:
        threshold = thresholds[each]
        run, start, end = _longest_run_months(
            facts.methadone_doses, threshold, since, facts.assessed_on
        )
        reached[each] = run >= months
        stretch = "none" if start is None else f"{_plural(run, 'month')} ({start} to {end})"
        parts.append(f"longest stretch at {_number(threshold)} mg/day or more: {stretch}")
    said = f"route {route}" if route is not None else "route not recorded"
    evidence = f"{said}; {'; '.join(parts)}; {needs}"
    if all(reached.values()):
        return CriterionStatus.MET, evidence
    if not any(reached.values()):
        return CriterionStatus.NOT_MET, evidence
    return CriterionStatus.UNKNOWN, evidence  # meets one route's threshold only; the route decides


def _assess_share_of_days(criterion: Criterion, facts: EligibilityFacts) -> _Outcome:
    share = facts.share_of_days_injecting_last_90
    needed = criterion.number("value")
    said = (
        "" if share is None else f"injected street heroin on {_number(share)}% of the last 90 days"
    )
    missing = "share of days injecting in the last 90 days not recorded"
    return _at_least(share, needed, missing, said, unit="%")


def _assess_fact(criterion: Criterion, facts: EligibilityFacts) -> _Outcome:
    assert criterion.fact is not None  # the loader requires a fact for these kinds
    value = facts.flags.get(criterion.fact)
    wanted = criterion.kind is CriterionKind.FACT_TRUE
    meaning = FACTS[criterion.fact]
    needs = "needs yes" if wanted else "needs no"
    if value is None:
        return CriterionStatus.UNKNOWN, f"not recorded whether the person {meaning}; {needs}"
    evidence = f"recorded {'yes' if value else 'no'}: the person {meaning}; {needs}"
    return (CriterionStatus.MET if value is wanted else CriterionStatus.NOT_MET), evidence


_ASSESSORS = {
    CriterionKind.MIN_AGE: _assess_age,
    CriterionKind.MAX_AGE: _assess_age,
    CriterionKind.MIN_YEARS_DEPENDENCE: _assess_years,
    CriterionKind.MIN_YEARS_OPIOID_USE: _assess_years,
    CriterionKind.MIN_YEARS_INJECTING: _assess_years,
    CriterionKind.MIN_PRIOR_TREATMENTS: _assess_prior_treatments,
    CriterionKind.MIN_LONG_TREATMENT: _assess_long_treatment,
    CriterionKind.MIN_METHADONE_DOSE: _assess_methadone_dose,
    CriterionKind.MIN_SHARE_OF_DAYS: _assess_share_of_days,
    CriterionKind.FACT_TRUE: _assess_fact,
    CriterionKind.EXCLUSION: _assess_fact,
}


def assess_criterion(criterion: Criterion, facts: EligibilityFacts) -> CriterionResult:
    status, evidence = _ASSESSORS[criterion.kind](criterion, facts)
    main = criterion.parameters.get("value")
    return CriterionResult(
        criterion_id=criterion.id,
        label=criterion.label,
        kind=criterion.kind,
        status=status,
        evidence=evidence,
        value=None if main is None else main.value,
        unit=None if main is None else main.unit,
        sources=criterion.sources,
        local_reasons=criterion.local_reasons,
        parameters=criterion.parameters,
    )


def assess_eligibility(
    preset: EligibilityPreset,
    facts: EligibilityFacts,
    exception: PhysicianException | None = None,
) -> EligibilityResult:
    if not isinstance(preset, EligibilityPreset):
        raise ContextError("preset", f"{preset!r} is not an eligibility preset")
    if not isinstance(facts, EligibilityFacts):
        raise ContextError("facts", f"{facts!r} is not EligibilityFacts")
    if exception is not None and not isinstance(exception, PhysicianException):
        raise ContextError("exception", f"{exception!r} is not a PhysicianException")
    results = tuple(assess_criterion(criterion, facts) for criterion in preset.criteria)
    statuses = {item.status for item in results}
    if CriterionStatus.NOT_MET in statuses:
        by_criteria = EligibilityVerdict.NOT_ELIGIBLE
    elif CriterionStatus.UNKNOWN in statuses:
        by_criteria = EligibilityVerdict.INCOMPLETE
    else:
        by_criteria = EligibilityVerdict.ELIGIBLE
    applied = exception is not None and by_criteria is not EligibilityVerdict.ELIGIBLE
    return EligibilityResult(
        preset_key=preset.key,
        preset_version=preset.version,
        assessed_on=facts.assessed_on,
        verdict=EligibilityVerdict.ELIGIBLE_BY_EXCEPTION if applied else by_criteria,
        verdict_by_criteria=by_criteria,
        criteria=results,
        exceptions_allowed=preset.exceptions_allowed,
        exception=exception,
        exception_applied=applied,
        exception_outside_preset=exception is not None and not preset.exceptions_allowed,
    )
