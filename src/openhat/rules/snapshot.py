"""Decision snapshots: the inputs as JSON, and replay from them.

A snapshot keeps the effective protocol values (not just the preset's name), so a replay does not
depend on the preset files of the day. It keeps only the history the engine can read: the
look-back window plus the last dosing day before it, and only the adverse events within the
watch window. A snapshot stored before adverse events were recorded has no "adverse_events" key
and replays with none; one stored before earlier readings were passed replays with none.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from openhat.rules.context import (
    Administration,
    AdverseEventNote,
    Assessment,
    DoseRequest,
    DosingHistory,
    EarlierReading,
    Order,
    Override,
    SessionContext,
)
from openhat.rules.day import dosing_day
from openhat.rules.decide import decide
from openhat.rules.errors import ContextError
from openhat.rules.missed import last_hat_index_before
from openhat.rules.outcome import ENGINE_VERSION, Decision
from openhat.rules.protocol import protocol_from_data

SNAPSHOT_FORMAT = 1


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _first_needed_index(context: SessionContext) -> int:
    history = context.history
    numbers = context.protocol.numbers
    today = dosing_day(context.now, context.zone)
    horizon = today - timedelta(days=int(numbers["vigilance.first_days"]) + 1)
    earliest = horizon - timedelta(days=int(numbers["missed.retitrate_after_days"]) + 2)
    last = last_hat_index_before(history, history.first_index_on_or_after(today))
    if last is not None:
        earliest = min(earliest, history.local_days[last])
    return history.first_index_on_or_after(earliest)


def _events_in_view(context: SessionContext) -> tuple[AdverseEventNote, ...]:
    if not context.adverse_events:
        return ()  # also when the protocol predates adverse_events.watch_hours
    hours = context.protocol.whole["adverse_events.watch_hours"]
    since = context.now - timedelta(hours=hours)
    return tuple(item for item in context.adverse_events if item.at >= since)


def context_to_data(context: SessionContext) -> dict[str, Any]:
    kept = context.history.administrations[_first_needed_index(context) :]
    request = context.request
    assessment = context.assessment
    return {
        "format": SNAPSHOT_FORMAT,
        "engine_version": ENGINE_VERSION,
        "protocol": context.protocol.as_data(),
        "time_zone": context.history.time_zone,
        "now": context.now.isoformat(),
        "orders": [
            {
                "order_id": order.order_id,
                "drug": order.drug.value,
                "routes": sorted(route.value for route in order.routes),
                "dose_min_mg": str(order.dose_min_mg),
                "dose_max_mg": str(order.dose_max_mg),
                "sessions_per_day": order.sessions_per_day,
                "daily_max_mg": str(order.daily_max_mg),
                "starts_at": order.starts_at.isoformat(),
                "ends_at": None if order.ends_at is None else order.ends_at.isoformat(),
                "phase": order.phase.value,
                "windows": sorted(window.value for window in order.windows),
                "signed": order.signed,
                "suspended": order.suspended,
            }
            for order in context.orders
        ],
        "history": [
            {
                "at": item.at.isoformat(),
                "drug": item.drug.value,
                "route": item.route.value,
                "dose_mg": str(item.dose_mg),
                "session_id": item.session_id,
                "observation_signed_off": item.observation_signed_off,
                "post_dose_sedation_score": item.post_dose_sedation_score,
            }
            for item in kept
        ],
        "assessment": {
            "sedation_score": assessment.sedation_score,
            "breath_alcohol_mg_per_l": _decimal(assessment.breath_alcohol_mg_per_l),
            "signs": list(assessment.signs),
            "at": None if assessment.at is None else assessment.at.isoformat(),
        },
        "request": {
            "drug": request.drug.value,
            "route": request.route.value,
            "dose_mg": _decimal(request.dose_mg),
            "top_up": request.top_up,
            "window": None if request.window is None else request.window.value,
        },
        "overrides": [
            {
                "rule_ids": sorted(item.rule_ids),
                "reason": item.reason,
                "physician": item.physician,
                "allowed_dose_mg": _decimal(item.allowed_dose_mg),
            }
            for item in context.overrides
        ],
        "adverse_events": [
            {
                "at": item.at.isoformat(),
                "kind": item.kind.value,
                "severity": item.severity.value,
                "naloxone_given": item.naloxone_given,
                "physician_signed_off": item.physician_signed_off,
            }
            for item in _events_in_view(context)
        ],
        "earlier_readings": [
            {
                "at": item.at.isoformat(),
                "sedation_score": item.sedation_score,
                "breath_alcohol_mg_per_l": _decimal(item.breath_alcohol_mg_per_l),
                "held": sorted(item.held),
            }
            for item in context.earlier_readings
        ],
    }


def _moment(text: str, field: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise ContextError(field, f"{text!r} is not an ISO date-time") from None


def context_from_data(data: dict[str, Any]) -> SessionContext:
    if data.get("format") != SNAPSHOT_FORMAT:
        raise ContextError("snapshot.format", f"unknown snapshot format {data.get('format')!r}")
    try:
        orders = tuple(
            Order(
                order_id=item["order_id"],
                drug=item["drug"],
                routes=frozenset(item["routes"]),
                dose_min_mg=Decimal(item["dose_min_mg"]),
                dose_max_mg=Decimal(item["dose_max_mg"]),
                sessions_per_day=item["sessions_per_day"],
                daily_max_mg=Decimal(item["daily_max_mg"]),
                starts_at=_moment(item["starts_at"], "order.starts_at"),
                ends_at=None
                if item["ends_at"] is None
                else _moment(item["ends_at"], "order.ends_at"),
                phase=item["phase"],
                windows=frozenset(item["windows"]),
                signed=item["signed"],
                suspended=item["suspended"],
            )
            for item in data["orders"]
        )
        history = DosingHistory(
            tuple(
                Administration(
                    at=_moment(item["at"], "history.at"),
                    drug=item["drug"],
                    route=item["route"],
                    dose_mg=Decimal(item["dose_mg"]),
                    session_id=item["session_id"],
                    observation_signed_off=item["observation_signed_off"],
                    post_dose_sedation_score=item.get("post_dose_sedation_score"),
                )
                for item in data["history"]
            ),
            data["time_zone"],
        )
        assessment_data = data["assessment"]
        alcohol = assessment_data["breath_alcohol_mg_per_l"]
        request_data = data["request"]
        return SessionContext(
            protocol=protocol_from_data(data["protocol"]),
            orders=orders,
            history=history,
            assessment=Assessment(
                sedation_score=assessment_data["sedation_score"],
                breath_alcohol_mg_per_l=None if alcohol is None else Decimal(alcohol),
                signs=tuple(assessment_data["signs"]),
                at=None
                if assessment_data.get("at") is None
                else _moment(assessment_data["at"], "assessment.at"),
            ),
            request=DoseRequest(
                drug=request_data["drug"],
                route=request_data["route"],
                dose_mg=None
                if request_data["dose_mg"] is None
                else Decimal(request_data["dose_mg"]),
                top_up=request_data["top_up"],
                window=request_data["window"],
            ),
            now=_moment(data["now"], "now"),
            overrides=tuple(
                Override(
                    frozenset(item["rule_ids"]),
                    item["reason"],
                    item["physician"],
                    None
                    if item.get("allowed_dose_mg") is None
                    else Decimal(item["allowed_dose_mg"]),
                )
                for item in data["overrides"]
            ),
            adverse_events=tuple(
                AdverseEventNote(
                    at=_moment(item["at"], "adverse_events.at"),
                    kind=item["kind"],
                    severity=item["severity"],
                    naloxone_given=item["naloxone_given"],
                    physician_signed_off=item["physician_signed_off"],
                )
                for item in data.get("adverse_events", ())
            ),
            earlier_readings=tuple(
                EarlierReading(
                    at=_moment(item["at"], "earlier_readings.at"),
                    sedation_score=item["sedation_score"],
                    breath_alcohol_mg_per_l=None
                    if item["breath_alcohol_mg_per_l"] is None
                    else Decimal(item["breath_alcohol_mg_per_l"]),
                    held=frozenset(item["held"]),
                )
                for item in data.get("earlier_readings", ())
            ),
        )
    except (KeyError, TypeError, ValueError, InvalidOperation) as error:
        raise ContextError("snapshot", f"incomplete or malformed snapshot ({error!r})") from None


def replay(data: dict[str, Any]) -> Decision:
    return decide(context_from_data(data))


# What a replay compares is the decision, not the engine that phrased it: a newer engine (its
# version, a finding's reworded message) that decides the same for the stored inputs is no
# difference. A restore after an upgrade would otherwise report every decision ever made.
_WORDING_ONLY = frozenset({"engine_version"})
_FINDING_WORDING = frozenset({"message"})


def _decided(decision: dict[str, Any]) -> dict[str, Any]:
    kept = {key: value for key, value in decision.items() if key not in _WORDING_ONLY}
    findings = decision.get("findings")
    if isinstance(findings, list):
        kept["findings"] = [
            {key: value for key, value in item.items() if key not in _FINDING_WORDING}
            if isinstance(item, dict)
            else item
            for item in findings
        ]
    return kept


def replay_differences(data: dict[str, Any], stored: dict[str, Any]) -> list[str]:
    """The fields of a stored decision (Decision.as_dict()) that a replay no longer reproduces;
    the engine's version and the findings' wording are not compared."""
    fresh, kept = _decided(replay(data).as_dict()), _decided(stored)
    return sorted(key for key in fresh if fresh[key] != kept.get(key))


__all__ = ["context_from_data", "context_to_data", "replay", "replay_differences"]
