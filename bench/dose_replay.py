"""Record one session's SQL in this process, print where its time goes, replay it with pgbench."""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from dose_clinic import BenchClinic, BenchPatient
from dose_inprocess import STEPS, InProcessStation
from dose_load import Load
from dose_pgbench import (
    Identity,
    Replay,
    Script,
    fill_replay_table,
    render,
    run_pgbench,
    token_digest,
)
from dose_profile import Profile, profile_sessions
from dose_sql import Recording, recording


@dataclass
class Captured:
    recording: Recording
    request_seconds: list[float]
    script: Script
    replay: Replay
    profile: Profile


def _healthy(load: Load) -> list[tuple[BenchPatient, datetime]]:
    """DAM patients with a signed-off session in the run and none left open by an error, each
    with the time of their next session."""
    return [
        (patient, station.next_at[patient.id])
        for station in load.stations
        for patient in station.patients
        if patient.id in station.completed
        and patient.id not in station.broken
        and patient.drug == "dam"
    ]


def capture_and_replay(
    args: argparse.Namespace, var_dir: Path, clinic: BenchClinic, load: Load
) -> Captured:
    from dose_server import socket_dir

    dam = _healthy(load)
    if len(dam) < 8:
        raise RuntimeError(f"only {len(dam)} DAM patients completed a session; nothing to record")
    station = InProcessStation(clinic, clinic.tokens[0])
    # Warm this process's caches (URL resolver, presets, templates) on the patient kept aside.
    station.session(clinic.patients[0], dam[0][1])
    for recorded, at in dam[:6]:
        with recording() as record:
            trace = station.session(recorded, at, lambda n: setattr(record, "request", n))
        if trace.full:
            break
    else:
        raise RuntimeError("no recorded session was a full one (every decision held the dose)")
    profile = profile_sessions(station, dam[6:16])
    identity = Identity(
        patient_id=recorded.id,
        nurse_id=clinic.nurse_ids[0],
        token_id=clinic.token_ids[0],
        token_digest=token_digest(clinic.tokens[0]),
        keys=trace.keys,
    )
    pool = [patient for patient, _at in dam if patient.id != recorded.id]
    slots = max(1, min(16, len(pool) // args.clients))
    fill_replay_table(
        [
            (
                client,
                slot,
                pool[(client * slots + slot) % len(pool)].id,
                clinic.nurse_ids[client],
                clinic.token_ids[client],
                token_digest(clinic.tokens[client]),
            )
            for client in range(args.clients)
            for slot in range(slots)
        ]
    )
    script = render(record, identity, slots)
    script_path = var_dir / "session-replay.sql"
    script_path.write_text(script.text)
    print()
    print(
        f"SQL of one full session (patient {recorded.client_code}, decision {trace.verdict}), "
        f"recorded in this process: {script.statements} statements, {script.transactions} "
        f"transactions; pgbench script: {script_path}"
    )
    _print_requests(record, trace.seconds)
    print(
        f"replaying it with pgbench: {args.clients} clients, {args.replay_seconds} s "
        f"({slots} patients per client) ..."
    )
    replay = run_pgbench(
        script_path,
        clients=args.clients,
        seconds=args.replay_seconds,
        socket_dir=socket_dir(),
        log_path=var_dir / "pgbench.log",
    )
    return Captured(record, trace.seconds, script, replay, profile)


def _in_transaction(record: Recording, statement: object) -> bool:
    inside = False
    for item in record.statements:
        if item.kind == "begin":
            inside = True
        elif item.kind in ("commit", "rollback"):
            inside = False
        elif item is statement:
            return inside
    return False


def _print_requests(record: Recording, seconds: list[float]) -> None:
    print(
        f"  {'request':<16} {'total ms':>9} {'SQL':>5} {'SQL ms':>8} {'commits':>8} {'other ms':>9}"
    )
    for index, step in enumerate(STEPS):
        statements = record.sql_statements(index)
        commits = [s for s in record.statements if s.request == index and s.kind == "commit"]
        sql_seconds = sum(s.seconds for s in statements) + sum(s.seconds for s in commits)
        print(
            f"  {step:<16} {seconds[index] * 1000:9.1f} {len(statements):5d} "
            f"{sql_seconds * 1000:8.1f} {len(commits):8d} {(seconds[index] - sql_seconds) * 1000:9.1f}"
        )
    tables = Counter(_table(s.sql) for s in record.sql_statements())
    print("  statements by table: " + ", ".join(f"{t} {n}" for t, n in tables.most_common(12)))


def _table(sql: str) -> str:
    for marker in ('INSERT INTO "', 'UPDATE "', 'FROM "'):
        start = sql.find(marker)
        if start >= 0:
            rest = sql[start + len(marker) :]
            return rest[: rest.find('"')]
    return sql.split("(")[0].strip()[:30]
