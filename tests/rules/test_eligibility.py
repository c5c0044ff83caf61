"""Eligibility assessment: facts, ages and durations, evidence, verdicts and physician exceptions.

No database: these tests only import openhat.rules.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from openhat.rules.eligibility import (
    CriterionStatus,
    EligibilityFacts,
    EligibilityVerdict,
    HeroinRoute,
    MethadoneDosePeriod,
    PhysicianException,
    PriorTreatment,
    TreatmentKind,
    TreatmentOutcome,
    _add_months,
    _age,
    _whole_months,
    assess_eligibility,
    load_eligibility_preset,
)
from openhat.rules.errors import ContextError
from tests.rules.eligibility_people import (
    ASSESSED_ON,
    EVERYWHERE_ELIGIBLE,
    born_turning,
    dose,
    person,
    treatment,
)

EXCEPTION = PhysicianException(
    reason="Dependence documented for 22 months only, but three overdoses this year; benefit outweighs the missing 2 months.",
    physician="staff-0007",
)


def status_of(preset_key: str, facts: EligibilityFacts, criterion_id: str) -> CriterionStatus:
    result = assess_eligibility(load_eligibility_preset(preset_key), facts)
    return next(item.status for item in result.criteria if item.criterion_id == criterion_id)


def evidence_of(preset_key: str, facts: EligibilityFacts, criterion_id: str) -> str:
    result = assess_eligibility(load_eligibility_preset(preset_key), facts)
    return next(item.evidence for item in result.criteria if item.criterion_id == criterion_id)


# --- ages and durations ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        pytest.param(
            date(1992, 3, 1), date(2026, 11, 22), 34, id="age 34 after this year's birthday"
        ),
        pytest.param(
            date(1992, 11, 23), date(2026, 11, 22), 33, id="age 33 on the eve of the birthday"
        ),
        pytest.param(
            date(1992, 11, 22), date(2026, 11, 22), 34, id="age 34 on the birthday itself"
        ),
        pytest.param(
            date(2008, 2, 29), date(2026, 2, 28), 17, id="born 29 February: still 17 on 28 February"
        ),
        pytest.param(
            date(2008, 2, 29),
            date(2026, 3, 1),
            18,
            id="born 29 February: 18 on 1 March of a common year",
        ),
        pytest.param(
            date(2008, 2, 29),
            date(2028, 2, 29),
            20,
            id="born 29 February: 20 on 29 February of a leap year",
        ),
        pytest.param(
            date(2026, 11, 22), date(2026, 11, 22), 0, id="born on the assessment day: age 0"
        ),
    ],
)
def test_age_counts_whole_years_with_29_february_birthdays_on_1_march(
    born: date, on: date, age: int
) -> None:
    assert _age(born, on) == age


def test_a_person_born_on_29_february_becomes_eligible_at_18_on_1_march() -> None:
    born = date(2008, 2, 29)
    on_28th = EligibilityFacts(assessed_on=date(2026, 2, 28), date_of_birth=born)
    on_1st = EligibilityFacts(assessed_on=date(2026, 3, 1), date_of_birth=born)
    assert status_of("ch", on_28th, "age") is CriterionStatus.NOT_MET
    assert status_of("ch", on_1st, "age") is CriterionStatus.MET
    assert (
        evidence_of("ch", on_1st, "age")
        == "age 18 on 2026-03-01 (born 2008-02-29); needs 18 or over"
    )


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        pytest.param(
            date(2024, 1, 15), 1, date(2024, 2, 15), id="a month after the 15th is the 15th"
        ),
        pytest.param(
            date(2024, 1, 31), 1, date(2024, 3, 1), id="a month after 31 January is 1 March"
        ),
        pytest.param(
            date(2024, 12, 31), 2, date(2025, 3, 1), id="two months after 31 December is 1 March"
        ),
        pytest.param(date(2024, 3, 31), 1, date(2024, 5, 1), id="a month after 31 March is 1 May"),
        pytest.param(
            date(2024, 11, 30), 3, date(2025, 3, 1), id="three months after 30 November is 1 March"
        ),
        pytest.param(
            date(2024, 12, 31), -1, date(2024, 12, 1), id="a month before 31 December is 1 December"
        ),
        pytest.param(
            date(2028, 2, 29), -60, date(2023, 3, 1), id="5 years before 29 February is 1 March"
        ),
        pytest.param(
            date(2025, 12, 31), 11, date(2026, 12, 1), id="eleven months after 31 December 2025"
        ),
    ],
)
def test_months_are_added_conservatively(day: date, months: int, expected: date) -> None:
    assert _add_months(day, months) == expected


@pytest.mark.parametrize(
    ("start", "end_exclusive", "months"),
    [
        pytest.param(date(2024, 1, 1), date(2024, 7, 1), 6, id="1 January to 1 July is 6 months"),
        pytest.param(date(2024, 1, 1), date(2024, 6, 30), 5, id="1 January to 30 June is 5 months"),
        pytest.param(date(2024, 1, 31), date(2024, 3, 1), 1, id="31 January to 1 March is a month"),
        pytest.param(
            date(2024, 1, 31), date(2024, 2, 29), 0, id="31 January to 29 February is not"
        ),
        pytest.param(date(2024, 5, 5), date(2024, 5, 5), 0, id="no time at all is 0 months"),
    ],
)
def test_whole_months_between_two_days(start: date, end_exclusive: date, months: int) -> None:
    assert _whole_months(start, end_exclusive) == months


# --- evidence ---------------------------------------------------------------------------------------


def test_every_criterion_result_carries_evidence_value_unit_and_sources() -> None:
    facts = person(date_of_birth=date(1992, 3, 1), years_dependent=Decimal("3.50"))
    result = assess_eligibility(load_eligibility_preset("ch"), facts)
    by_id = {item.criterion_id: item for item in result.criteria}
    age = by_id["age"]
    assert age.evidence == "age 34 on 2026-11-22 (born 1992-03-01); needs 18 or over"
    assert (age.value, age.unit, age.sources, age.label) == (
        Decimal(18),
        "years",
        ("S1",),
        "Aged 18 or over",
    )
    assert by_id["dependence_years"].evidence == "dependent for 3.5 years; needs 2 or more"
    assert by_id["deficits"].evidence == (
        "recorded yes: the person has psychological, physical or social deficits; needs yes"
    )
    assert by_id["deficits"].value is None and by_id["deficits"].unit is None
    assert by_id["other_treatments"].evidence == (
        "2 counted (methadone 2019-01-01 to 2020-06-30, 18 months, failed; "
        "buprenorphine 2021-01-01 to 2021-03-31, 3 months, abandoned); "
        "needs 2 or more abandoned or failed treatments of kind abstinence, buprenorphine, "
        "methadone, other, residential or srom"
    )


def test_evidence_names_what_is_missing() -> None:
    nothing = EligibilityFacts(assessed_on=ASSESSED_ON)
    assert evidence_of("ch", nothing, "age") == "date of birth not recorded; needs 18 or over"
    assert (
        evidence_of("uk-riott", nothing, "max_age")
        == "date of birth not recorded; needs 65 or under"
    )
    assert (
        evidence_of("ch", nothing, "dependence_years")
        == "years dependent not recorded; needs 2 or more"
    )
    assert evidence_of("ch", nothing, "deficits") == (
        "not recorded whether the person has psychological, physical or social deficits; needs yes"
    )
    assert evidence_of("uk-riott", nothing, "injecting_days") == (
        "share of days injecting in the last 90 days not recorded; needs 50% or more"
    )
    assert evidence_of("nl", nothing, "methadone_dose").startswith(
        "methadone doses not recorded; needs 1 continuous month or more since 2021-11-22"
    )
    assert evidence_of("ca-naomi", nothing, "previous_treatments").startswith(
        "earlier treatments not recorded"
    )


def test_evidence_for_the_methadone_dose_names_the_route_and_the_longest_stretch() -> None:
    facts = person(
        methadone_doses=(
            dose("2024-01-01", "2024-01-15", 60),
            dose("2024-01-16", "2024-03-31", 70),
        ),
        heroin_route=None,
    )
    assert evidence_of("nl", facts, "methadone_dose") == (
        "route not recorded; "
        "longest stretch at 60 mg/day or more: 3 months (2024-01-01 to 2024-03-31); "
        "longest stretch at 50 mg/day or more: 3 months (2024-01-01 to 2024-03-31); "
        "needs 1 continuous month or more since 2021-11-22 at 60 mg/day or more (injectors) "
        "or 50 mg/day or more (smokers)"
    )
    assert "route smoking; longest stretch at 50 mg/day or more: none" in evidence_of(
        "nl", person(methadone_doses=(), heroin_route=HeroinRoute.SMOKING), "methadone_dose"
    )


def test_evidence_for_a_treatment_with_unknown_outcome_lists_it_apart() -> None:
    unknown_srom = treatment("srom", "2022-01-01", None, "unknown")
    facts = person(
        prior_treatments=(
            treatment("methadone", "2019-01-01", "2020-06-30", "failed"),
            unknown_srom,
        )
    )
    evidence = evidence_of("ch", facts, "other_treatments")
    assert evidence.startswith(
        "1 counted (methadone 2019-01-01 to 2020-06-30, 18 months, failed), "
        "1 more with unknown outcome (srom since 2022-01-01, 58 months, unknown)"
    )
    long_evidence = evidence_of(
        "de-2025", person(prior_treatments=(unknown_srom,)), "ineffective_long_treatment"
    )
    assert long_evidence.startswith("0 counted (none), 1 more with unknown outcome")
    riott = evidence_of("uk-riott", person(prior_treatments=()), "oral_treatment")
    assert riott.endswith(
        "of kind buprenorphine, methadone or srom still running and lasting 6 months or longer"
    )


@pytest.mark.parametrize(
    ("treatments", "status"),
    [
        pytest.param(
            (("methadone", "unknown"), ("residential", "completed")),
            CriterionStatus.MET,
            id="naomi: methadone with unknown outcome still counts as a previous treatment",
        ),
        pytest.param(
            (("buprenorphine", "failed"), ("residential", "completed")),
            CriterionStatus.NOT_MET,
            id="naomi: two treatments without methadone are not enough",
        ),
    ],
)
def test_naomi_counts_previous_treatments_whatever_their_outcome(
    treatments: tuple[tuple[str, str], ...], status: CriterionStatus
) -> None:
    recorded = tuple(
        treatment(kind, "2015-01-01", "2015-06-30", outcome) for kind, outcome in treatments
    )
    assert status_of("ca-naomi", person(prior_treatments=recorded), "previous_treatments") is status


@pytest.mark.parametrize(
    ("treatments", "status"),
    [
        pytest.param(
            (("buprenorphine", "failed"), ("methadone", "unknown")),
            CriterionStatus.UNKNOWN,
            id="a required kind with unknown outcome leaves the count open",
        ),
        pytest.param(
            (("buprenorphine", "failed"), ("residential", "unknown")),
            CriterionStatus.NOT_MET,
            id="an unknown outcome cannot supply a missing required kind",
        ),
        pytest.param(
            (("buprenorphine", "failed"), ("methadone", "ongoing")),
            CriterionStatus.NOT_MET,
            id="an ongoing treatment is not counted where only failures count",
        ),
    ],
)
def test_required_kinds_with_outcomes_that_are_not_known(
    tmp_path: Any, treatments: tuple[tuple[str, str], ...], status: CriterionStatus
) -> None:
    from openhat.rules.eligibility import load_eligibility_preset_file

    path = tmp_path / "strict.toml"
    path.write_text(
        '[preset]\nkey = "strict"\nkind = "eligibility"\ntitle = "t"\nversion = "1"\nsummary = "s"\n'
        "exceptions_allowed = false\nlicence_required = false\n"
        '[[criteria]]\nid = "treatments"\nlabel = "Two failed treatments, one of them methadone"\n'
        'kind = "min_prior_treatments"\nvalue = { value = 2, unit = "count", source = "S13" }\n'
        'counted_outcomes = ["failed", "abandoned"]\nrequired_kinds = ["methadone"]\n',
        encoding="utf-8",
    )
    recorded = tuple(
        treatment(
            kind, "2015-01-01", None if outcome in ("ongoing", "unknown") else "2015-06-30", outcome
        )
        for kind, outcome in treatments
    )
    result = assess_eligibility(
        load_eligibility_preset_file(path), person(prior_treatments=recorded)
    )
    assert result.criteria[0].status is status


# --- verdicts and exceptions ------------------------------------------------------------------------


def test_one_criterion_not_met_outweighs_unknown_ones() -> None:
    facts = person(date_of_birth=born_turning(17), years_dependent=None)
    result = assess_eligibility(load_eligibility_preset("ch"), facts)
    assert result.verdict is EligibilityVerdict.NOT_ELIGIBLE
    assert (
        result.exception is None
        and not result.exception_applied
        and not result.exception_outside_preset
    )


@pytest.mark.parametrize(
    ("preset_key", "facts", "by_criteria", "verdict", "outside"),
    [
        pytest.param(
            "ch",
            person(years_dependent=Decimal("1.8")),
            EligibilityVerdict.NOT_ELIGIBLE,
            EligibilityVerdict.ELIGIBLE_BY_EXCEPTION,
            False,
            id="ch: a justified exception makes a not-eligible person eligible within the preset",
        ),
        pytest.param(
            "ch",
            person(flags={"has_deficits": None}),
            EligibilityVerdict.INCOMPLETE,
            EligibilityVerdict.ELIGIBLE_BY_EXCEPTION,
            False,
            id="ch: an exception also covers an incomplete assessment",
        ),
        pytest.param(
            "ch",
            person(),
            EligibilityVerdict.ELIGIBLE,
            EligibilityVerdict.ELIGIBLE,
            False,
            id="ch: an exception for an eligible person changes nothing but is recorded",
        ),
        pytest.param(
            "de-2025",
            person(years_dependent=Decimal("1.8")),
            EligibilityVerdict.NOT_ELIGIBLE,
            EligibilityVerdict.ELIGIBLE_BY_EXCEPTION,
            True,
            id="de-2025: an exception is recorded but flagged as outside the preset",
        ),
        pytest.param(
            "nl",
            person(date_of_birth=born_turning(34)),
            EligibilityVerdict.NOT_ELIGIBLE,
            EligibilityVerdict.ELIGIBLE_BY_EXCEPTION,
            True,
            id="nl: a 34-year-old by exception is flagged as outside the preset",
        ),
        pytest.param(
            "uk-riott",
            person(),
            EligibilityVerdict.ELIGIBLE,
            EligibilityVerdict.ELIGIBLE,
            True,
            id="uk-riott: an unneeded exception is still flagged as outside the preset",
        ),
    ],
)
def test_a_physician_exception(
    preset_key: str,
    facts: EligibilityFacts,
    by_criteria: EligibilityVerdict,
    verdict: EligibilityVerdict,
    outside: bool,
) -> None:
    preset = load_eligibility_preset(preset_key)
    result = assess_eligibility(preset, facts, EXCEPTION)
    assert result.verdict_by_criteria is by_criteria
    assert result.verdict is verdict
    assert result.exception == EXCEPTION
    assert result.exception_applied is (verdict is EligibilityVerdict.ELIGIBLE_BY_EXCEPTION)
    assert result.exceptions_allowed is preset.exceptions_allowed
    assert result.exception_outside_preset is outside


@pytest.mark.parametrize(
    ("reason", "physician", "field"),
    [
        pytest.param(
            "", "staff-0007", "exception.reason", id="an exception without a reason is refused"
        ),
        pytest.param(
            "   \n",
            "staff-0007",
            "exception.reason",
            id="an exception with a blank reason is refused",
        ),
        pytest.param(
            None,
            "staff-0007",
            "exception.reason",
            id="an exception with no reason at all is refused",
        ),
        pytest.param(
            "Good reason.",
            "",
            "exception.physician",
            id="an exception without the physician is refused",
        ),
    ],
)
def test_an_exception_needs_a_written_reason_and_a_physician(
    reason: Any, physician: Any, field: str
) -> None:
    with pytest.raises(ContextError) as caught:
        PhysicianException(reason=reason, physician=physician)
    assert caught.value.field == field


def test_an_exception_reason_is_kept_without_surrounding_blanks() -> None:
    assert PhysicianException(reason="  Reason.  ", physician=" staff-1 ") == PhysicianException(
        "Reason.", "staff-1"
    )


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        pytest.param(
            ("ch", EVERYWHERE_ELIGIBLE, None),
            "preset",
            id="a preset key instead of a preset is refused",
        ),
        pytest.param(
            (None, {"assessed_on": ASSESSED_ON}, None),
            "facts",
            id="a dict instead of facts is refused",
        ),
        pytest.param(
            (None, EVERYWHERE_ELIGIBLE, "because"),
            "exception",
            id="a bare text instead of an exception is refused",
        ),
    ],
)
def test_assessment_refuses_wrong_argument_types(
    arguments: tuple[Any, Any, Any], field: str
) -> None:
    preset, facts, exception = arguments
    with pytest.raises(ContextError) as caught:
        assess_eligibility(preset or load_eligibility_preset("ch"), facts, exception)
    assert caught.value.field == field


def test_the_result_is_json_serialisable_and_complete() -> None:
    result = assess_eligibility(
        load_eligibility_preset("nl"), person(date_of_birth=born_turning(34)), EXCEPTION
    )
    data = json.loads(json.dumps(result.as_dict()))
    assert data["preset_key"] == "nl" and data["preset_version"] == "2026.1"
    assert data["assessed_on"] == "2026-11-22"
    assert data["verdict"] == "eligible_by_exception"
    assert data["verdict_by_criteria"] == "not_eligible"
    assert data["exception"] == {"reason": EXCEPTION.reason, "physician": "staff-0007"}
    assert data["exceptions_allowed"] is False and data["exception_outside_preset"] is True
    age = data["criteria"][0]
    assert age["status"] == "not_met" and age["value"] == "35" and age["unit"] == "years"
    assert age["sources"] == ["S6"] and age["kind"] == "min_age"
    dose_criterion = next(
        item for item in data["criteria"] if item["criterion_id"] == "methadone_dose"
    )
    assert dose_criterion["value"] is None
    assert dose_criterion["parameters"]["injector_mg"] == {
        "value": "60",
        "unit": "mg",
        "sources": ["S6"],
        "local_reason": None,
    }
    without = assess_eligibility(load_eligibility_preset("nl"), person()).as_dict()
    assert without["exception"] is None and without["verdict"] == "eligible"


# --- facts ----------------------------------------------------------------------------------------


def test_facts_take_whole_numbers_text_and_lists_and_store_decimals_enums_and_tuples() -> None:
    facts = EligibilityFacts(
        assessed_on=ASSESSED_ON,
        years_dependent=3,  # type: ignore[arg-type]
        years_injecting="2.5",  # type: ignore[arg-type]
        prior_treatments=[PriorTreatment("methadone", date(2020, 1, 1), None, "failed", 80)],  # type: ignore[arg-type]
        methadone_doses=[MethadoneDosePeriod(date(2020, 1, 1), None, "60")],  # type: ignore[arg-type]
        heroin_route="smoking",  # type: ignore[arg-type]
        share_of_days_injecting_last_90=0,  # type: ignore[arg-type]
        flags={"pregnant": False, "has_deficits": None},
    )
    assert facts.years_dependent == Decimal(3) and isinstance(facts.years_dependent, Decimal)
    assert facts.years_injecting == Decimal("2.5")
    assert facts.prior_treatments is not None and isinstance(facts.prior_treatments, tuple)
    recorded = facts.prior_treatments[0]
    assert recorded.kind is TreatmentKind.METHADONE and recorded.outcome is TreatmentOutcome.FAILED
    assert recorded.max_daily_dose_mg == Decimal(80)
    assert facts.methadone_doses is not None and facts.methadone_doses[0].daily_dose_mg == Decimal(
        60
    )
    assert facts.heroin_route is HeroinRoute.SMOKING
    assert facts.share_of_days_injecting_last_90 == Decimal(0)
    with pytest.raises(TypeError):
        facts.flags["pregnant"] = True  # type: ignore[index]


def _facts(**fields: Any) -> Callable[[], Any]:
    return lambda: EligibilityFacts(**{"assessed_on": ASSESSED_ON, **fields})


def _treatment(**fields: Any) -> Callable[[], Any]:
    values = {
        "kind": "methadone",
        "started_on": date(2020, 1, 1),
        "ended_on": None,
        "outcome": "failed",
        **fields,
    }
    return lambda: PriorTreatment(**values)


def _dose(**fields: Any) -> Callable[[], Any]:
    values = {
        "started_on": date(2020, 1, 1),
        "ended_on": None,
        "daily_dose_mg": Decimal(60),
        **fields,
    }
    return lambda: MethadoneDosePeriod(**values)


def _facts_with_treatment(**fields: Any) -> Callable[[], Any]:
    return lambda: EligibilityFacts(
        assessed_on=ASSESSED_ON, prior_treatments=(_treatment(**fields)(),)
    )


def _facts_with_dose(**fields: Any) -> Callable[[], Any]:
    return lambda: EligibilityFacts(assessed_on=ASSESSED_ON, methadone_doses=(_dose(**fields)(),))


LATER = date(2026, 11, 23)

# One scenario a line, so the table reads as a list of clinical sentences.
# fmt: off
BAD_FACTS = [
    pytest.param(_facts(assessed_on=datetime(2026, 11, 22, 9, tzinfo=UTC)), "assessed_on", "is not a calendar date", id="an assessment time instead of a date is refused"),
    pytest.param(_facts(assessed_on="2026-11-22"), "assessed_on", "is not a calendar date", id="an assessment date as text is refused"),
    pytest.param(_facts(date_of_birth=LATER), "date_of_birth", "is after the assessment", id="a birth after the assessment is refused"),
    pytest.param(_facts(years_dependent=2.5), "years_dependent", "not a float", id="years of dependence as a float are refused"),
    pytest.param(_facts(years_dependent=Decimal(-1)), "years_dependent", "-1 years is negative", id="negative years of dependence are refused"),
    pytest.param(_facts(years_injecting="many"), "years_injecting", "is not a number", id="years of injecting that are not a number are refused"),
    pytest.param(_facts(date_of_birth=born_turning(20), years_opioid_use=Decimal(22)), "years_opioid_use", "longer than the person has lived", id="22 years of opioid use at age 20 are refused"),
    pytest.param(_facts(prior_treatments=_treatment()()), "prior_treatments", "must be a tuple of PriorTreatment", id="a single treatment instead of a tuple is refused"),
    pytest.param(_facts(prior_treatments=({"kind": "methadone"},)), "prior_treatments[0]", "is not a PriorTreatment", id="a treatment as a dict is refused"),
    pytest.param(_facts_with_treatment(started_on=LATER), "prior_treatments[0].started_on", "is after the assessment", id="a treatment starting after the assessment is refused"),
    pytest.param(_facts_with_treatment(started_on=date(2026, 1, 1), ended_on=LATER), "prior_treatments[0].ended_on", "is after the assessment", id="a treatment ending after the assessment is refused"),
    pytest.param(_treatment(kind="heroin"), "prior_treatment.kind", "'heroin' is unknown", id="an unknown treatment kind is refused"),
    pytest.param(_treatment(kind=1), "prior_treatment.kind", "1 is unknown", id="a treatment kind that is not text is refused"),
    pytest.param(_treatment(outcome="relapsed"), "prior_treatment.outcome", "'relapsed' is unknown", id="an unknown treatment outcome is refused"),
    pytest.param(_treatment(started_on=None), "prior_treatment.started_on", "is not a calendar date", id="a treatment without a start is refused"),
    pytest.param(_treatment(ended_on="2021-01-01"), "prior_treatment.ended_on", "is not a calendar date", id="a treatment end as text is refused"),
    pytest.param(_treatment(ended_on=date(2019, 12, 31)), "prior_treatment.ended_on", "is before the start", id="a treatment ending before it started is refused"),
    pytest.param(_treatment(outcome="ongoing", ended_on=date(2021, 1, 1)), "prior_treatment.ended_on", "an ongoing treatment has no end date", id="an ongoing treatment with an end date is refused"),
    pytest.param(_treatment(outcome="abandoned"), "prior_treatment.ended_on", "needs its end date", id="an abandoned treatment without an end date is refused"),
    pytest.param(_treatment(max_daily_dose_mg=80.0), "prior_treatment.max_daily_dose_mg", "not a float", id="a treatment dose as a float is refused"),
    pytest.param(_treatment(max_daily_dose_mg=Decimal(-5)), "prior_treatment.max_daily_dose_mg", "-5 mg is negative", id="a negative treatment dose is refused"),
    pytest.param(_dose(ended_on=date(2019, 1, 1)), "methadone_doses.ended_on", "is before the start", id="a methadone dose ending before it started is refused"),
    pytest.param(_dose(daily_dose_mg=60.0), "methadone_doses.daily_dose_mg", "not a float", id="a methadone dose as a float is refused"),
    pytest.param(_dose(daily_dose_mg=Decimal(-60)), "methadone_doses.daily_dose_mg", "is negative", id="a negative methadone dose is refused"),
    pytest.param(_dose(started_on=datetime(2020, 1, 1, tzinfo=UTC)), "methadone_doses.started_on", "is not a calendar date", id="a methadone start time instead of a date is refused"),
    pytest.param(_dose(ended_on=2021), "methadone_doses.ended_on", "is not a calendar date", id="a methadone end that is not a date is refused"),
    pytest.param(_facts_with_dose(started_on=LATER), "methadone_doses[0].started_on", "is after the assessment", id="a methadone dose starting after the assessment is refused"),
    pytest.param(_facts_with_dose(ended_on=LATER), "methadone_doses[0].ended_on", "is after the assessment", id="a methadone dose ending after the assessment is refused"),
    pytest.param(_facts(methadone_doses=(Decimal(60),)), "methadone_doses[0]", "is not a MethadoneDosePeriod", id="a bare dose instead of a dose period is refused"),
    pytest.param(_facts(heroin_route="snorting"), "heroin_route", "'snorting' is unknown", id="an unknown route is refused"),
    pytest.param(_facts(share_of_days_injecting_last_90=Decimal(101)), "share_of_days_injecting_last_90", "101% is above 100%", id="more than 100% of days is refused"),
    pytest.param(_facts(share_of_days_injecting_last_90=Decimal(-1)), "share_of_days_injecting_last_90", "is negative", id="a negative share of days is refused"),
    pytest.param(_facts(share_of_days_injecting_last_90=0.5), "share_of_days_injecting_last_90", "not a float", id="a share of days as a float is refused"),
    pytest.param(_facts(flags={"is_tall": True}), "flags.is_tall", "unknown fact", id="an unknown fact is refused"),
    pytest.param(_facts(flags={"pregnant": "no"}), "flags.pregnant", "must be True, False or None", id="a fact recorded as text is refused"),
    pytest.param(_facts(flags=[("pregnant", False)]), "flags", "must be a mapping", id="facts as a list are refused"),
]
# fmt: on


@pytest.mark.parametrize(("build", "field", "problem"), BAD_FACTS)
def test_bad_facts_name_the_field_and_the_problem(
    build: Callable[[], Any], field: str, problem: str
) -> None:
    with pytest.raises(ContextError) as caught:
        build()
    assert caught.value.field == field
    assert problem in caught.value.problem
