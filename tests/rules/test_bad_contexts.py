"""Bad input never reaches a decision: each raises a typed error that names the field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from openhat.rules import (
    Administration,
    Assessment,
    ContextError,
    DoseRequest,
    DosingHistory,
    Order,
    Override,
    SessionContext,
    UnitError,
    decide,
)
from openhat.rules.units import Quantity
from tests.rules.builders import ZONE_NAME, at, context, dose, order, protocol

NAIVE = datetime(2026, 6, 10, 13, 0)


def _order(**changes: Any) -> Order:
    fields: dict[str, Any] = dict(
        order_id="o1",
        drug="dam",
        routes=frozenset({"iv"}),
        dose_min_mg=Decimal(100),
        dose_max_mg=Decimal(200),
        sessions_per_day=3,
        daily_max_mg=Decimal(1000),
        starts_at=at(-10, "00:00"),
    )
    fields.update(changes)
    return Order(**fields)


def _administration(**changes: Any) -> Administration:
    fields: dict[str, Any] = dict(
        at=at(-1, "08:00"), drug="dam", route="iv", dose_mg=Decimal(100), session_id="s1"
    )
    fields.update(changes)
    return Administration(**fields)


def _request(**changes: Any) -> DoseRequest:
    fields: dict[str, Any] = dict(drug="dam", route="iv", dose_mg=Decimal(100))
    fields.update(changes)
    return DoseRequest(**fields)


def _session(**changes: Any) -> SessionContext:
    fields: dict[str, Any] = dict(
        protocol=protocol(),
        orders=(order(),),
        history=DosingHistory((), ZONE_NAME),
        assessment=Assessment(),
        request=_request(),
        now=at(0, "13:00"),
    )
    fields.update(changes)
    return SessionContext(**fields)


BAD: dict[str, tuple[Callable[[], object], type[Exception], str]] = {
    # negative and zero doses
    "a negative dose given": (lambda: dose(at(-1, "08:00"), "-5"), ContextError, "history.dose_mg"),
    "a dose of 0 mg given": (lambda: dose(at(-1, "08:00"), "0"), ContextError, "history.dose_mg"),
    "a negative dose asked": (lambda: context(request_mg="-5"), ContextError, "request.dose_mg"),
    "a negative order minimum": (
        lambda: _order(dose_min_mg=Decimal(-10)),
        ContextError,
        "order.dose_min_mg",
    ),
    "a negative order daily maximum": (
        lambda: _order(daily_max_mg=Decimal(-1)),
        ContextError,
        "order.daily_max_mg",
    ),
    "an order range whose minimum is above its maximum": (
        lambda: order(dose=("300", "200")),
        ContextError,
        "order.dose_min_mg",
    ),
    "an order of 0 mg": (lambda: order(dose="0"), ContextError, "order.dose_max_mg"),
    "an order of 0 sessions a day": (
        lambda: order(sessions=0),
        ContextError,
        "order.sessions_per_day",
    ),
    "an order of 2.5 sessions a day": (
        lambda: _order(sessions_per_day=2.5),
        ContextError,
        "order.sessions_per_day",
    ),
    "an order without an id": (lambda: _order(order_id=""), ContextError, "order.order_id"),
    "an order without routes": (lambda: _order(routes=frozenset()), ContextError, "order.routes"),
    "an order that ends before it starts": (
        lambda: order(starts=at(0, "12:00"), ends=at(0, "11:00")),
        ContextError,
        "order.ends_at",
    ),
    # unknown drugs and routes
    "an order for an unknown drug": (lambda: order(drug="fentanyl"), ContextError, "order.drug"),
    "a dose of an unknown drug": (
        lambda: dose(at(-1, "08:00"), "10", drug="fentanyl"),
        ContextError,
        "history.drug",
    ),
    "a request for an unknown drug": (
        lambda: context(drug="fentanyl"),
        ContextError,
        "request.drug",
    ),
    "an order by an unknown route": (
        lambda: order(routes=("nasal",)),
        ContextError,
        "order.routes",
    ),
    "a dose by an unknown route": (
        lambda: dose(at(-1, "08:00"), "10", route="nasal"),
        ContextError,
        "history.route",
    ),
    "a request by an unknown route": (
        lambda: context(route="nasal"),
        ContextError,
        "request.route",
    ),
    "an order for IV methadone": (
        lambda: order(drug="methadone", routes=("iv",)),
        ContextError,
        "order.routes",
    ),
    "a dose of IV methadone": (
        lambda: dose(at(-1, "08:00"), "60", drug="methadone", route="iv"),
        ContextError,
        "history.route",
    ),
    "a request for IV methadone": (
        lambda: context(drug="methadone", route="iv"),
        ContextError,
        "request.route",
    ),
    "a request for oral naltrexone XR": (
        lambda: context(drug="naltrexone_xr", route="oral"),
        ContextError,
        "request.route",
    ),
    "an unknown session window": (lambda: _request(window="night"), ContextError, "request.window"),
    "a top-up flag that is not true or false": (
        lambda: _request(top_up="yes"),
        ContextError,
        "request.top_up",
    ),
    # naive datetimes anywhere
    "an order starting at a naive time": (
        lambda: _order(starts_at=NAIVE),
        ContextError,
        "order.starts_at",
    ),
    "an order ending at a naive time": (
        lambda: _order(ends_at=NAIVE),
        ContextError,
        "order.ends_at",
    ),
    "a dose at a naive time": (lambda: _administration(at=NAIVE), ContextError, "history.at"),
    "a decision at a naive now": (lambda: _session(now=NAIVE), ContextError, "now"),
    "a decision at a now that is a string": (
        lambda: _session(now="2026-06-10T13:00+02:00"),
        ContextError,
        "now",
    ),
    # floats, NaN, infinity
    "a float dose given": (lambda: _administration(dose_mg=15.0), ContextError, "history.dose_mg"),
    "a float dose asked": (lambda: _request(dose_mg=15.0), ContextError, "request.dose_mg"),
    "a float order maximum": (lambda: _order(dose_max_mg=200.0), ContextError, "order.dose_max_mg"),
    "a NaN dose given": (
        lambda: _administration(dose_mg=Decimal("NaN")),
        ContextError,
        "history.dose_mg",
    ),
    "a NaN dose asked": (lambda: _request(dose_mg=Decimal("NaN")), ContextError, "request.dose_mg"),
    "an infinite order maximum": (
        lambda: _order(daily_max_mg=Decimal("Infinity")),
        ContextError,
        "order.daily_max_mg",
    ),
    "a dose that is a word": (
        lambda: _administration(dose_mg="lots"),
        ContextError,
        "history.dose_mg",
    ),
    "a boolean dose": (lambda: _request(dose_mg=True), ContextError, "request.dose_mg"),
    # the history
    "an unsorted history": (
        lambda: DosingHistory(
            (_administration(at=at(-1, "13:00")), _administration(at=at(-1, "08:00"))), ZONE_NAME
        ),
        ContextError,
        "history",
    ),
    "a history that is not administrations": (
        lambda: DosingHistory(("08:00 100 mg",), ZONE_NAME),  # type: ignore[arg-type]
        ContextError,
        "history",
    ),
    "a history with a dose after now": (
        lambda: context(history=[dose(at(0, "14:00"), "100")], now=at(0, "13:00")),
        ContextError,
        "history",
    ),
    "a dose without a session": (
        lambda: _administration(session_id=""),
        ContextError,
        "history.session_id",
    ),
    # the assessment
    "a sedation score of 0": (
        lambda: Assessment(sedation_score=0),
        ContextError,
        "assessment.sedation_score",
    ),
    "a sedation score of 5": (
        lambda: Assessment(sedation_score=5),
        ContextError,
        "assessment.sedation_score",
    ),
    "a sedation score of True": (
        lambda: Assessment(sedation_score=True),
        ContextError,
        "assessment.sedation_score",
    ),
    "a sedation score of 2.0": (
        lambda: Assessment(sedation_score=2.0),  # type: ignore[arg-type]
        ContextError,
        "assessment.sedation_score",
    ),
    "a negative breath alcohol": (
        lambda: Assessment(breath_alcohol_mg_per_l=Decimal("-0.01")),
        ContextError,
        "assessment.breath_alcohol_mg_per_l",
    ),
    "a float breath alcohol": (
        lambda: Assessment(breath_alcohol_mg_per_l=0.1),  # type: ignore[arg-type]
        ContextError,
        "assessment.breath_alcohol_mg_per_l",
    ),
    "a NaN breath alcohol": (
        lambda: Assessment(breath_alcohol_mg_per_l=Decimal("NaN")),
        ContextError,
        "assessment.breath_alcohol_mg_per_l",
    ),
    "signs that are not texts": (lambda: Assessment(signs=(3,)), ContextError, "assessment.signs"),
    # overrides
    "an override without a reason": (
        lambda: Override(frozenset({"sedation_hold"}), "", "dr_a"),
        ContextError,
        "override.reason",
    ),
    "an override with a blank reason": (
        lambda: Override(frozenset({"sedation_hold"}), "   ", "dr_a"),
        ContextError,
        "override.reason",
    ),
    "an override without a physician": (
        lambda: Override(frozenset({"sedation_hold"}), "reviewed", ""),
        ContextError,
        "override.physician",
    ),
    "an override of nothing": (
        lambda: Override(frozenset(), "reviewed", "dr_a"),
        ContextError,
        "override.rule_ids",
    ),
    # units and time zones
    "2 mL where mg are meant": (lambda: Quantity(Decimal("2"), "mL").in_mg(), UnitError, "dose"),
    "2 mL (as text) where mg are meant": (lambda: Quantity("2", "mL").in_mg(), UnitError, "dose"),  # type: ignore[arg-type]
    "a dose in grains": (lambda: Quantity(Decimal("1"), "grain").in_mg(), UnitError, "dose"),
    "an unknown time zone": (lambda: DosingHistory((), "Mars/Olympus"), ContextError, "time_zone"),
    # the session itself
    "a session without a protocol": (
        lambda: _session(protocol="ch-diaphin"),
        ContextError,
        "protocol",
    ),
    "a session whose orders are not orders": (
        lambda: _session(orders=("dam 200",)),
        ContextError,
        "orders",
    ),
    "a session whose overrides are not overrides": (
        lambda: _session(overrides=("sedation_hold",)),
        ContextError,
        "overrides",
    ),
    "a session with a raw request": (
        lambda: _session(request={"drug": "dam"}),
        ContextError,
        "request",
    ),
    "decide on something that is not a session": (
        lambda: decide({"drug": "dam"}),
        ContextError,
        "context",
    ),  # type: ignore[arg-type]
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_context_raises_typed_error_naming_the_field(case: str) -> None:
    build, kind, field = BAD[case]
    with pytest.raises(kind) as error:
        build()
    assert type(error.value) is kind
    assert error.value.field == field
    assert str(error.value).startswith(f"{field}: ")


def test_good_quantities_convert_to_mg() -> None:
    assert Quantity(Decimal("0.2"), "g").in_mg() == Decimal(200)
    assert Quantity(Decimal("500"), "mcg").in_mg() == Decimal("0.5")
    assert Quantity(Decimal("15"), " MG ").in_mg() == Decimal(15)
