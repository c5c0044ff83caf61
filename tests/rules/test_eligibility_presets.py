"""The seven eligibility presets (docs/domain.md §4): both sides of every boundary, and broken files.

No database: these tests only import openhat.rules.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from openhat.rules import eligibility
from openhat.rules.eligibility import (
    CriterionStatus,
    EligibilityVerdict,
    HeroinRoute,
    assess_eligibility,
    eligibility_preset_keys,
    load_eligibility_preset,
    load_eligibility_preset_file,
)
from openhat.rules.errors import PresetError
from openhat.rules.protocol import dosing_preset_keys
from tests.rules.eligibility_people import (
    ABANDONED_BUPRENORPHINE,
    EVERYWHERE_ELIGIBLE,
    FAILED_METHADONE_18_MONTHS,
    born_turning,
    dose,
    person,
    treatment,
)

MET, NOT_MET, UNKNOWN = CriterionStatus.MET, CriterionStatus.NOT_MET, CriterionStatus.UNKNOWN
VERDICT_WHEN_ALONE = {
    MET: EligibilityVerdict.ELIGIBLE,
    NOT_MET: EligibilityVerdict.NOT_ELIGIBLE,
    UNKNOWN: EligibilityVerdict.INCOMPLETE,
}
SOURCE_OF_PRESET = {
    "ch": "S1",
    "de-2025": "S5",
    "de-2009": "S4",
    "nl": "S6",
    "uk-riott": "S8",
    "ca-naomi": "S13",
    "ca-crism": "S12",
    "us-pilot": "S13",
}


def test_the_presets_of_domain_md_are_listed_and_not_taken_for_dosing_presets() -> None:
    assert sorted(eligibility_preset_keys()) == sorted(SOURCE_OF_PRESET)
    assert not set(dosing_preset_keys()) & set(SOURCE_OF_PRESET)


@pytest.mark.parametrize("key", sorted(SOURCE_OF_PRESET))
def test_every_preset_loads_and_every_criterion_cites_its_jurisdictions_source(key: str) -> None:
    preset = load_eligibility_preset(key)
    assert preset.key == key
    assert preset.file == f"{key}.toml"
    assert preset.title and preset.version and preset.summary
    for criterion in preset.criteria:
        assert criterion.sources == (SOURCE_OF_PRESET[key],), criterion.id
        assert criterion.label[0].isupper() and not criterion.label.endswith(".")
        for item in criterion.parameters.values():
            assert isinstance(item.value, Decimal)
    # Only the Swiss ordinance provides for justified exceptions [S1].
    assert preset.exceptions_allowed is (key == "ch")
    assert preset.exceptions_sources == (("S1",) if key == "ch" else ())
    # Only Switzerland requires a federal patient licence beside eligibility [S1].
    assert preset.licence_required is (key == "ch")
    assert preset.licence_sources == (("S1",) if key == "ch" else ())


@pytest.mark.parametrize("key", sorted(SOURCE_OF_PRESET))
def test_a_person_meeting_every_criterion_is_eligible_under_every_preset(key: str) -> None:
    result = assess_eligibility(load_eligibility_preset(key), EVERYWHERE_ELIGIBLE)
    assert [item.status for item in result.criteria] == [MET] * len(result.criteria)
    assert result.verdict is EligibilityVerdict.ELIGIBLE


@pytest.mark.parametrize("key", sorted(SOURCE_OF_PRESET))
def test_a_person_with_nothing_recorded_is_incomplete_not_ineligible(key: str) -> None:
    from openhat.rules.eligibility import EligibilityFacts

    result = assess_eligibility(
        load_eligibility_preset(key), EligibilityFacts(assessed_on=EVERYWHERE_ELIGIBLE.assessed_on)
    )
    assert {item.status for item in result.criteria} == {UNKNOWN}
    assert result.verdict is EligibilityVerdict.INCOMPLETE
    for item in result.criteria:
        assert "not recorded" in item.evidence


def case(
    scenario: str, preset: str, criterion: str, status: CriterionStatus, **changes: Any
) -> Any:
    return pytest.param(preset, criterion, status, changes, id=scenario)


def treatments(*items: Any) -> dict[str, Any]:
    return {"prior_treatments": tuple(items)}


def methadone(*periods: Any, route: HeroinRoute | None = HeroinRoute.INJECTING) -> dict[str, Any]:
    return {"methadone_doses": tuple(periods), "heroin_route": route}


INJECTS, SMOKES = HeroinRoute.INJECTING, HeroinRoute.SMOKING

# One scenario a line, so the table reads as a list of clinical sentences.
# fmt: off
SCENARIOS = [
    # --- ch [S1] ---
    case("ch: a 17-year-old is not eligible on age", "ch", "age", NOT_MET, date_of_birth=born_turning(17)),
    case("ch: a person turning 18 today is eligible on age", "ch", "age", MET, date_of_birth=born_turning(18)),
    case("ch: a person turning 18 tomorrow is not yet eligible", "ch", "age", NOT_MET, date_of_birth=born_turning(18, days_later=1)),
    case("ch: 1.9 years of dependence is not enough", "ch", "dependence_years", NOT_MET, years_dependent=Decimal("1.9")),
    case("ch: exactly 2 years of dependence is enough", "ch", "dependence_years", MET, years_dependent=Decimal(2)),
    case("ch: a dependence not rated severe is not eligible", "ch", "severe_dependence", NOT_MET, flags={"severe_heroin_dependence": False}),
    case("ch: one failed treatment is not enough", "ch", "other_treatments", NOT_MET, **treatments(FAILED_METHADONE_18_MONTHS)),
    case("ch: one failed and one abandoned treatment are enough", "ch", "other_treatments", MET, **treatments(FAILED_METHADONE_18_MONTHS, ABANDONED_BUPRENORPHINE)),
    case("ch: a treatment completed as planned does not count as failed", "ch", "other_treatments", NOT_MET, **treatments(FAILED_METHADONE_18_MONTHS, treatment("residential", "2022-01-01", "2022-03-31", "completed"))),
    case("ch: an earlier injectable OAT is not an other treatment", "ch", "other_treatments", NOT_MET, **treatments(FAILED_METHADONE_18_MONTHS, treatment("injectable_oat", "2022-01-01", "2022-03-31", "failed"))),
    case("ch: a second treatment with unknown outcome leaves the count open", "ch", "other_treatments", UNKNOWN, **treatments(FAILED_METHADONE_18_MONTHS, treatment("buprenorphine", "2022-01-01", "2022-03-31", "unknown"))),
    case("ch: no earlier treatment at all is not eligible", "ch", "other_treatments", NOT_MET, prior_treatments=()),
    case("ch: without deficits a person is not eligible", "ch", "deficits", NOT_MET, flags={"has_deficits": False}),
    case("ch: deficits not yet assessed leave the assessment incomplete", "ch", "deficits", UNKNOWN, flags={"has_deficits": None}),
    # --- de-2025 [S5] ---
    case("de-2025: a 17-year-old is not eligible on age", "de-2025", "age", NOT_MET, date_of_birth=born_turning(17)),
    case("de-2025: an 18-year-old is eligible on age", "de-2025", "age", MET, date_of_birth=born_turning(18)),
    case("de-2025: 1.9 years of dependence is not enough", "de-2025", "dependence_years", NOT_MET, years_dependent=Decimal("1.9")),
    case("de-2025: 2 years of dependence is enough", "de-2025", "dependence_years", MET, years_dependent=Decimal(2)),
    case("de-2025: an ineffective treatment of 5 months is too short", "de-2025", "ineffective_long_treatment", NOT_MET, **treatments(treatment("methadone", "2025-01-01", "2025-05-31", "failed"))),
    case("de-2025: an ineffective treatment of exactly 6 months is enough", "de-2025", "ineffective_long_treatment", MET, **treatments(treatment("methadone", "2025-01-01", "2025-06-30", "failed"))),
    case("de-2025: an abandoned treatment of 6 months counts as ineffective", "de-2025", "ineffective_long_treatment", MET, **treatments(treatment("buprenorphine", "2025-01-01", "2025-06-30", "abandoned"))),
    case("de-2025: a 6-month treatment completed as planned was not ineffective", "de-2025", "ineffective_long_treatment", NOT_MET, **treatments(treatment("methadone", "2025-01-01", "2025-06-30", "completed"))),
    case("de-2025: a methadone treatment failing for 6 months up to today counts", "de-2025", "ineffective_long_treatment", MET, **treatments(treatment("methadone", "2026-05-23", None, "failed"))),
    case("de-2025: one day short of 6 months of a failing treatment is not enough", "de-2025", "ineffective_long_treatment", NOT_MET, **treatments(treatment("methadone", "2026-05-24", None, "failed"))),
    case("de-2025: a long treatment with unknown outcome leaves the criterion open", "de-2025", "ineffective_long_treatment", UNKNOWN, **treatments(treatment("methadone", "2024-01-01", "2024-12-31", "unknown"))),
    case("de-2025: earlier treatments not yet recorded leave the criterion open", "de-2025", "ineffective_long_treatment", UNKNOWN, prior_treatments=None),
    case("de-2025: without considerable deficits a person is not eligible", "de-2025", "deficits", NOT_MET, flags={"considerable_deficits": False}),
    # --- de-2009 [S4] ---
    case("de-2009: a 22-year-old is not eligible on age", "de-2009", "age", NOT_MET, date_of_birth=born_turning(22)),
    case("de-2009: a 23-year-old is eligible on age", "de-2009", "age", MET, date_of_birth=born_turning(23)),
    case("de-2009: 4.9 years of dependence is not enough", "de-2009", "dependence_years", NOT_MET, years_dependent=Decimal("4.9")),
    case("de-2009: 5 years of dependence is enough", "de-2009", "dependence_years", MET, years_dependent=Decimal(5)),
    case("de-2009: without severe somatic and psychological disorders not eligible", "de-2009", "severe_disorders", NOT_MET, flags={"severe_somatic_and_psychological_disorders": False}),
    case("de-2009: mostly non-intravenous use is not eligible", "de-2009", "predominantly_iv", NOT_MET, flags={"predominantly_iv": False}),
    case("de-2009: one unsuccessful treatment is not enough", "de-2009", "unsuccessful_treatments", NOT_MET, **treatments(FAILED_METHADONE_18_MONTHS)),
    case("de-2009: two unsuccessful treatments are enough", "de-2009", "unsuccessful_treatments", MET, **treatments(FAILED_METHADONE_18_MONTHS, ABANDONED_BUPRENORPHINE)),
    case("de-2009: a failed substitution treatment of 5 months is too short", "de-2009", "long_substitution_treatment", NOT_MET, **treatments(treatment("methadone", "2020-01-01", "2020-05-31", "failed"), ABANDONED_BUPRENORPHINE)),
    case("de-2009: a failed substitution treatment of 6 months is enough", "de-2009", "long_substitution_treatment", MET, **treatments(treatment("methadone", "2020-01-01", "2020-06-30", "failed"), ABANDONED_BUPRENORPHINE)),
    case("de-2009: a 12-month residential stay is not a substitution treatment", "de-2009", "long_substitution_treatment", NOT_MET, **treatments(treatment("residential", "2020-01-01", "2020-12-31", "failed"), ABANDONED_BUPRENORPHINE)),
    # --- nl [S6] ---
    case("nl: a 34-year-old is not eligible on age", "nl", "age", NOT_MET, date_of_birth=born_turning(34)),
    case("nl: a 35-year-old is eligible on age", "nl", "age", MET, date_of_birth=born_turning(35)),
    case("nl: 4.9 years of heroin addiction is not enough", "nl", "addiction_years", NOT_MET, years_dependent=Decimal("4.9")),
    case("nl: 5 years of heroin addiction is enough", "nl", "addiction_years", MET, years_dependent=Decimal(5)),
    case("nl: no daily heroin beside methadone is not eligible", "nl", "daily_heroin_beside_methadone", NOT_MET, flags={"daily_heroin_beside_methadone": False}),
    case("nl: irregular methadone attendance is not eligible", "nl", "methadone_attendance", NOT_MET, flags={"regular_methadone_attendance_6m": False}),
    case("nl: an injector on 59 mg/day for 3 months is below the dose", "nl", "methadone_dose", NOT_MET, **methadone(dose("2024-01-01", "2024-03-31", 59))),
    case("nl: an injector on 60 mg/day for 3 months meets the dose", "nl", "methadone_dose", MET, **methadone(dose("2024-01-01", "2024-03-31", 60))),
    case("nl: a smoker on 49 mg/day for 3 months is below the dose", "nl", "methadone_dose", NOT_MET, **methadone(dose("2024-01-01", "2024-03-31", 49), route=SMOKES)),
    case("nl: a smoker on 50 mg/day for 3 months meets the dose", "nl", "methadone_dose", MET, **methadone(dose("2024-01-01", "2024-03-31", 50), route=SMOKES)),
    case("nl: 55 mg/day is enough for a smoker", "nl", "methadone_dose", MET, **methadone(dose("2024-01-01", "2024-03-31", 55), route=SMOKES)),
    case("nl: 55 mg/day is not enough for an injector", "nl", "methadone_dose", NOT_MET, **methadone(dose("2024-01-01", "2024-03-31", 55))),
    case("nl: 55 mg/day with the route not recorded leaves the dose open", "nl", "methadone_dose", UNKNOWN, **methadone(dose("2024-01-01", "2024-03-31", 55), route=None)),
    case("nl: 65 mg/day meets the dose whatever the route", "nl", "methadone_dose", MET, **methadone(dose("2024-01-01", "2024-03-31", 65), route=None)),
    case("nl: 45 mg/day misses the dose whatever the route", "nl", "methadone_dose", NOT_MET, **methadone(dose("2024-01-01", "2024-03-31", 45), route=None)),
    case("nl: 60 mg/day for a month less a day is not enough", "nl", "methadone_dose", NOT_MET, **methadone(dose("2024-01-01", "2024-01-30", 60))),
    case("nl: 60 mg/day for a calendar month is enough", "nl", "methadone_dose", MET, **methadone(dose("2024-01-01", "2024-01-31", 60))),
    case("nl: 60 mg/day from 31 January to 28 February of a leap year is not yet a month", "nl", "methadone_dose", NOT_MET, **methadone(dose("2024-01-31", "2024-02-28", 60))),
    case("nl: 60 mg/day from 31 January to 29 February of a leap year is a month", "nl", "methadone_dose", MET, **methadone(dose("2024-01-31", "2024-02-29", 60))),
    case("nl: a month at 60 mg/day more than 5 years ago does not count", "nl", "methadone_dose", NOT_MET, **methadone(dose("2021-01-01", "2021-06-30", 60))),
    case("nl: a stretch straddling the 5-year limit counts only its days inside (3 weeks)", "nl", "methadone_dose", NOT_MET, **methadone(dose("2021-10-01", "2021-12-15", 60))),
    case("nl: a stretch straddling the 5-year limit counts only its days inside (a month)", "nl", "methadone_dose", MET, **methadone(dose("2021-10-01", "2021-12-21", 60))),
    case("nl: back-to-back doses of 60 and 70 mg/day make one continuous month", "nl", "methadone_dose", MET, **methadone(dose("2024-01-01", "2024-01-15", 60), dose("2024-01-16", "2024-01-31", 70))),
    case("nl: overlapping dose records still make one continuous month", "nl", "methadone_dose", MET, **methadone(dose("2024-01-01", "2024-01-20", 60), dose("2024-01-10", "2024-01-31", 70))),
    case("nl: a day without methadone breaks the month", "nl", "methadone_dose", NOT_MET, **methadone(dose("2024-01-01", "2024-01-15", 60), dose("2024-01-17", "2024-02-10", 70))),
    case("nl: a dip below 60 mg/day breaks the month for an injector", "nl", "methadone_dose", NOT_MET, **methadone(dose("2024-01-01", "2024-01-15", 60), dose("2024-01-16", "2024-01-20", 40), dose("2024-01-21", "2024-02-10", 60))),
    case("nl: a current dose of 60 mg/day started a month ago is enough", "nl", "methadone_dose", MET, **methadone(dose("2026-10-22", None, 60))),
    case("nl: no methadone in the last 5 years is not eligible", "nl", "methadone_dose", NOT_MET, **methadone()),
    case("nl: methadone doses not yet recorded leave the dose open", "nl", "methadone_dose", UNKNOWN, methadone_doses=None),
    # --- uk-riott [S8] ---
    case("uk-riott: a 17-year-old is too young", "uk-riott", "min_age", NOT_MET, date_of_birth=born_turning(17)),
    case("uk-riott: an 18-year-old is old enough", "uk-riott", "min_age", MET, date_of_birth=born_turning(18)),
    case("uk-riott: a 65-year-old on the eve of turning 66 is within the age limit", "uk-riott", "max_age", MET, date_of_birth=born_turning(66, days_later=1)),
    case("uk-riott: a person turning 66 today is over the age limit", "uk-riott", "max_age", NOT_MET, date_of_birth=born_turning(66)),
    case("uk-riott: injecting for 2.9 years is not enough", "uk-riott", "injecting_years", NOT_MET, years_injecting=Decimal("2.9")),
    case("uk-riott: injecting for 3 years is enough", "uk-riott", "injecting_years", MET, years_injecting=Decimal(3)),
    case("uk-riott: a day short of 6 months in current oral treatment is not enough", "uk-riott", "oral_treatment", NOT_MET, **treatments(treatment("methadone", "2026-05-24", None, "ongoing"))),
    case("uk-riott: 6 months in current oral treatment up to today is enough", "uk-riott", "oral_treatment", MET, **treatments(treatment("methadone", "2026-05-23", None, "ongoing"))),
    case("uk-riott: a year of oral treatment that has ended does not count", "uk-riott", "oral_treatment", NOT_MET, **treatments(treatment("methadone", "2024-01-01", "2024-12-31", "failed"))),
    case("uk-riott: a current residential programme is not oral treatment", "uk-riott", "oral_treatment", NOT_MET, **treatments(treatment("residential", "2025-01-01", None, "ongoing"))),
    case("uk-riott: injecting street heroin on 49% of days is not enough", "uk-riott", "injecting_days", NOT_MET, share_of_days_injecting_last_90=Decimal(49)),
    case("uk-riott: injecting street heroin on 50% of days is enough", "uk-riott", "injecting_days", MET, share_of_days_injecting_last_90=Decimal(50)),
    case("uk-riott: injecting days not recorded leave the criterion open", "uk-riott", "injecting_days", UNKNOWN, share_of_days_injecting_last_90=None),
    # --- ca-naomi [S13] ---
    case("ca-naomi: a 24-year-old is too young", "ca-naomi", "age", NOT_MET, date_of_birth=born_turning(24)),
    case("ca-naomi: a 25-year-old is old enough", "ca-naomi", "age", MET, date_of_birth=born_turning(25)),
    case("ca-naomi: 4.9 years of opioid use is not enough", "ca-naomi", "opioid_use_years", NOT_MET, years_opioid_use=Decimal("4.9")),
    case("ca-naomi: 5 years of opioid use is enough", "ca-naomi", "opioid_use_years", MET, years_opioid_use=Decimal(5)),
    case("ca-naomi: injecting for 4.9 years is not enough", "ca-naomi", "injecting_years", NOT_MET, years_injecting=Decimal("4.9")),
    case("ca-naomi: injecting for 5 years is enough", "ca-naomi", "injecting_years", MET, years_injecting=Decimal(5)),
    case("ca-naomi: one previous methadone treatment is not enough", "ca-naomi", "previous_treatments", NOT_MET, **treatments(FAILED_METHADONE_18_MONTHS)),
    case("ca-naomi: two previous treatments without methadone are not enough", "ca-naomi", "previous_treatments", NOT_MET, **treatments(ABANDONED_BUPRENORPHINE, treatment("residential", "2022-01-01", "2022-03-31", "completed"))),
    case("ca-naomi: methadone and one more treatment, whatever their outcome, are enough", "ca-naomi", "previous_treatments", MET, **treatments(treatment("methadone", "2018-01-01", "2018-12-31", "completed"), treatment("residential", "2022-01-01", "2022-03-31", "completed"))),
    case("ca-naomi: a pregnant woman is excluded", "ca-naomi", "not_pregnant", NOT_MET, flags={"pregnant": True}),
    case("ca-naomi: pregnancy not asked leaves the exclusion open", "ca-naomi", "not_pregnant", UNKNOWN, flags={"pregnant": None}),
    case("ca-naomi: a person likely to be incarcerated is excluded", "ca-naomi", "no_likely_incarceration", NOT_MET, flags={"likely_incarceration": True}),
    # --- us-pilot: a research pilot with NAOMI's criteria [S13] ---
    case("us-pilot: a 24-year-old is too young", "us-pilot", "age", NOT_MET, date_of_birth=born_turning(24)),
    case("us-pilot: injecting for 5 years is enough", "us-pilot", "injecting_years", MET, years_injecting=Decimal(5)),
    case("us-pilot: two previous treatments without methadone are not enough", "us-pilot", "previous_treatments", NOT_MET, **treatments(ABANDONED_BUPRENORPHINE, treatment("residential", "2022-01-01", "2022-03-31", "completed"))),
    case("us-pilot: a person likely to be incarcerated is excluded", "us-pilot", "no_likely_incarceration", NOT_MET, flags={"likely_incarceration": True}),
    # --- ca-crism [S12] ---
    case("ca-crism: opioid use disorder that is not severe is not eligible", "ca-crism", "severe_oud", NOT_MET, flags={"severe_oud": False}),
    case("ca-crism: no ongoing illicit injection is not eligible", "ca-crism", "ongoing_injection", NOT_MET, flags={"ongoing_illicit_injection": False}),
    case("ca-crism: oral OAT that worked is not eligible", "ca-crism", "oral_oat_ineffective", NOT_MET, flags={"prior_oral_oat_ineffective": False}),
    case("ca-crism: effect of oral OAT not yet judged leaves the assessment incomplete", "ca-crism", "oral_oat_ineffective", UNKNOWN, flags={"prior_oral_oat_ineffective": None}),
]
# fmt: on


@pytest.mark.parametrize(("preset_key", "criterion_id", "status", "changes"), SCENARIOS)
def test_preset_scenario(
    preset_key: str, criterion_id: str, status: CriterionStatus, changes: dict[str, Any]
) -> None:
    result = assess_eligibility(load_eligibility_preset(preset_key), person(**changes))
    by_id = {item.criterion_id: item for item in result.criteria}
    assert by_id[criterion_id].status is status, by_id[criterion_id].evidence
    others = {key: item.status for key, item in by_id.items() if key != criterion_id}
    assert set(others.values()) <= {MET}, others  # each scenario changes one criterion only
    assert result.verdict is VERDICT_WHEN_ALONE[status]


# --- broken preset files --------------------------------------------------------------------------

VALID = """
[preset]
key = "test"
kind = "eligibility"
title = "Test"
version = "1"
summary = "A test preset."
licence_required = false
exceptions_allowed = false

[[criteria]]
id = "age"
label = "Aged 18 or over"
kind = "min_age"
value = { value = 18, unit = "years", source = "S1" }
"""

TREATMENT = """
[[criteria]]
id = "treatments"
label = "Two treatments"
kind = "min_prior_treatments"
value = { value = 2, unit = "count", source = "S1" }
"""

FACT = """
[[criteria]]
id = "deficits"
label = "Has deficits"
kind = "fact_true"
fact = "has_deficits"
"""


def write(tmp_path: Path, text: str, name: str = "test.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def broken(scenario: str, text: str, key: str, problem: str) -> Any:
    return pytest.param(text, key, problem, id=scenario)


# One scenario a line, so the table reads as a list of clinical sentences.
# fmt: off
BROKEN = [
    broken("not TOML at all", "[preset\nkey = ", "-", "is not valid TOML"),
    broken("an unknown top-level table", VALID + "\n[extra]\nx = 1\n", "extra", "unknown key"),
    broken("the preset table missing", "[[criteria]]\nid = 'age'\n", "preset", "the [preset] table is missing"),
    broken("an empty title", VALID.replace('title = "Test"', 'title = " "'), "preset.title", "is missing or empty"),
    broken("an unknown header field", VALID.replace('version = "1"', 'version = "1"\nregion = "x"'), "preset", "unknown field(s) region"),
    broken("a dosing kind", VALID.replace('kind = "eligibility"', 'kind = "dosing"'), "preset.kind", "is not an eligibility preset"),
    broken("a key that is not the file name", VALID.replace('key = "test"', 'key = "other"'), "preset.key", "does not match the file name"),
    broken("exceptions_allowed missing", VALID.replace("exceptions_allowed = false", ""), "preset.exceptions_allowed", "must be true or false"),
    broken("exceptions_allowed as text", VALID.replace("exceptions_allowed = false", 'exceptions_allowed = "yes"'), "preset.exceptions_allowed", "must be true or false"),
    broken("exceptions allowed without a source", VALID.replace("exceptions_allowed = false", "exceptions_allowed = true"), "preset.exceptions_source", "has no source"),
    broken("exceptions allowed with a local source and no reason", VALID.replace("exceptions_allowed = false", 'exceptions_allowed = true\nexceptions_source = "local"'), "preset.exceptions_source", "a local value needs a one-line reason"),
    broken("an exception source where exceptions are not allowed", VALID.replace("exceptions_allowed = false", 'exceptions_allowed = false\nexceptions_source = "S1"'), "preset.exceptions_source", "only cited when exceptions_allowed = true"),
    broken("licence_required missing", VALID.replace("licence_required = false\n", ""), "preset.licence_required", "must be true or false"),
    broken("licence_required as text", VALID.replace("licence_required = false", 'licence_required = "yes"'), "preset.licence_required", "must be true or false"),
    broken("a licence required without a source", VALID.replace("licence_required = false", "licence_required = true"), "preset.licence_source", "has no source"),
    broken("a licence source where none is required", VALID.replace("licence_required = false", 'licence_required = false\nlicence_source = "S1"'), "preset.licence_source", "only cited when licence_required = true"),
    broken("a licence reason where none is required", VALID.replace("licence_required = false", 'licence_required = false\nlicence_reason = "x"'), "preset.licence_source", "only cited when licence_required = true"),
    broken("no criteria", VALID.split("[[criteria]]")[0], "criteria", "at least one [[criteria]] table"),
    broken("a criterion that is not a table", VALID.split("[[criteria]]")[0].replace("[preset]", "criteria = [1]\n[preset]"), "criteria[0]", "must be a table"),
    broken("a criterion without a label", VALID.replace('label = "Aged 18 or over"', ""), "criteria[0].label", "is missing or empty"),
    broken("a criterion id that is not a lower-case identifier", VALID.replace('id = "age"', 'id = "Age-1"'), "criteria[0].id", "must be a lower-case identifier"),
    broken("an unknown criterion kind", VALID.replace('kind = "min_age"', 'kind = "min_height"'), "criteria[0].kind", "unknown kind 'min_height'"),
    broken("an unknown field in a criterion", VALID + 'note = "x"\n', "criteria[0]", "unknown field(s) for min_age: note"),
    broken("a criterion without its value", VALID.replace('value = { value = 18, unit = "years", source = "S1" }', ""), "criteria[0].value", "is required but missing"),
    broken("a value without a source", VALID.replace(', source = "S1" }', " }"), "criteria[0].value", "has no source"),
    broken("a value citing an unknown source", VALID.replace('source = "S1" }', 'source = "S99" }'), "criteria[0].value", "unknown source 'S99'"),
    broken("a local value without a reason", VALID.replace('source = "S1" }', 'source = "local" }'), "criteria[0].value", "a local value needs a one-line reason"),
    broken("a reason on a sourced value", VALID.replace('source = "S1" }', 'source = "S1", reason = "why" }'), "criteria[0].value", "a reason is only given for local values"),
    broken("a value in the wrong unit", VALID.replace('unit = "years"', 'unit = "months"'), "criteria[0].value", "unit 'months' where 'years' is meant"),
    broken("an age out of range", VALID.replace("value = 18,", "value = 130,"), "criteria[0].value", "value 130 years is outside 0-120"),
    broken("an age that is not a whole number", VALID.replace("value = 18,", "value = 18.5,"), "criteria[0].value", "must be a whole number"),
    broken("a value that is not a number", VALID.replace("value = 18,", 'value = "eighteen",'), "criteria[0].value", "is not a number"),
    broken("a duplicate criterion id", VALID + VALID.split("exceptions_allowed = false")[1], "criteria[1].id", "'age' repeats criteria[0]"),
    broken("a maximum age below the minimum", VALID + '[[criteria]]\nid = "old"\nlabel = "Under 16"\nkind = "max_age"\nvalue = { value = 16, unit = "years", source = "S8" }\n', "criteria[1].value", "the maximum age is below the minimum age"),
    broken("a fact criterion naming an unknown fact", VALID + FACT.replace('"has_deficits"', '"is_tall"') + 'source = "S1"\n', "criteria[1].fact", "'is_tall' is not a known fact"),
    broken("a fact criterion without a source", VALID + FACT, "criteria[1].source", "has no source"),
    broken("a fact criterion with a source that is not a key", VALID + FACT + "source = [1]\n", "criteria[1].source", "source must be a key"),
    broken("a fact criterion citing an unknown source", VALID + FACT + 'source = ["S1", "S77"]\n', "criteria[1].source", "unknown source 'S77'"),
    broken("a local fact criterion without a reason", VALID + FACT + 'source = "local"\n', "criteria[1].source", "a local value needs a one-line reason"),
    broken("a reason on a sourced fact criterion", VALID + FACT + 'source = "S1"\nreason = "why"\n', "criteria[1].source", "a reason is only given for local values"),
    broken("a treatment count without counted outcomes", VALID + TREATMENT, "criteria[1].counted_outcomes", "is required but missing"),
    broken("a treatment count with no outcomes listed", VALID + TREATMENT + "counted_outcomes = []\n", "criteria[1].counted_outcomes", "must be a non-empty list"),
    broken("a treatment count with an unknown outcome", VALID + TREATMENT + 'counted_outcomes = ["relapsed"]\n', "criteria[1].counted_outcomes", "'relapsed' is unknown"),
    broken("a treatment count with an unknown kind", VALID + TREATMENT + 'counted_outcomes = ["failed"]\ncounted_kinds = ["heroin"]\n', "criteria[1].counted_kinds", "'heroin' is unknown"),
    broken("a treatment kind listed twice", VALID + TREATMENT + 'counted_outcomes = ["failed"]\ncounted_kinds = ["methadone", "methadone"]\n', "criteria[1].counted_kinds", "lists an entry twice"),
    broken("a required kind that is not counted", VALID + TREATMENT + 'counted_outcomes = ["failed"]\ncounted_kinds = ["buprenorphine"]\nrequired_kinds = ["methadone"]\n', "criteria[1].required_kinds", "must be among the counted kinds"),
    broken("current_only on a treatment count", VALID + TREATMENT + 'counted_outcomes = ["failed"]\ncurrent_only = true\n', "criteria[1]", "unknown field(s) for min_prior_treatments: current_only"),
    broken("current_only that is not true or false", VALID + TREATMENT.replace("min_prior_treatments", "min_long_treatment") + 'months = { value = 6, unit = "months", source = "S5" }\ncounted_outcomes = ["failed"]\ncurrent_only = "yes"\n', "criteria[1].current_only", "must be true or false"),
    broken("a treatment count of zero", VALID + TREATMENT.replace("value = 2,", "value = 0,") + 'counted_outcomes = ["failed"]\n', "criteria[1].value", "outside 1-20"),
    broken("a methadone dose without its months", VALID + '[[criteria]]\nid = "dose"\nlabel = "Dose"\nkind = "min_methadone_dose"\ninjector_mg = { value = 60, unit = "mg", source = "S6" }\nsmoker_mg = { value = 50, unit = "mg", source = "S6" }\nwithin_years = { value = 5, unit = "years", source = "S6" }\n', "criteria[1].months", "is required but missing"),
    broken("a share of days above 100 percent", VALID + '[[criteria]]\nid = "days"\nlabel = "Days"\nkind = "min_share_of_days"\nvalue = { value = 101, unit = "percent", source = "S8" }\n', "criteria[1].value", "outside 0-100"),
]
# fmt: on


@pytest.mark.parametrize(("text", "key", "problem"), BROKEN)
def test_a_broken_preset_names_file_key_and_problem(
    tmp_path: Path, text: str, key: str, problem: str
) -> None:
    with pytest.raises(PresetError) as caught:
        load_eligibility_preset_file(write(tmp_path, text))
    assert caught.value.file == "test.toml"
    assert caught.value.key == key
    assert problem in caught.value.problem


def test_an_unreadable_preset_file_is_a_preset_error(tmp_path: Path) -> None:
    path = tmp_path / "test.toml"
    path.write_bytes(b"\xff\xfe not utf-8")
    with pytest.raises(PresetError) as caught:
        load_eligibility_preset_file(path)
    assert (caught.value.file, caught.value.key) == ("test.toml", "-")
    assert "cannot be read" in caught.value.problem


def test_local_values_and_toml_decimals_are_accepted_with_their_reasons(tmp_path: Path) -> None:
    text = (
        VALID.replace(
            "exceptions_allowed = false",
            'exceptions_allowed = true\nexceptions_source = "local"\nexceptions_reason = "the clinic board allows reasoned exceptions"',
        )
        + '[[criteria]]\nid = "years"\nlabel = "Dependent for 2.5 years"\nkind = "min_years_dependence"\nvalue = { value = 2.5, unit = "years", source = "local", reason = "a stricter local rule" }\n'
        + FACT
        + 'source = "local"\nreason = "assessed by the clinic\'s own scale"\n'
    )
    preset = load_eligibility_preset_file(write(tmp_path, text))
    assert preset.exceptions_allowed and preset.exceptions_sources == ("local",)
    assert preset.exceptions_local_reason == "the clinic board allows reasoned exceptions"
    assert not preset.licence_required and preset.licence_local_reason is None
    years = preset.criteria[1]
    assert years.number("value") == Decimal("2.5")
    assert years.local_reasons == ("a stricter local rule",)
    assert preset.criteria[2].local_reasons == ("assessed by the clinic's own scale",)


def test_a_locally_required_licence_carries_its_reason(tmp_path: Path) -> None:
    text = VALID.replace(
        "licence_required = false",
        'licence_required = true\nlicence_source = "local"\nlicence_reason = "the canton asks for one"',
    )
    preset = load_eligibility_preset_file(write(tmp_path, text))
    assert preset.licence_required and preset.licence_sources == ("local",)
    assert preset.licence_local_reason == "the canton asks for one"


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        pytest.param("nope", "no eligibility preset 'nope'", id="an unknown preset key"),
        pytest.param("", "no eligibility preset ''", id="an empty preset key"),
        pytest.param("../presets/ch", "no eligibility preset", id="a path instead of a key"),
        pytest.param("ch-diaphin", "is not an eligibility preset", id="a dosing preset's key"),
    ],
)
def test_loading_by_an_unknown_key_is_a_preset_error(key: str, problem: str) -> None:
    with pytest.raises(PresetError) as caught:
        load_eligibility_preset(key)
    assert problem in caught.value.problem


def test_listing_skips_files_that_are_not_valid_toml_or_not_eligibility(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, VALID)
    write(tmp_path, "[preset\n", name="broken.toml")
    write(tmp_path, '[preset]\nkind = "dosing"\n', name="dosing.toml")
    write(tmp_path, "title = 'no header'\n", name="headless.toml")
    monkeypatch.setattr(eligibility, "PRESET_DIR", tmp_path)
    assert eligibility_preset_keys() == ["test"]
    assert load_eligibility_preset("test").key == "test"
