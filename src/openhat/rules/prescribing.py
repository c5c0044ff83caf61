"""What a dosing preset forbids in a medication order, checked before a physician signs it.

    findings = check_order(protocol, order, other_active_orders)
    loosenings_needed(findings)  # [("dam.daily_max_mg", Decimal("1200"))]: what signing through needs

A finding with a preset key can be lifted by an explicit, reasoned loosening of that key
(protocol.loosen); one without (the order contradicts itself, or the preset has no rules for the
drug) cannot: the order has to change. check_routes() is the same check for the routes as typed,
before an engine Order (which refuses a route its drug is not given by) can be built.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, NamedTuple

from openhat.rules.context import ALLOWED_ROUTES, HAT_DRUGS, Drug, Order
from openhat.rules.deciding import mg_text
from openhat.rules.protocol import Protocol

METHADONE_BESIDE_DAM = "oral.methadone_max_mg_beside_dam"


class OrderFinding(NamedTuple):
    """One reason the preset forbids an order, with the preset value behind it."""

    rule_id: str
    message: str
    preset_key: str | None = None  # the key a loosening would have to raise; None: not loosenable
    preset_value: Decimal | None = None
    needed_value: Decimal | None = None  # the value the order needs the key to have
    unit: str = ""
    sources: tuple[str, ...] = ()

    @property
    def loosenable(self) -> bool:
        return self.preset_key is not None

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "message": self.message,
            "preset_key": self.preset_key,
            "preset_value": None if self.preset_value is None else str(self.preset_value),
            "needed_value": None if self.needed_value is None else str(self.needed_value),
            "unit": self.unit,
            "sources": list(self.sources),
        }


def _preset_finding(
    protocol: Protocol, rule_id: str, message: str, key: str, needed: Decimal
) -> OrderFinding:
    item = protocol.values[key]
    return OrderFinding(
        rule_id,
        f"{message} (preset {protocol.key}: {key} = {item.value} {item.unit}; "
        f"source {item.source_text})",
        key,
        item.value,
        needed,
        item.unit,
        item.sources,
    )


def check_routes(drug: Drug, routes: Iterable[str]) -> tuple[OrderFinding, ...]:
    """Routes the drug is not given by (unknown route names included), one finding each."""
    allowed = ALLOWED_ROUTES[drug]
    names = ", ".join(sorted(allowed))
    return tuple(
        OrderFinding(
            "order_route_not_allowed",
            f"{drug.value} is not given by the {route!r} route; allowed: {names}.",
        )
        for route in sorted(set(routes))
        if route not in allowed
    )


def _overlap(first: Order, second: Order) -> bool:
    return (second.ends_at is None or first.starts_at < second.ends_at) and (
        first.ends_at is None or second.starts_at < first.ends_at
    )


def _methadone_beside_dam(
    protocol: Protocol, order: Order, others: tuple[Order, ...]
) -> OrderFinding | None:
    limit = protocol.number(METHADONE_BESIDE_DAM)
    if order.drug == Drug.METHADONE:
        methadone_mg = order.daily_max_mg
        beside = any(other.drug == Drug.DAM for other in others)
        message = (
            f"Oral methadone up to {mg_text(methadone_mg)} a day beside an active "
            f"diacetylmorphine order is above the {mg_text(limit)} the preset allows"
        )
    elif order.drug == Drug.DAM:
        methadone_mg = max(
            (other.daily_max_mg for other in others if other.drug == Drug.METHADONE),
            default=Decimal(0),
        )
        beside = True
        message = (
            f"This diacetylmorphine order would run beside an active oral methadone order of up "
            f"to {mg_text(methadone_mg)} a day, above the {mg_text(limit)} the preset allows "
            "beside diacetylmorphine"
        )
    else:
        return None
    if not beside or methadone_mg <= limit:
        return None
    return _preset_finding(
        protocol, "order_methadone_beside_dam", message, METHADONE_BESIDE_DAM, methadone_mg
    )


def check_order(
    protocol: Protocol, order: Order, other_active_orders: Iterable[Order] = ()
) -> tuple[OrderFinding, ...]:
    """Everything the preset forbids in `order`, beside the patient's other active orders.

    Other orders with the same order_id (the version being superseded) and orders that do not
    overlap `order` in time are ignored. An empty tuple: the preset allows the order.
    """
    others = tuple(
        other
        for other in other_active_orders
        if other.order_id != order.order_id and _overlap(order, other)
    )
    findings: list[OrderFinding] = []
    drug = order.drug
    if drug in HAT_DRUGS and drug.value not in protocol.drugs:
        findings.append(
            OrderFinding(
                "order_drug_not_in_preset",
                f"The clinic's dosing preset {protocol.key} has no rules for {drug.value}: "
                "the dosing station could not dose it. Choose a drug the preset covers or change "
                "the clinic's preset.",
            )
        )
    elif drug in HAT_DRUGS:
        key = f"{drug.value}.daily_max_mg"
        if order.daily_max_mg > protocol.number(key):
            findings.append(
                _preset_finding(
                    protocol,
                    "order_daily_max_above_preset",
                    f"A daily maximum of {mg_text(order.daily_max_mg)} {drug.value} is above the "
                    f"preset's {mg_text(protocol.number(key))}",
                    key,
                    order.daily_max_mg,
                )
            )
    sessions_key = "sessions.max_per_day"
    if order.sessions_per_day > protocol.number(sessions_key):
        findings.append(
            _preset_finding(
                protocol,
                "order_sessions_above_preset",
                f"{order.sessions_per_day} sessions a day is more than the preset's "
                f"{protocol.whole[sessions_key]}",
                sessions_key,
                Decimal(order.sessions_per_day),
            )
        )
    if order.dose_max_mg > order.daily_max_mg:
        findings.append(
            OrderFinding(
                "order_dose_above_daily_max",
                f"A single dose of up to {mg_text(order.dose_max_mg)} is above the order's own "
                f"daily maximum of {mg_text(order.daily_max_mg)}; lower the dose or raise the "
                "daily maximum.",
            )
        )
    beside = _methadone_beside_dam(protocol, order, others)
    if beside is not None:
        findings.append(beside)
    return tuple(findings)


def loosenings_needed(findings: Iterable[OrderFinding]) -> list[tuple[str, Decimal]]:
    """(preset key, value the order needs) for every loosenable finding, one per key, by key.

    Every key an order check names is one where a higher value is looser, so the largest value
    needed for a key covers every finding about it.
    """
    needed: dict[str, Decimal] = {}
    for finding in findings:
        if finding.preset_key is None or finding.needed_value is None:
            continue
        current = needed.get(finding.preset_key)
        if current is None or finding.needed_value > current:
            needed[finding.preset_key] = finding.needed_value
    return sorted(needed.items())
