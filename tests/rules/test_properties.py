"""Property tests of the dosing rules engine: random but valid contexts, invariants that always hold.

No database and no Django: contexts are built from the engine's own types. Every property runs a
fixed number of examples with derandomize=True, so CI sees the same examples on every run.

    (a) no allowed dose takes the day's total over the daily maximum in force, and no new session
        is allowed once the day's sessions reach the maximum (also with any overrides);
    (b) the largest dose allowed is within the order's per-session maximum, and 0 unless dosing;
    (c) a worse pre-dose assessment never allows a larger dose than a better one;
    (d) decide() is deterministic and a decision replays from its snapshot unchanged;
    (e) dosing days are the clinic's local calendar days in any time zone, DST days included;
    (f) the minimum time between sessions is real elapsed time, also across a DST change.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from openhat.rules import (
    Administration,
    Assessment,
    Decision,
    DoseRequest,
    DosingHistory,
    Order,
    Override,
    SessionContext,
    Verdict,
    decide,
    load_protocol,
    replay,
)
from openhat.rules.day import day_bounds, dosing_day
from openhat.rules.protocol import Protocol
from tests.rules import builders

PROPERTY = settings(
    max_examples=250,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PRESETS = {key: load_protocol(key) for key in ("ch-diaphin", "ca-ioat")}
HAT = ("dam", "hdm")
ROUTES = {
    "dam": ("iv", "im", "oral", "inhaled"),
    "hdm": ("iv", "im", "oral"),
    "methadone": ("oral",),
}
WINDOWS = ("morning", "midday", "evening")
SIGNS = ("pinpoint pupils", "slurred speech", "unsteady gait")
# Every rule id decide() can report, and one it never does.
RULE_IDS = (
    "drug_not_in_protocol",
    "no_valid_order",
    "order_window",
    "top_up_without_session",
    "sessions_per_day",
    "observation_open",
    "session_interval",
    "daily_max",
    "order_dose",
    "retitration",
    "titration_oral_first_dose",
    "titration_first_dose",
    "titration_top_up",
    "titration_single_dose",
    "titration_interval",
    "top_up_outside_titration",
    "next_day_share_of_total",
    "next_day_increase",
    "missed_days",
    "drug_switch",
    "first_days_vigilance",
    "iv_above_diminishing_benefit",
    "methadone_beside_dam",
    "sedation_hold",
    "sedation_reduce",
    "breath_alcohol_hold",
    "breath_alcohol_reduce",
    "signs_recorded",
    "adverse_event_review",
    "recent_adverse_event",
    "nothing_allowed",
    "override_not_allowed",
    "override_unmatched",
)
ASSESSMENT_RULE_IDS = (
    "sedation_hold",
    "sedation_reduce",
    "breath_alcohol_hold",
    "breath_alcohol_reduce",
    "signs_recorded",
)
ZONES = (
    "Europe/Zurich",
    "America/Vancouver",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Asia/Kathmandu",
    "America/St_Johns",
    "UTC",
)
# Days around the 2026 daylight-saving changes of those zones, and an ordinary day.
DAYS = (
    date(2026, 3, 8),
    date(2026, 3, 9),
    date(2026, 3, 29),
    date(2026, 3, 30),
    date(2026, 4, 5),
    date(2026, 4, 6),
    date(2026, 6, 10),
    date(2026, 9, 27),
    date(2026, 9, 28),
    date(2026, 10, 4),
    date(2026, 10, 25),
    date(2026, 10, 26),
    date(2026, 11, 1),
    date(2026, 11, 2),
)
# The daylight-saving change days of each zone in 2026 and how long those local days are (hours).
DST_DAYS: dict[str, dict[date, float]] = {
    "Europe/Zurich": {date(2026, 3, 29): 23, date(2026, 10, 25): 25},
    "America/Vancouver": {date(2026, 3, 8): 23, date(2026, 11, 1): 25},
    "America/St_Johns": {date(2026, 3, 8): 23, date(2026, 11, 1): 25},
    "Australia/Lord_Howe": {date(2026, 4, 5): 24.5, date(2026, 10, 4): 23.5},
    "Pacific/Chatham": {date(2026, 4, 5): 25, date(2026, 9, 27): 23},
    "Asia/Kathmandu": {},
    "UTC": {},
}
DOSING = (Verdict.DOSE, Verdict.DOSE_REDUCED)

mg = st.integers(1, 4000).map(lambda tenths: Decimal(tenths) / 10)  # 0.1 to 400.0 mg


def local(day: date, minute: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)


def active(order: Order, moment: datetime) -> bool:
    """Written out here rather than calling Order.active_at, so the test does not trust it."""
    return (
        order.signed
        and not order.suspended
        and order.starts_at <= moment
        and (order.ends_at is None or moment < order.ends_at)
    )


# --- strategies --------------------------------------------------------------------------------


@st.composite
def orders(draw: st.DrawFn, drug: str, now: datetime, route: str | None = None) -> Order:
    """An order for `drug` (covering `route` if given); mostly active, sometimes not."""
    low, high = sorted((draw(mg), draw(mg)))
    state = draw(st.sampled_from(("active",) * 12 + ("unsigned", "suspended", "ended", "future")))
    starts = now - timedelta(days=draw(st.integers(0, 400)), minutes=draw(st.integers(0, 600)))
    ends = None
    if state == "ended":
        ends = now - timedelta(minutes=draw(st.integers(0, 3000)))
        starts = ends - timedelta(days=draw(st.integers(1, 100)))
    elif state == "future":
        starts = now + timedelta(minutes=draw(st.integers(1, 3000)))
    elif draw(st.booleans()):
        ends = now + timedelta(minutes=draw(st.integers(1, 30000)))
    return Order(
        order_id=f"{drug}-order",
        drug=drug,  # type: ignore[arg-type]
        routes=frozenset(  # type: ignore[arg-type]
            draw(st.sets(st.sampled_from(ROUTES[drug]), min_size=0 if route else 1))
            | ({route} if route else set())
        ),
        dose_min_mg=low,
        dose_max_mg=high,
        sessions_per_day=draw(st.integers(1, 5)),
        daily_max_mg=Decimal(draw(st.integers(0, 1500))),
        starts_at=starts,
        ends_at=ends,
        windows=frozenset(  # type: ignore[arg-type]
            draw(st.just(set()) | st.sets(st.sampled_from(WINDOWS), max_size=2))
        ),
        signed=state != "unsigned",
        suspended=state == "suspended",
    )


session_strategy = st.tuples(
    st.one_of(st.integers(-3, 0), st.integers(-45, 0)),  # day offset from today
    st.integers(0, 1439),  # local minute of the day
    st.sampled_from(("dam", "dam", "dam", "hdm", "methadone")),
    st.integers(0, 3),  # route choice
    st.lists(mg, min_size=1, max_size=3),  # the session's doses (later ones are top-ups)
    st.integers(1, 90),  # minutes between doses within the session
    st.sampled_from((True, True, True, True, False)),  # observation signed off
)


@st.composite
def contexts(
    draw: st.DrawFn,
    zones: tuple[str, ...] = ZONES,
    with_overrides: bool = True,
    assessment: Assessment | None = None,
    lifting: tuple[str, ...] = (),
) -> SessionContext:
    zone_name = draw(st.sampled_from(zones))
    zone = ZoneInfo(zone_name)
    utc_style = draw(st.booleans())  # datetimes as a database returns them (UTC) or local ones
    today = draw(st.sampled_from(DAYS))
    now = local(today, draw(st.integers(0, 1439)), zone)
    if utc_style:
        now = now.astimezone(UTC)
    request_drug = draw(st.sampled_from(("dam", "dam", "dam", "hdm", "hdm", "methadone")))
    request_route = draw(st.sampled_from(ROUTES[request_drug]))
    # ch-diaphin has no HDM rules: an HDM request there is refused, so mostly ask ca-ioat.
    preset = draw(
        st.sampled_from(("ca-ioat",) * 4 + ("ch-diaphin",))
        if request_drug == "hdm"
        else st.sampled_from(tuple(PRESETS))
    )
    protocol: Protocol = PRESETS[preset]

    # Mostly an order covering the request, and any others; at most one order per drug.
    order_list = []
    if draw(st.sampled_from((True,) * 9 + (False,))):
        order_list.append(draw(orders(request_drug, now, request_route)))
    others = draw(st.sets(st.sampled_from(("dam", "hdm", "methadone")), max_size=3))
    order_list += [
        draw(orders(drug, now)) for drug in sorted(others) if drug != request_drug or not order_list
    ]
    order_list = draw(st.permutations(order_list))

    administrations = []
    for number, (offset, minute, drug, route_choice, doses, gap, signed) in enumerate(
        draw(st.lists(session_strategy, max_size=20))
    ):
        route = ROUTES[drug][route_choice % len(ROUTES[drug])]
        start = local(today + timedelta(days=offset), minute, zone)
        # A session is one visit on one day: a dose and at most one top-up (the engine refuses
        # more than the protocol's top-ups), and a methadone dose is a session of its own.
        for position, amount in enumerate(doses[: 1 if drug == "methadone" else 2]):
            moment = start + timedelta(minutes=gap * position)
            if moment.astimezone(UTC) > now.astimezone(UTC) or moment.date() != start.date():
                break
            administrations.append(
                Administration(
                    at=moment.astimezone(UTC) if utc_style else moment,
                    drug=drug,  # type: ignore[arg-type]
                    route=route,  # type: ignore[arg-type]
                    dose_mg=amount,
                    session_id=f"s{number}",
                    observation_signed_off=signed,
                )
            )

    if assessment is None:
        assessment = draw(assessments())
    request = DoseRequest(
        drug=request_drug,  # type: ignore[arg-type]
        route=request_route,  # type: ignore[arg-type]
        dose_mg=draw(st.none() | mg),
        top_up=draw(st.sampled_from((False, False, False, True))),
        window=draw(st.none() | st.sampled_from(WINDOWS)),  # type: ignore[arg-type]
    )
    overrides: list[Override] = []
    if lifting:
        ids = draw(st.frozensets(st.sampled_from(lifting), min_size=1))
        overrides = [Override(ids, "reviewed at the station", "physician_zrh")]
    elif with_overrides:
        overrides = draw(
            st.lists(
                (
                    st.frozensets(st.sampled_from(RULE_IDS), min_size=1)
                    | st.frozensets(st.sampled_from(ASSESSMENT_RULE_IDS), min_size=1)
                ).map(lambda ids: Override(ids, "reviewed at the station", "physician_zrh")),
                max_size=2,
            )
            | st.just([Override(frozenset(RULE_IDS), "lift everything", "physician_zrh")])
        )
    return SessionContext(
        protocol=protocol,
        orders=tuple(order_list),
        history=DosingHistory.of(administrations, zone_name),
        assessment=assessment,
        request=request,
        now=now,
        overrides=tuple(overrides),
    )


alcohol = st.integers(0, 60).map(lambda hundredths: Decimal(hundredths) / 100)


@st.composite
def assessments(draw: st.DrawFn) -> Assessment:
    return Assessment(
        sedation_score=draw(st.none() | st.integers(1, 4)),
        breath_alcohol_mg_per_l=draw(st.none() | alcohol),
        signs=tuple(draw(st.lists(st.sampled_from(SIGNS), max_size=2, unique=True))),
    )


@st.composite
def worse_than(draw: st.DrawFn, better: Assessment) -> Assessment:
    """An assessment at least as bad in every respect: more sedated, more alcohol, more signs."""
    if better.sedation_score is None:
        sedation = draw(st.none() | st.integers(1, 4))
    else:
        sedation = draw(st.integers(better.sedation_score, 4))
    if better.breath_alcohol_mg_per_l is None:
        breath = draw(st.none() | alcohol)
    else:
        breath = better.breath_alcohol_mg_per_l + draw(alcohol)
    extra = draw(st.lists(st.sampled_from(SIGNS), max_size=2, unique=True))
    return Assessment(
        sedation_score=sedation, breath_alcohol_mg_per_l=breath, signs=(*better.signs, *extra)
    )


# --- what the test computes itself -------------------------------------------------------------


def chosen_order(context: SessionContext) -> Order | None:
    request = context.request
    matching = [
        order
        for order in context.orders
        if order.drug == request.drug
        and request.route in order.routes
        and active(order, context.now)
    ]
    assert len(matching) <= 1, "the strategy builds at most one order per drug"
    return matching[0] if matching else None


def todays(context: SessionContext) -> list[Administration]:
    zone = ZoneInfo(context.history.time_zone)
    today = context.now.astimezone(zone).date()
    return [
        item for item in context.history.administrations if item.at.astimezone(zone).date() == today
    ]


def lifted(context: SessionContext) -> frozenset[str]:
    return frozenset().union(*(item.rule_ids for item in context.overrides))


# --- (a) daily maximum and sessions per day ----------------------------------------------------


@PROPERTY
@given(contexts())
def test_no_allowed_dose_exceeds_the_daily_maximum_or_the_sessions(context: SessionContext) -> None:
    decision = decide(context)
    if not decision.allows_dose:
        return
    request = context.request
    order = chosen_order(context)
    assert order is not None, "a dose was allowed without an active order"
    today = todays(context)
    drug = request.drug.value
    given_today = sum((item.dose_mg for item in today if item.drug == request.drug), Decimal(0))
    limit = order.daily_max_mg
    if drug in HAT:
        limit = min(limit, context.protocol.numbers[f"{drug}.daily_max_mg"])
    elif (
        drug == "methadone"
        and any(item.drug == "dam" and active(item, context.now) for item in context.orders)
        and "methadone_beside_dam" not in lifted(context)
    ):
        limit = min(limit, context.protocol.numbers["oral.methadone_max_mg_beside_dam"])
    assert given_today + decision.max_dose_mg <= limit, (
        f"{given_today} mg given today + {decision.max_dose_mg} mg allowed > {limit} mg"
    )
    if not request.top_up:
        if drug in HAT:
            sessions = {item.session_id for item in today if item.drug.value in HAT}
            session_limit = min(
                order.sessions_per_day, int(context.protocol.numbers["sessions.max_per_day"])
            )
        else:
            sessions = {item.session_id for item in today if item.drug == request.drug}
            session_limit = order.sessions_per_day
        assert len(sessions) < session_limit, (
            f"a new session allowed after {len(sessions)} of {session_limit} sessions today"
        )


# --- (b) the largest dose allowed ----------------------------------------------------------------


@PROPERTY
@given(contexts())
def test_largest_dose_is_within_the_order_and_zero_unless_dosing(context: SessionContext) -> None:
    decision = decide(context)
    assert decision.max_dose_mg >= 0
    assert decision.cap_mg >= 0
    order = chosen_order(context)
    if order is None:
        assert decision.verdict is Verdict.NO_VALID_ORDER
    if decision.verdict not in DOSING:
        assert decision.max_dose_mg == 0, f"{decision.verdict} with max {decision.max_dose_mg}"
        return
    assert order is not None
    assert 0 < decision.max_dose_mg <= order.dose_max_mg
    assert decision.max_dose_mg <= decision.cap_mg


# --- (c) a worse assessment never allows more ----------------------------------------------------


@st.composite
def assessment_pairs(
    draw: st.DrawFn, lifting: tuple[str, ...] = ()
) -> tuple[SessionContext, SessionContext]:
    better = draw(assessments())
    worse = draw(worse_than(better))
    context = draw(contexts(assessment=better, lifting=lifting))
    return context, replace(context, assessment=worse)


def assert_no_larger_dose_for_the_worse(pair: tuple[SessionContext, SessionContext]) -> None:
    better, worse = pair
    better_decision, worse_decision = decide(better), decide(worse)
    assert worse_decision.max_dose_mg <= better_decision.max_dose_mg, (
        f"better {better.assessment} allows {better_decision.max_dose_mg} mg "
        f"({better_decision.verdict}); worse {worse.assessment} allows "
        f"{worse_decision.max_dose_mg} mg ({worse_decision.verdict})"
    )


@PROPERTY
@given(assessment_pairs())
def test_worse_assessment_never_allows_a_larger_dose(
    pair: tuple[SessionContext, SessionContext],
) -> None:
    assert_no_larger_dose_for_the_worse(pair)


def lifted_hold_pair(**assessments: object) -> tuple[SessionContext, SessionContext]:
    """Maintenance at 3 x 100 mg a day; the physician lifted the hold for this session."""
    history = builders.daily_doses(-5, -1, "100")
    lifts = (builders.override("sedation_hold", "breath_alcohol_hold"),)
    better, worse = (
        builders.context(history=history, overrides=lifts, **values)  # type: ignore[arg-type]
        for values in (
            {key: value[0] for key, value in assessments.items()},  # type: ignore[index]
            {key: value[1] for key, value in assessments.items()},  # type: ignore[index]
        )
    )
    return better, worse


@PROPERTY
@example(lifted_hold_pair(sedation=(3, 4)))
@example(lifted_hold_pair(alcohol=("0.15", "0.30")))
@given(assessment_pairs(lifting=ASSESSMENT_RULE_IDS))
def test_worse_assessment_never_allows_a_larger_dose_when_a_physician_lifts_findings(
    pair: tuple[SessionContext, SessionContext],
) -> None:
    """The same override on both sides: lifting a hold must not leave the worse patient more."""
    assert_no_larger_dose_for_the_worse(pair)


# --- (d) deterministic and replayable -------------------------------------------------------------


@PROPERTY
@given(contexts())
def test_decide_is_deterministic_and_replays_from_its_snapshot(context: SessionContext) -> None:
    first = decide(context)
    assert decide(context).as_dict() == first.as_dict()
    snapshot = json.loads(json.dumps(first.snapshot()))  # what a database column keeps
    assert replay(snapshot).as_dict() == first.as_dict()


# --- (e) dosing days in any time zone --------------------------------------------------------------


def allowed_lengths(zone_name: str) -> set[float]:
    return {24.0, *(float(hours) for hours in DST_DAYS[zone_name].values())}


@st.composite
def instants(draw: st.DrawFn) -> tuple[str, datetime]:
    """An instant within a day and a half of local midnight on a DST day (or an ordinary day)."""
    zone_name = draw(st.sampled_from(ZONES))
    day = draw(st.sampled_from((*DST_DAYS[zone_name], *DAYS)))
    midnight = datetime.combine(day, time(0), tzinfo=ZoneInfo(zone_name)).astimezone(UTC)
    offset = draw(st.integers(-36 * 3600, 36 * 3600))
    return zone_name, midnight + timedelta(seconds=offset)


@PROPERTY
@given(instants())
def test_dosing_day_is_the_local_calendar_day(case: tuple[str, datetime]) -> None:
    zone_name, instant = case
    zone = ZoneInfo(zone_name)
    day = dosing_day(instant, zone)
    local_time = instant.astimezone(zone)
    assert day == local_time.date()
    assert dosing_day(local_time, zone) == day  # the same instant, however it is written
    start, end = day_bounds(day, zone)
    assert start <= instant < end
    hours = (end - start).total_seconds() / 3600
    assert hours in allowed_lengths(zone_name)
    assert hours == DST_DAYS[zone_name].get(day, 24.0)
    assert start.astimezone(zone).replace(tzinfo=None) == datetime.combine(day, time(0))
    assert day_bounds(day + timedelta(days=1), zone)[0] == end  # days tile the time line
    assert dosing_day(start, zone) == day
    assert dosing_day(end, zone) == day + timedelta(days=1)
    assert dosing_day(end - timedelta(microseconds=1), zone) == day


def test_dst_day_lengths_are_the_published_ones() -> None:
    for zone_name, days in DST_DAYS.items():
        for day, hours in days.items():
            start, end = day_bounds(day, ZoneInfo(zone_name))
            assert (end - start).total_seconds() / 3600 == hours, (zone_name, day)


def daily_total_seen(now: datetime, history: list[Administration], zone_name: str) -> Decimal:
    """What the daily maximum rule says was given today (limit 1000 mg minus its remaining cap)."""
    order = Order(
        order_id="dam-order",
        drug="dam",  # type: ignore[arg-type]
        routes=frozenset({"iv"}),  # type: ignore[arg-type]
        dose_min_mg=Decimal(10),
        dose_max_mg=Decimal(400),
        sessions_per_day=3,
        daily_max_mg=Decimal(1000),
        starts_at=now - timedelta(days=400),
    )
    decision: Decision = decide(
        SessionContext(
            protocol=PRESETS["ch-diaphin"],
            orders=(order,),
            history=DosingHistory.of(history, zone_name),
            assessment=Assessment(),
            request=DoseRequest(drug="dam", route="iv", dose_mg=Decimal(10)),  # type: ignore[arg-type]
            now=now,
        )
    )
    finding = decision.finding("daily_max")
    assert finding is not None and finding.cap_mg is not None
    return Decimal(1000) - finding.cap_mg


@PROPERTY
@given(
    st.sampled_from(ZONES).flatmap(
        lambda name: st.tuples(st.just(name), st.sampled_from((*DST_DAYS[name], *DAYS)))
    ),
    mg,
    mg,
    st.booleans(),
)
def test_a_dose_at_2359_counts_for_that_day_and_at_0001_for_the_next(
    case: tuple[str, date], late: Decimal, early: Decimal, utc_style: bool
) -> None:
    zone_name, day = case
    zone = ZoneInfo(zone_name)
    before_midnight = datetime.combine(day, time(23, 59), tzinfo=zone)
    after_midnight = datetime.combine(day + timedelta(days=1), time(0, 1), tzinfo=zone)
    if utc_style:
        before_midnight, after_midnight = (
            before_midnight.astimezone(UTC),
            after_midnight.astimezone(UTC),
        )

    def given_at(moment: datetime, mg_: Decimal) -> Administration:
        return Administration(
            at=moment,
            drug="dam",
            route="iv",
            dose_mg=mg_,
            session_id=f"s-{moment.isoformat()}",  # type: ignore[arg-type]
        )

    yesterday = [
        given_at(before_midnight - timedelta(hours=hours), Decimal(20)) for hours in (12, 6)
    ]
    history = [*yesterday, given_at(before_midnight, late)]
    now_late = before_midnight + timedelta(seconds=30)
    assert daily_total_seen(now_late, history, zone_name) == Decimal(40) + late
    history.append(given_at(after_midnight, early))
    now_early = after_midnight + timedelta(seconds=30)
    assert daily_total_seen(now_early, history, zone_name) == early
    assert dosing_day(now_late, zone) == day
    assert dosing_day(now_early, zone) == day + timedelta(days=1)


# --- (f) the interval between sessions is real time ------------------------------------------------


@PROPERTY
@given(
    st.sampled_from(tuple(name for name, days in DST_DAYS.items() if days)).flatmap(
        lambda name: st.tuples(st.just(name), st.sampled_from(tuple(DST_DAYS[name])))
    ),
    st.sampled_from(tuple(PRESETS)),
    st.integers(-180, 240),  # the last dose, in minutes from local midnight of the DST day
    st.integers(0, 400),  # real minutes from the last dose to now
    st.booleans(),
)
def test_session_interval_is_real_elapsed_time_across_dst(
    case: tuple[str, date], preset: str, last_minute: int, elapsed: int, utc_style: bool
) -> None:
    zone_name, day = case
    zone = ZoneInfo(zone_name)
    protocol = PRESETS[preset]
    midnight = datetime.combine(day, time(0), tzinfo=zone)
    last_at = (midnight.astimezone(UTC) + timedelta(minutes=last_minute)).astimezone(zone)
    now = (last_at.astimezone(UTC) + timedelta(minutes=elapsed)).astimezone(zone)
    if utc_style:
        last_at, now = last_at.astimezone(UTC), now.astimezone(UTC)
    # A patient in maintenance: three sessions of 100 mg on each of the ten days before.
    history = [
        Administration(
            at=(midnight - timedelta(days=days_back)).replace(hour=hour).astimezone(UTC),
            drug="dam",  # type: ignore[arg-type]
            route="iv",  # type: ignore[arg-type]
            dose_mg=Decimal(100),
            session_id=f"s-{days_back}-{hour}",
        )
        for days_back in range(10, 1, -1)
        for hour in (8, 13, 18)
    ]
    history.append(
        Administration(at=last_at, drug="dam", route="iv", dose_mg=Decimal(100), session_id="last")  # type: ignore[arg-type]
    )
    order = Order(
        order_id="dam-order",
        drug="dam",  # type: ignore[arg-type]
        routes=frozenset({"iv"}),  # type: ignore[arg-type]
        dose_min_mg=Decimal(50),
        dose_max_mg=Decimal(150),
        sessions_per_day=3,
        daily_max_mg=Decimal(1000),
        starts_at=midnight - timedelta(days=400),
    )
    decision = decide(
        SessionContext(
            protocol=protocol,
            orders=(order,),
            history=DosingHistory.of(history, zone_name),
            assessment=Assessment(),
            request=DoseRequest(drug="dam", route="iv", dose_mg=Decimal(100)),  # type: ignore[arg-type]
            now=now,
        )
    )
    interval = int(protocol.numbers["sessions.min_interval_minutes"])
    real = (now.astimezone(UTC) - last_at.astimezone(UTC)).total_seconds() / 60
    due = decision.finding("session_interval") is None
    assert due == (real >= interval), (
        f"{zone_name} {day}: last dose {last_at.astimezone(zone):%H:%M %Z}, now "
        f"{now.astimezone(zone):%H:%M %Z}, {real:.0f} real minutes, interval {interval}: "
        f"session_interval {'absent' if due else 'present'}"
    )
