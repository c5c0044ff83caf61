"""Short builders for rules-engine scenarios: a clinic day in Zurich, doses at local times."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from openhat.rules import (
    Administration,
    AdverseEventNote,
    Assessment,
    DoseRequest,
    DosingHistory,
    Order,
    Override,
    SessionContext,
    load_protocol,
)
from openhat.rules.protocol import Protocol

ZONE_NAME = "Europe/Zurich"
ZONE = ZoneInfo(ZONE_NAME)
TODAY = date(2026, 6, 10)
_PROTOCOLS: dict[str, Protocol] = {}


def protocol(key: str = "ch-diaphin") -> Protocol:
    if key not in _PROTOCOLS:
        _PROTOCOLS[key] = load_protocol(key)
    return _PROTOCOLS[key]


def at(day_offset: int, clock: str, day: date = TODAY) -> datetime:
    """Local clinic time: at(-1, "08:00") is yesterday at 8 in the morning."""
    hours, minutes = (int(part) for part in clock.split(":"))
    return datetime.combine(day + timedelta(days=day_offset), time(hours, minutes), tzinfo=ZONE)


def order(
    drug: str = "dam",
    routes: tuple[str, ...] = ("iv",),
    dose: str | tuple[str, str] = "200",
    sessions: int = 3,
    daily_max: str = "1000",
    starts: datetime | None = None,
    ends: datetime | None = None,
    **extra: object,
) -> Order:
    low, high = (dose, dose) if isinstance(dose, str) else dose
    return Order(
        order_id=f"{drug}-order",
        drug=drug,  # type: ignore[arg-type]
        routes=frozenset(routes),  # type: ignore[arg-type]
        dose_min_mg=Decimal(low),
        dose_max_mg=Decimal(high),
        sessions_per_day=sessions,
        daily_max_mg=Decimal(daily_max),
        starts_at=starts or at(-400, "00:00"),
        ends_at=ends,
        **extra,  # type: ignore[arg-type]
    )


def dose(
    when: datetime,
    mg: str,
    drug: str = "dam",
    route: str = "iv",
    session: str | None = None,
    signed_off: bool = True,
    post_dose: int | None = 1,
) -> Administration:
    """A dose; signed off after a post-dose assessment that found the patient alert (POSS 1)
    unless `signed_off` or `post_dose` say otherwise."""
    return Administration(
        at=when,
        drug=drug,  # type: ignore[arg-type]
        route=route,  # type: ignore[arg-type]
        dose_mg=Decimal(mg),
        session_id=session or f"s-{when.isoformat()}",
        observation_signed_off=signed_off,
        post_dose_sedation_score=post_dose if signed_off else None,
    )


def daily_doses(
    first_day: int,
    last_day: int,
    mg: str,
    clocks: tuple[str, ...] = ("08:00", "13:00", "18:00"),
    drug: str = "dam",
) -> list[Administration]:
    """The same doses every day from first_day to last_day (offsets from TODAY), inclusive."""
    return [
        dose(at(day, clock), mg, drug=drug)
        for day in range(first_day, last_day + 1)
        for clock in clocks
    ]


def context(
    *,
    history: list[Administration] | tuple[Administration, ...] = (),
    orders: tuple[Order, ...] | None = None,
    request_mg: str | None = "200",
    drug: str = "dam",
    route: str = "iv",
    top_up: bool = False,
    now: datetime | None = None,
    sedation: int | None = None,
    alcohol: str | None = None,
    signs: tuple[str, ...] = (),
    overrides: tuple[Override, ...] = (),
    preset: str | Protocol = "ch-diaphin",
    window: str | None = None,
    adverse_events: tuple[AdverseEventNote, ...] = (),
) -> SessionContext:
    chosen = protocol(preset) if isinstance(preset, str) else preset
    return SessionContext(
        protocol=chosen,
        orders=orders if orders is not None else (order(),),
        history=DosingHistory.of(history, ZONE_NAME),
        assessment=Assessment(
            sedation_score=sedation,
            breath_alcohol_mg_per_l=None if alcohol is None else Decimal(alcohol),
            signs=signs,
        ),
        request=DoseRequest(
            drug=drug,  # type: ignore[arg-type]
            route=route,  # type: ignore[arg-type]
            dose_mg=None if request_mg is None else Decimal(request_mg),
            top_up=top_up,
            window=window,  # type: ignore[arg-type]
        ),
        now=now or at(0, "13:00"),
        overrides=overrides,
        adverse_events=adverse_events,
    )


def event(
    when: datetime,
    kind: str = "overdose",
    severity: str = "severe",
    *,
    naloxone: bool = False,
    signed_off: bool = False,
) -> AdverseEventNote:
    return AdverseEventNote(
        at=when,
        kind=kind,  # type: ignore[arg-type]
        severity=severity,  # type: ignore[arg-type]
        naloxone_given=naloxone,
        physician_signed_off=signed_off,
    )


def override(*rule_ids: str, reason: str = "reviewed at the station") -> Override:
    return Override(frozenset(rule_ids), reason, "physician_zrh")
