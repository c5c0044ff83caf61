"""The report's period and cohort form, the published figures file, and the researcher's
suppression of each kind of number (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from openhat.core.errors import DomainError
from openhat.outcomes.cells import SUPPRESSED, Cells
from openhat.outcomes.period import Cohort, Period, parse_cohort, parse_period
from openhat.outcomes.published import (
    STATUSES,
    PublishedFileError,
    parse_figures,
    published_figures,
)
from openhat.outcomes.stats import Estimate, poisson_rate, wilson

TODAY = date(2026, 12, 7)


def test_a_good_period_and_cohort_are_parsed() -> None:
    assert parse_period("2026-01-01", "2026-06-30", TODAY) == Period(
        date(2026, 1, 1), date(2026, 6, 30)
    )
    assert parse_cohort("2025", "hdm", TODAY) == Cohort(2025, "hdm")
    assert parse_cohort("", "", TODAY) == Cohort()


@pytest.mark.parametrize(
    ("first", "last", "year", "drug", "code", "field"),
    [
        ("2026-13-01", "2026-12-01", "", "", "period_first_invalid", "first"),
        ("2026-01-01", "soon", "", "", "period_last_invalid", "last"),
        ("", "2026-01-01", "", "", "period_first_missing", "first"),
        ("2026-06-01", "2026-05-31", "", "", "period_last_before_first", "last"),
        ("2027-01-01", "2027-02-01", "", "", "period_in_future", "first"),
        ("2026-01-01", "2026-02-01", "twenty", "", "cohort_year_invalid", "start_year"),
        ("2026-01-01", "2026-02-01", "1899", "", "cohort_year_out_of_range", "start_year"),
        ("2026-01-01", "2026-02-01", "", "fentanyl", "cohort_drug_unknown", "drug"),
    ],
)
def test_bad_input_gets_its_code_and_field(
    first: str, last: str, year: str, drug: str, code: str, field: str
) -> None:
    with pytest.raises(DomainError) as raised:
        parse_period(first, last, TODAY)
        parse_cohort(year, drug, TODAY)
    assert (raised.value.code, raised.value.field) == (code, field)


def test_the_published_file_has_a_source_status_and_definition_for_every_row() -> None:
    figures = published_figures()
    studies = {f.study for f in figures}
    for study in (
        "NAOMI",
        "SALOME",
        "German heroin trial",
        "RIOTT",
        "Swiss cohort (PROVE / HeGeBe)",
    ):
        assert study in studies
    assert "3-day iOAT induction cohort" in studies
    assert all(f.status in STATUSES and f.source and f.definition for f in figures)
    naomi = next(f for f in figures if f.key == "naomi-retention-12m-dam")
    assert (naomi.value, naomi.status, naomi.measure) == (0.878, "confirmed", "retention_12m_any")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ('status = "probably"', "status must be one of"),
        ('measure = "happiness"', "no clinic measure"),
        ("value = 87.8", "a share is from 0 to 1"),
        ('colour = "red"', "unknown fields"),
    ],
)
def test_a_mistake_in_the_published_file_stops_the_load(change: str, message: str) -> None:
    row = {
        "key": '"x"', "study": '"S"', "source": '"S1"', "citation": '"C"',
        "measure": '"retention_12m_hat"', "drug": '""', "arm": '"A"', "value": "0.5",
        "unit": '"share"', "definition": '"D"', "status": '"confirmed"',
    }  # fmt: skip
    name, value = (part.strip() for part in change.split("=", 1))
    row[name] = value
    text = "[[figures]]\n" + "\n".join(f"{k} = {v}" for k, v in row.items())
    with pytest.raises(PublishedFileError, match=message):
        parse_figures(text)


def test_a_researcher_sees_no_small_count_and_no_figure_built_on_one() -> None:
    researcher, manager = Cells(True, 11), Cells(False, 11)
    assert researcher.count(3) == "<11" and researcher.count(0) == "0"
    assert researcher.count(11) == "11" and manager.count(3) == "3"
    # 3 of 40: the share would give the 3 away.
    assert researcher.share(wilson(3, 40))[0] == SUPPRESSED
    assert researcher.share(wilson(37, 40))[0] == SUPPRESSED  # ... and so would 37 of 40
    assert researcher.share(wilson(20, 40))[0] == "50.0%"
    assert manager.share(wilson(3, 40))[0] == "7.5%"
    assert researcher.rate(poisson_rate(2, 500, 100))[0] == SUPPRESSED
    assert researcher.rate(poisson_rate(0, 500, 100))[0] == "0.00"
    assert researcher.mean(Estimate(4.0, 1.0, 7.0, 6))[0] == SUPPRESSED
    assert researcher.mean(Estimate(4.0, 1.0, 7.0, 12))[0] == "4.0"


def test_a_researcher_gets_no_curve_whose_steps_give_a_small_count_away() -> None:
    from openhat.outcomes.plots import retention_plot
    from openhat.outcomes.stats import kaplan_meier

    three_exits = kaplan_meier([30, 60, 90] + [200] * 17, [True] * 3 + [False] * 17, [91])
    nobody_left = kaplan_meier([200] * 20, [False] * 20, [91])
    assert retention_plot([("All", three_exits)], title="t", minimum=None) is not None
    assert retention_plot([("All", three_exits)], title="t", minimum=11) is None
    assert retention_plot([("All", nobody_left)], title="t", minimum=11) is not None
