"""The load phase: 32 stations against gunicorn, measured after a warm-up, then drained."""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from dose_clients import KINDS, Station, Totals, merge
from dose_clinic import BenchClinic
from dose_report import CpuMeter, cpu_lines, latency_table
from dose_server import Server


@dataclass
class Load:
    seconds: float
    totals: Totals
    by_kind: dict[str, list[float]]
    sessions: list[float]
    cpu: dict[str, float]
    load_average: float  # the machine's 1-minute load average at the end of the measurement
    stations: list[Station] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return len(self.sessions) / self.seconds

    @property
    def requests(self) -> list[float]:
        return [value for values in self.by_kind.values() for value in values]


def run_load(
    args: argparse.Namespace,
    var_dir: Path,
    clinic: BenchClinic,
    start: datetime,
    server: Server,
    zone: ZoneInfo,
) -> Load:
    from openhat.clinics.models import Clinic
    from openhat.dosing.windows import window_hours

    hours = window_hours(Clinic.objects.get(pk=clinic.clinic_id))
    patients = clinic.patients[1:]  # the first is kept for the SQL recording
    started = time.time()
    measure_from = started + args.warmup
    measure_to = measure_from + args.seconds
    stations = [
        Station(
            index=index,
            clinic=clinic,
            patients=patients[index :: args.clients],
            token=clinic.tokens[index],
            start=start + timedelta(minutes=7 * index),
            port=server.port,
            stop_at=measure_to,
            zone=zone,
            window_hours=hours,
        )
        for index in range(args.clients)
    ]
    meter = CpuMeter(server.pids(), var_dir / "pg")
    print(f"machine load average (1 min) before the run: {os.getloadavg()[0]:.1f}")
    print(
        f"load: {args.clients} stations, {len(patients)} patients, gunicorn {args.workers} "
        f"workers x {args.threads} threads; warm-up {args.warmup} s, "
        f"measuring {args.seconds} s ..."
    )
    for station in stations:
        station.start()
    time.sleep(max(0.0, measure_from - time.time()))
    before = meter.sample()
    time.sleep(max(0.0, measure_to - time.time()))
    after = meter.sample()
    load_average = os.getloadavg()[0]
    for station in stations:
        station.join(timeout=120)
    totals = merge(stations)
    by_kind: dict[str, list[float]] = {kind: [] for kind in KINDS}
    for kind, ended, seconds in totals.requests:
        if measure_from <= ended <= measure_to:
            by_kind.setdefault(kind, []).append(seconds)
    sessions = [
        seconds for ended, seconds in totals.sessions if measure_from <= ended <= measure_to
    ]
    used = CpuMeter.used(before, after)
    return Load(args.seconds, totals, by_kind, sessions, used, load_average, stations)


def print_load(args: argparse.Namespace, load: Load) -> None:
    totals = load.totals
    print()
    print(
        f"Full dose sessions through the API ({args.clients} clients, measured {load.seconds:.0f} s)"
    )
    print(
        f"  full sessions completed: {len(load.sessions)} = {load.per_second:.1f} sessions/s "
        f"({6 * load.per_second:.0f} requests/s of the six kinds)"
    )
    print(f"  decisions: {dict(sorted(totals.verdicts.items()))}; held sessions: {totals.held}")
    if totals.errors:
        print(f"  ERRORS: {totals.errors}")
    for line in latency_table(
        [*((kind, load.by_kind.get(kind, [])) for kind in KINDS), ("full session", load.sessions)]
    ):
        print(line)
    print("  (a full session's latency is the sum of its six requests)")
    for line in cpu_lines(load.cpu, load.seconds, len(load.sessions)):
        print(line)
    print(f"  machine load average (1 min) at the end: {load.load_average:.1f}")
