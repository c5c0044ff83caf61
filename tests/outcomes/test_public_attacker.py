"""The suppression attacker test (docs/public-report.md): every published number of every frozen
report, solved for each hidden cell (tests/outcomes/attacker.py), pins none of them; with
complementary suppression switched off, it does."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openhat.outcomes import public_services as services
from openhat.outcomes.disclosure import (
    Relation,
    Report,
    earlier_of,
    earlier_versions,
    suppress_cells,
)
from openhat.outcomes.models import PublicReport
from openhat.outcomes.public_snapshot import as_report
from tests.outcomes.attacker import attack, pinned


def _publish(
    period: str,
    values: dict[str, int],
    relations: list[Relation],
    threshold: int,
    before: list[Report],
    *,
    complementary: bool = True,
    audit: bool = True,
) -> Report:
    merged, merged_relations = earlier_of(before, period)
    shown = suppress_cells(
        values,
        relations,
        threshold,
        earlier=merged,
        earlier_relations=merged_relations,
        versions=earlier_versions(before, period),
        complementary=complementary,
        audit=audit,
    )
    assert not shown.exposed
    for key, value in values.items():
        if 0 < value < threshold:
            assert shown.shown[key] is None, f"{key}={value} is below {threshold} and shown"
        if value == 0:
            assert shown.shown[key] == 0
    return Report(period, shown.shown, tuple(relations))


def _table(prefix: str, cells: list[int]) -> tuple[dict[str, int], list[Relation]]:
    values = {f"{prefix}/{i}": v for i, v in enumerate(cells)}
    values[f"{prefix}/total"] = sum(cells)
    return values, [Relation(f"{prefix}/total", tuple(k for k in values if k != f"{prefix}/total"))]


# --- fixed examples: the attacker pins a cell when complementary suppression is off ------------


def test_one_table() -> None:
    values, relations = _table("m", [3, 12, 15])

    assert pinned([_publish("m", values, relations, 10, [])]) == {}
    assert pinned([_publish("m", values, relations, 10, [], complementary=False)]) == {"m/0": 3}


def _grid(rows: list[list[int]]) -> tuple[dict[str, int], list[Relation]]:
    values: dict[str, int] = {}
    relations = []
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            values[f"g/{r}/{c}"] = value
        values[f"g/row{r}"] = sum(row)
        relations.append(Relation(f"g/row{r}", tuple(f"g/{r}/{c}" for c in range(len(row)))))
    for c in range(len(rows[0])):
        values[f"g/col{c}"] = sum(row[c] for row in rows)
        relations.append(Relation(f"g/col{c}", tuple(f"g/{r}/{c}" for r in range(len(rows)))))
    values["g/all"] = sum(map(sum, rows))
    relations.append(Relation("g/all", tuple(f"g/row{r}" for r in range(len(rows)))))
    relations.append(Relation("g/all", tuple(f"g/col{c}" for c in range(len(rows[0])))))
    return values, relations


def test_a_table_with_margins_both_ways() -> None:
    values, relations = _grid([[2, 20, 31], [14, 25, 40], [30, 12, 18]])

    assert pinned([_publish("g", values, relations, 10, [])]) == {}
    assert pinned([_publish("g", values, relations, 10, [], complementary=False)]) == {"g/0/0": 2}


def test_the_audit_catches_what_the_rule_per_relation_misses() -> None:
    """Two hidden cells in every row and column that has one are not always enough: here the
    hidden cells of the last two rows and the margins pin each other (found by a random search)."""
    values, relations = _grid([[3, 20, 30, 20], [1, 3, 12, 15], [1, 30, 0, 12], [1, 20, 1, 15]])

    assert pinned([_publish("g", values, relations, 5, [])]) == {}
    assert pinned([_publish("g", values, relations, 5, [], audit=False)])


def test_a_pinned_cell_whose_relations_are_all_hidden_or_zero() -> None:
    """Found by hypothesis (500 examples): the audit pins g/1/0 (and others) when every member of
    the relations holding them is hidden or zero; the complement is taken one relation further."""
    values, relations = _grid([[5, 5, 20, 20], [1, 0, 1, 0], [1, 0, 5, 1], [20, 30, 30, 2]])

    assert pinned([_publish("g", values, relations, 6, [])]) == {}


def _starts(month: str, dam: int, hdm: int, oral: int) -> tuple[dict[str, int], list[Relation]]:
    values = {f"{month}/starts/dam": dam, f"{month}/starts/hdm": hdm, f"{month}/starts/oral": oral}
    values[f"{month}/starts/total"] = dam + hdm + oral
    return values, [Relation(f"{month}/starts/total", tuple(list(values)[:3]))]


def _retention(cohort: str, yes: int, no: int) -> tuple[dict[str, int], list[Relation]]:
    values = {
        f"{cohort}/kept/yes": yes,
        f"{cohort}/kept/no": no,
        f"{cohort}/starts/total": yes + no,
    }
    return values, [Relation(f"{cohort}/starts/total", (f"{cohort}/kept/yes", f"{cohort}/kept/no"))]


def test_a_cell_shared_by_two_months_reports() -> None:
    """August's starts are the number at risk of August's cohort in November's report."""
    august = _publish("2026-08", *_starts("2026-08", 14, 3, 0), 10, [])
    kept, kept_relations = _retention("2026-08", 15, 2)
    november = _publish("2026-11", kept, kept_relations, 10, [august])

    assert pinned([august, november]) == {}
    assert august.cells["2026-08/starts/total"] == november.cells["2026-08/starts/total"] == 17
    bare = _publish("2026-11", kept, kept_relations, 10, [august], complementary=False)
    assert pinned([august, bare]) == {"2026-08/kept/no": 2}


def test_a_second_version_gives_away_nothing_hidden_in_the_first() -> None:
    """v1 hides a (3) and b (12) beside c (20); in v2 a was revised to 10. Had v2 shown b, v1's
    total would give a = 35 - 20 - 12 = 3 away: b stays hidden, and so does a."""
    first_values, relations = _table("m", [3, 12, 20])
    first = _publish("m", first_values, relations, 10, [])
    second_values, _ = _table("m", [10, 12, 20])
    second = _publish("m", second_values, relations, 10, [first])

    assert second.cells["m/1"] is None and second.cells["m/0"] is None
    assert pinned([first, second]) == {}
    careless = Report("m", {**second_values, "m/0": 10}, tuple(relations))
    # How v2 would have given v1's a away (if only a was revised; the attacker also tries b).
    assert pinned([first, careless])["m/0"] == 3


def test_a_revision_does_not_pin_the_revised_cell() -> None:
    """Found by hypothesis: v1 of m1 hides dam (1) and oral (4) beside hdm 0 and the total 5; v2
    has one hdm start more (total 6). Had v2 shown its total, v1's dam + oral = 5 with nothing
    else revised gives hdm = 6 - 5 = 1 away: the audit models v1 as its own copy of the cells."""
    empty = _publish("m0", *_starts("m0", 0, 0, 0), 5, [])
    values, relations = _starts("m1", 1, 0, 4)
    kept, kept_relations = _retention("m0", 0, 0)
    first = _publish("m1", {**values, **kept}, relations + kept_relations, 5, [empty])
    revised, relations = _starts("m1", 1, 1, 4)
    second = _publish("m1", revised, relations, 5, [empty, first])

    assert first.cells["m1/starts/total"] == 5 and first.cells["m1/starts/hdm"] == 0
    assert pinned([empty, first, second]) == {}


# --- random tables (hypothesis) -----------------------------------------------------------------

THRESHOLDS = st.integers(min_value=5, max_value=12)
COUNTS = st.integers(min_value=0, max_value=40)
# Many small cells beside large ones: the tables where complements pin each other.
MIXED = st.sampled_from([0, 1, 2, 3, 5, 8, 12, 15, 20, 30])


@settings(max_examples=60, deadline=None)
@given(cells=st.lists(COUNTS, min_size=2, max_size=6), threshold=THRESHOLDS)
def test_random_tables_pin_nothing(cells: list[int], threshold: int) -> None:
    values, relations = _table("t", cells)
    assert pinned([_publish("t", values, relations, threshold, [])]) == {}


@settings(max_examples=40, deadline=None)
@given(
    grid=st.integers(2, 4).flatmap(
        lambda columns: st.lists(
            st.lists(MIXED, min_size=columns, max_size=columns), min_size=2, max_size=4
        )
    ),
    threshold=THRESHOLDS,
)
def test_random_tables_with_margins_pin_nothing(grid: list[list[int]], threshold: int) -> None:
    values, relations = _grid(grid)
    assert pinned([_publish("g", values, relations, threshold, [])]) == {}


@settings(max_examples=40, deadline=None)
@given(
    months=st.lists(st.tuples(COUNTS, COUNTS, COUNTS, st.integers(0, 100)), min_size=2, max_size=4),
    revise=st.booleans(),
    threshold=THRESHOLDS,
)
def test_random_series_of_months_and_versions_pin_nothing(
    months: list[tuple[int, int, int, int]], revise: bool, threshold: int
) -> None:
    """Each month publishes its starts by drug and the retention of the month before (its
    starts total shared); with `revise`, the last month is frozen again with one more start."""
    published: list[Report] = []
    for i, (dam, hdm, oral, kept_share) in enumerate(months):
        values, relations = _starts(f"m{i}", dam, hdm, oral)
        if i:
            before = sum(months[i - 1][:3])
            yes = before * kept_share // 100
            kept, kept_relations = _retention(f"m{i - 1}", yes, before - yes)
            values.update(kept)
            relations += kept_relations
        published.append(_publish(f"m{i}", values, relations, threshold, published))
    if revise:
        last = len(months) - 1
        values, relations = _starts(
            f"m{last}", months[last][0], months[last][1] + 1, months[last][2]
        )
        published.append(_publish(f"m{last}", values, relations, threshold, published))

    assert pinned(published) == {}


@settings(max_examples=30, deadline=None)
@given(
    small=st.integers(1, 4),
    others=st.lists(st.integers(10, 40), min_size=1, max_size=4),
)
def test_without_complementary_suppression_the_attacker_pins_the_small_cell(
    small: int, others: list[int]
) -> None:
    values, relations = _table("t", [small, *others])
    bare = _publish("t", values, relations, 5, [], complementary=False)
    assert pinned([bare]) == {"t/0": small}


# --- the frozen reports of a clinic (database) --------------------------------------------------


@pytest.mark.django_db
def test_the_attacker_pins_nothing_in_a_clinics_frozen_reports(world: Any) -> None:
    personas, history = world
    manager = personas["manager"]
    p = history.month.key
    bare = services.compute(personas.clinic, history.month, complementary=False)
    assert pinned([as_report(bare)]) == {f"{p}/screens/positive": 2}
    for period in (history.month.shifted(-1).key, history.month.key):
        shown = services.preview(actor=manager, clinic=personas.clinic, period=period)
        if not shown.content["empty"]:
            services.freeze(
                actor=manager, clinic=personas.clinic, period=period, expected_sha256=shown.sha256
            )
    reports = [as_report(json.loads(r.content)) for r in PublicReport.objects.order_by("pk")]
    assert reports and any(v is None for r in reports for v in r.cells.values())

    assert pinned(reports) == {}
    assert all(r.low >= 1 for r in attack(reports).values())
