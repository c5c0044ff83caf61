"""decide(): decisions per second on one core for a realistic mixed workload.

A 150-patient clinic day in Zurich with 3 sessions each (morning, midday, evening) and histories of
up to a year. Patients (seeded random.Random, so every run builds the same day):

- most in maintenance on DAM (about 150 mg x 3 with some variation: a mean near NAOMI's 454 mg a
  day) under ch-diaphin, or on HDM (mean near 212 mg a day) under ca-ioat, with histories from a
  week to a year, an odd missed session, and a daily oral methadone or SROM dose for many;
- some in titration (days 1-3), some back after 3-4 missed days (physician review, then an
  override for the later sessions), some with breath alcohol or sedation findings or signs;
- a few on DAM twice a day with their methadone at the evening session (methadone beside DAM).

Each session's context holds the history up to that time, with the doses given earlier that day.
Prints the decision count, decisions/s for decide() alone on prebuilt contexts, the rate including
building the contexts (Administration rows, DosingHistory, SessionContext), the mean history
length, the verdict mix, and the ratio to the 50,000/s target. Single-threaded, one process.

    .venv/bin/python bench/rules_decide.py [--seconds 2] [--patients 150]
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from zoneinfo import ZoneInfo

from openhat.rules import (
    Administration,
    Assessment,
    Decision,
    DoseRequest,
    DosingHistory,
    Order,
    Override,
    SessionContext,
    decide,
    load_protocol,
)
from openhat.rules.protocol import Protocol

TARGET_PER_SECOND = 50_000
ZONE_NAME = "Europe/Zurich"
ZONE = ZoneInfo(ZONE_NAME)
TODAY = date(2026, 3, 10)  # the history crosses both daylight-saving changes of 2025
SESSION_CLOCKS = ((8, 0), (12, 30), (17, 30))
WINDOWS = ("morning", "midday", "evening")
Row = tuple[datetime, str, str, Decimal, str]  # at, drug, route, dose, session id: a database row


@dataclass
class Patient:
    number: int
    kind: str  # maintenance_dam, maintenance_hdm, titration, missed, methadone
    protocol: Protocol
    drug: str
    route: str
    orders: tuple[Order, ...]
    rows: list[Row]  # history before today
    usual_mg: Decimal  # the single dose usually requested
    requests: list[tuple[str, str, Decimal]] = field(default_factory=list)  # per session
    assessments: list[Assessment] = field(default_factory=list)
    overrides: list[tuple[Override, ...]] = field(default_factory=list)
    times: list[datetime] = field(default_factory=list)


def local(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, clock(hour, minute), tzinfo=ZONE)


def mg(value: float) -> Decimal:
    return Decimal(max(round(value / 5.0) * 5, 5))


def order(
    order_id: str, drug: str, route: str, low: Decimal, high: Decimal, sessions: int, daily: str
) -> Order:
    return Order(
        order_id=order_id,
        drug=drug,  # type: ignore[arg-type]
        routes=frozenset({route}),  # type: ignore[arg-type]
        dose_min_mg=low,
        dose_max_mg=high,
        sessions_per_day=sessions,
        daily_max_mg=Decimal(daily),
        starts_at=local(TODAY - timedelta(days=400), 0, 0),
    )


def build_patients(count: int, rng: random.Random) -> list[Patient]:
    ch, ca = load_protocol("ch-diaphin"), load_protocol("ca-ioat")
    patients = []
    for number in range(count):
        roll = rng.random()
        kind = (
            "maintenance_dam"
            if roll < 0.62
            else "maintenance_hdm"
            if roll < 0.77
            else "titration"
            if roll < 0.85
            else "missed"
            if roll < 0.93
            else "methadone"
        )
        hdm = kind == "maintenance_hdm" or (kind in ("titration", "missed") and rng.random() < 0.2)
        drug, protocol = ("hdm", ca) if hdm else ("dam", ch)
        route = "iv" if rng.random() < 0.85 else "im"
        usual = mg(rng.gauss(70.7, 18) if hdm else rng.gauss(151.3, 35))
        daily_cap = "500" if hdm else "1000"
        high = max(usual * Decimal("1.2"), Decimal(60 if hdm else 100))
        orders = [order(f"{number}-hat", drug, route, usual * Decimal("0.8"), high, 3, daily_cap)]
        if kind == "titration":
            days = rng.choice([0, 1, 2])  # today is day 1, 2 or 3
            gap = 0
        elif kind == "missed":
            days = rng.randint(20, 365)
            gap = rng.choice([3, 4])
        else:
            days = rng.choice([rng.randint(7, 60), rng.randint(60, 365), 365])
            gap = 0
        oral = None
        if kind == "methadone":
            oral = ("methadone", mg(rng.uniform(40, 120)))
            orders[0] = order(f"{number}-hat", drug, route, usual * Decimal("0.8"), high, 2, "1000")
        elif rng.random() < 0.5:
            oral = rng.choice(
                [("methadone", mg(rng.uniform(20, 60))), ("srom", mg(rng.uniform(200, 600)))]
            )
        if oral is not None:
            orders.append(
                order(f"{number}-oral", oral[0], "oral", oral[1], oral[1], 1, str(oral[1]))
            )
        patient = Patient(number, kind, protocol, drug, route, tuple(orders), [], usual)
        patient.rows = history_rows(patient, days, gap, oral, rng)
        plan_today(patient, oral, rng)
        patients.append(patient)
    return patients


def history_rows(
    patient: Patient,
    days: int,
    gap: int,
    oral: tuple[str, Decimal] | None,
    rng: random.Random,
) -> list[Row]:
    rows: list[Row] = []
    sessions = 2 if patient.kind == "methadone" else 3
    last_day = TODAY - timedelta(days=1 + gap)
    for back in range(days - 1, -1, -1):
        day = last_day - timedelta(days=back)
        if patient.kind == "titration":
            doses = [mg(15 + 15 * (days - back))] * sessions  # rising during titration
        else:
            doses = [mg(float(patient.usual_mg) * rng.uniform(0.9, 1.1)) for _ in range(sessions)]
        for index in range(sessions):
            if patient.kind != "titration" and rng.random() < 0.03:
                continue  # an odd missed session
            hour, minute = SESSION_CLOCKS[index]
            at = local(day, hour, minute) + timedelta(minutes=rng.randint(-25, 25))
            session = f"{patient.number}-{day.isoformat()}-{index}"
            rows.append((at, patient.drug, patient.route, doses[index], session))
        if oral is not None:
            at = local(day, 17, 55) + timedelta(minutes=rng.randint(0, 20))
            rows.append((at, oral[0], "oral", oral[1], f"{patient.number}-{day.isoformat()}-oral"))
    rows.sort(key=lambda row: row[0])
    return rows


def plan_today(patient: Patient, oral: tuple[str, Decimal] | None, rng: random.Random) -> None:
    for index, (hour, minute) in enumerate(SESSION_CLOCKS):
        patient.times.append(local(TODAY, hour, minute) + timedelta(minutes=rng.randint(-20, 20)))
        if patient.kind == "methadone" and index == 2 and oral is not None:
            patient.requests.append(("methadone", "oral", oral[1]))
        else:
            patient.requests.append((patient.drug, patient.route, patient.usual_mg))
        finding = rng.random()
        if finding < 0.04:
            assessment = Assessment(breath_alcohol_mg_per_l=Decimal(rng.choice(["0.12", "0.18"])))
        elif finding < 0.055:
            assessment = Assessment(breath_alcohol_mg_per_l=Decimal("0.31"))
        elif finding < 0.085:
            assessment = Assessment(sedation_score=rng.choice([2, 3, 3, 4]))
        elif finding < 0.11:
            assessment = Assessment(signs=("pinpoint pupils",))
        else:
            assessment = Assessment(sedation_score=1, breath_alcohol_mg_per_l=Decimal("0.00"))
        patient.assessments.append(assessment)
        reviewed = patient.kind == "missed" and index > 0
        patient.overrides.append(
            (Override(frozenset({"missed_days"}), "reviewed after missed days", "dr_zrh"),)
            if reviewed
            else ()
        )


def context_for(
    patient: Patient, index: int, administrations: list[Administration]
) -> SessionContext:
    drug, route, amount = patient.requests[index]
    return SessionContext(
        protocol=patient.protocol,
        orders=patient.orders,
        history=DosingHistory(tuple(administrations), ZONE_NAME),
        assessment=patient.assessments[index],
        request=DoseRequest(drug=drug, route=route, dose_mg=amount, window=WINDOWS[index]),  # type: ignore[arg-type]
        now=patient.times[index],
        overrides=patient.overrides[index],
    )


def build_day(patients: list[Patient]) -> list[SessionContext]:
    """Every session's context, from database-like rows, giving what each decision allows."""
    contexts = []
    for patient in patients:
        administrations = [
            Administration(at, drug, route, dose, session)  # type: ignore[arg-type]
            for at, drug, route, dose, session in patient.rows
        ]
        for index in range(len(SESSION_CLOCKS)):
            context = context_for(patient, index, administrations)
            contexts.append(context)
            decision = decide(context)
            if decision.allows_dose:
                drug, route, requested = patient.requests[index]
                given = min(requested, decision.max_dose_mg)
                administrations = [
                    *administrations,
                    Administration(
                        context.now,
                        drug,  # type: ignore[arg-type]
                        route,  # type: ignore[arg-type]
                        given,
                        f"{patient.number}-today-{index}",
                    ),
                ]
    return contexts


def run_for(seconds: float, once: Callable[[], int]) -> tuple[int, float, float]:
    """Repeat `once` for at least `seconds` of wall time: (decisions, wall s, CPU s of this process)."""
    done, start, cpu = 0, time.perf_counter(), time.process_time()
    while True:
        done += once()
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done, elapsed, time.process_time() - cpu


def report(label: str, measured: tuple[int, float, float]) -> None:
    done, wall, cpu = measured
    rate = done / wall
    print(
        f"{label}: {done} decisions in {wall:.2f} s = {rate:,.0f}/s "
        f"({rate / TARGET_PER_SECOND:.2f} x the 50,000/s target); "
        f"by CPU time {done / cpu:,.0f}/s"
    )


def order_for(context: SessionContext) -> Order:
    request = context.request
    return next(
        item
        for item in context.orders
        if item.drug == request.drug
        and request.route in item.routes
        and item.active_at(context.now)
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=2.0, help="least time per measurement")
    parser.add_argument("--patients", type=int, default=150)
    parser.add_argument("--seed", type=int, default=20260310)
    args = parser.parse_args()

    patients = build_patients(args.patients, random.Random(args.seed))
    contexts = build_day(patients)
    decisions: list[Decision] = [decide(context) for context in contexts]
    for context, decision in zip(contexts, decisions, strict=True):
        if decision.allows_dose:
            assert decision.max_dose_mg <= order_for(context).dose_max_mg, decision
        assert decision.max_dose_mg >= 0

    def decide_day() -> int:
        for context in contexts:
            decide(context)
        return len(contexts)

    def build_and_decide_day() -> int:
        return len(build_day(patients))  # builds every context and decides each once

    prebuilt = [
        [
            Administration(at, drug, route, dose, session)  # type: ignore[arg-type]
            for at, drug, route, dose, session in patient.rows
        ]
        for patient in patients
    ]
    given = {
        # the doses given earlier today, as build_day added them
        (patient.number, index): list(context.history.administrations[len(prebuilt[number]) :])
        for number, patient in enumerate(patients)
        for index, context in enumerate(contexts[number * 3 : number * 3 + 3])
    }

    def history_and_decide_day() -> int:
        for number, patient in enumerate(patients):
            for index in range(len(SESSION_CLOCKS)):
                items = prebuilt[number] + given[(patient.number, index)]
                decide(context_for(patient, index, items))
        return len(contexts)

    decide_only = run_for(args.seconds, decide_day)
    with_history = run_for(args.seconds, history_and_decide_day)
    with_rows = run_for(args.seconds, build_and_decide_day)

    lengths = [len(context.history.administrations) for context in contexts]
    kinds = Counter(patient.kind for patient in patients)
    verdicts = Counter(decision.verdict.value for decision in decisions)
    rules = Counter(item.rule_id for decision in decisions for item in decision.findings)
    print(f"patients: {len(patients)} ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))})")
    print(f"decisions per clinic day: {len(contexts)}")
    print(
        f"history length: mean {sum(lengths) / len(lengths):.0f} administrations, "
        f"max {max(lengths)}"
    )
    print(f"verdicts: {', '.join(f'{k} {v}' for k, v in verdicts.most_common())}")
    print(f"findings: {', '.join(f'{k} {v}' for k, v in rules.most_common())}")
    report("decide() alone on prebuilt contexts", decide_only)
    report(
        "DosingHistory + SessionContext from Administration objects, then decide()", with_history
    )
    report("Administration rows + DosingHistory + SessionContext + decide()", with_rows)


if __name__ == "__main__":
    main()
