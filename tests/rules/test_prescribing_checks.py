"""What a dosing preset forbids in an order: table-driven, no database."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from openhat.rules import Drug, Order, Route, loosen
from openhat.rules.prescribing import (
    OrderFinding,
    check_order,
    check_routes,
    loosenings_needed,
)
from tests.rules.builders import at, order, protocol


def _ids(findings: tuple[OrderFinding, ...]) -> list[str]:
    return [finding.rule_id for finding in findings]


def _order(
    drug: str,
    daily_max: str,
    dose: str = "30",
    sessions: int = 1,
    starts: datetime | None = None,
    ends: datetime | None = None,
) -> Order:
    routes = (
        ("iv",) if drug in ("dam", "hdm") else ("im",) if drug == "naltrexone_xr" else ("oral",)
    )
    built = order(
        drug=drug,
        routes=routes,
        dose=dose,
        daily_max=daily_max,
        sessions=sessions,
        starts=starts,
        ends=ends,
    )
    return built


DAM_BESIDE = order(drug="dam", dose="200", daily_max="600")
METHADONE_HIGH = _order("methadone", "200")
METHADONE_LOW = _order("methadone", "120")

CASES: list[tuple[str, str, Order, tuple[Order, ...], list[str]]] = [
    # (name, preset, order, other active orders, rule ids expected)
    ("a DAM order within the preset", "ch-diaphin", order(daily_max="600"), (), []),
    ("DAM daily max at the preset's", "ch-diaphin", order(daily_max="1000"), (), []),
    (
        "DAM daily max above the preset's",
        "ch-diaphin",
        order(daily_max="1200"),
        (),
        ["order_daily_max_above_preset"],
    ),
    (
        "more sessions than the preset allows",
        "ch-diaphin",
        order(sessions=4, dose="100", daily_max="400"),
        (),
        ["order_sessions_above_preset"],
    ),
    (
        "a single dose above the order's own daily max",
        "ch-diaphin",
        order(dose=("100", "300"), daily_max="250"),
        (),
        ["order_dose_above_daily_max"],
    ),
    (
        "HDM where the preset has no HDM rules",
        "ch-diaphin",
        order(drug="hdm", daily_max="400"),
        (),
        ["order_drug_not_in_preset"],
    ),
    (
        "HDM where the preset covers it",
        "ca-ioat",
        order(drug="hdm", dose="100", daily_max="400"),
        (),
        [],
    ),
    (
        "methadone above the limit beside an active DAM order",
        "ch-diaphin",
        METHADONE_HIGH,
        (DAM_BESIDE,),
        ["order_methadone_beside_dam"],
    ),
    ("methadone within the limit beside DAM", "ch-diaphin", METHADONE_LOW, (DAM_BESIDE,), []),
    ("methadone above the limit without DAM", "ch-diaphin", METHADONE_HIGH, (), []),
    (
        "a new DAM order beside active methadone above the limit",
        "ch-diaphin",
        DAM_BESIDE,
        (METHADONE_HIGH,),
        ["order_methadone_beside_dam"],
    ),
    (
        "a new DAM order beside methadone within the limit",
        "ch-diaphin",
        DAM_BESIDE,
        (METHADONE_LOW,),
        [],
    ),
    (
        "the DAM order that ended before the methadone starts does not count",
        "ch-diaphin",
        _order("methadone", "200", starts=at(0, "00:00")),
        (order(daily_max="600", ends=at(0, "00:00")),),
        [],
    ),
    (
        "a DAM order starting after the methadone ends does not count",
        "ch-diaphin",
        _order("methadone", "200", ends=at(0, "00:00")),
        (order(daily_max="600", starts=at(0, "00:00")),),
        [],
    ),
    (
        "the version being superseded (same order id) is not 'beside'",
        "ch-diaphin",
        order(daily_max="600"),
        (
            Order(
                "dam-order",
                Drug.METHADONE,
                frozenset({Route.ORAL}),
                Decimal(200),
                Decimal(200),
                1,
                Decimal(200),
                at(-400, "00:00"),
            ),
        ),
        [],
    ),
    (
        "oral SROM is not limited by the HAT checks",
        "ch-diaphin",
        _order("srom", "1200", dose="1200"),
        (DAM_BESIDE,),
        [],
    ),
    (
        "extended-release naltrexone",
        "ch-diaphin",
        _order("naltrexone_xr", "380", dose="380"),
        (),
        [],
    ),
    (
        "several findings at once",
        "ch-diaphin",
        order(sessions=5, dose=("100", "1500"), daily_max="1200"),
        (METHADONE_HIGH,),
        [
            "order_daily_max_above_preset",
            "order_sessions_above_preset",
            "order_dose_above_daily_max",
            "order_methadone_beside_dam",
        ],
    ),
]


@pytest.mark.parametrize(
    ("preset", "checked", "others", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_check_order(
    preset: str, checked: Order, others: tuple[Order, ...], expected: list[str]
) -> None:
    assert _ids(check_order(protocol(preset), checked, others)) == expected


def test_a_finding_names_the_preset_value_its_source_and_what_the_order_needs() -> None:
    (finding,) = check_order(protocol(), order(daily_max="1200"))
    assert finding.preset_key == "dam.daily_max_mg"
    assert finding.preset_value == Decimal(1000)
    assert finding.needed_value == Decimal(1200)
    assert finding.unit == "mg"
    assert finding.sources == ("S13", "S16")
    assert finding.loosenable
    assert "1200 mg" in finding.message and "1000 mg" in finding.message
    assert "S13" in finding.message
    assert finding.as_dict() == {
        "rule_id": "order_daily_max_above_preset",
        "message": finding.message,
        "preset_key": "dam.daily_max_mg",
        "preset_value": "1000",
        "needed_value": "1200",
        "unit": "mg",
        "sources": ["S13", "S16"],
    }


def test_findings_without_a_preset_key_cannot_be_loosened() -> None:
    (finding,) = check_order(protocol(), order(drug="hdm", daily_max="400"))
    assert not finding.loosenable
    assert finding.as_dict()["preset_value"] is None
    assert finding.as_dict()["needed_value"] is None
    assert loosenings_needed([finding]) == []


def test_methadone_finding_in_both_directions_needs_the_same_loosening() -> None:
    (new_methadone,) = check_order(protocol(), METHADONE_HIGH, (DAM_BESIDE,))
    (new_dam,) = check_order(protocol(), DAM_BESIDE, (METHADONE_HIGH, METHADONE_LOW))
    for finding in (new_methadone, new_dam):
        assert finding.preset_key == "oral.methadone_max_mg_beside_dam"
        assert finding.needed_value == Decimal(200)
        assert "200 mg" in finding.message and "150 mg" in finding.message


def test_loosenings_needed_takes_the_largest_value_per_key() -> None:
    findings = [
        OrderFinding("a", "m", "dam.daily_max_mg", Decimal(1000), Decimal(1100)),
        OrderFinding("b", "m", "dam.daily_max_mg", Decimal(1000), Decimal(1300)),
        OrderFinding("c", "m", "dam.daily_max_mg", Decimal(1000), Decimal(1200)),
        OrderFinding("d", "m", "sessions.max_per_day", Decimal(3), Decimal(4)),
        OrderFinding("e", "m"),
    ]
    assert loosenings_needed(findings) == [
        ("dam.daily_max_mg", Decimal(1300)),
        ("sessions.max_per_day", Decimal(4)),
    ]


def test_the_loosenings_needed_make_the_order_pass() -> None:
    checked = order(sessions=4, dose="200", daily_max="1200")
    findings = check_order(protocol(), checked, (METHADONE_HIGH,))
    loosened = protocol()
    for key, value in loosenings_needed(findings):
        loosened = loosen(
            loosened, key, str(value), reason="documented tolerance", approved_by="dr"
        )
    assert check_order(loosened, checked, (METHADONE_HIGH,)) == ()


@pytest.mark.parametrize(
    ("drug", "routes", "bad"),
    [
        (Drug.DAM, ["iv", "im", "sc", "inhaled", "oral"], []),
        (Drug.HDM, ["iv", "oral"], []),
        (Drug.METHADONE, ["oral"], []),
        (Drug.METHADONE, ["iv", "oral"], ["'iv'"]),
        (Drug.NALTREXONE_XR, ["oral", "im"], ["'oral'"]),
        (Drug.BUPRENORPHINE, ["sc", "nasal"], ["'nasal'", "'sc'"]),
    ],
)
def test_check_routes(drug: Drug, routes: list[str], bad: list[str]) -> None:
    findings = check_routes(drug, routes)
    assert {finding.rule_id for finding in findings} <= {"order_route_not_allowed"}
    assert [
        next(word for word in f.message.split() if word.startswith("'")) for f in findings
    ] == bad
