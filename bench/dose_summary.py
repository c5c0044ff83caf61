"""The closing table: each figure beside its target, then where the time goes."""

from __future__ import annotations

import argparse
from typing import Any

import psutil

from dose_findings import Breakdown, breakdown, lines
from dose_load import Load
from dose_replay import Captured
from dose_report import ms, percentile, verdict

TARGET_SESSIONS_PER_S = 300
TARGET_P99_S = 0.050
TARGET_SHARE_OF_REPLAY = 0.25
TARGET_BOARD_P95_S = 0.050


def print_summary(
    args: argparse.Namespace, load: Load, captured: Captured, board: Any | None
) -> None:
    replay = captured.replay
    share = load.per_second / replay.sessions_per_second if replay.sessions_per_second else 0.0
    p99_requests = percentile(load.requests, 0.99)
    p99_sessions = percentile(load.sessions, 0.99)
    print()
    print("Summary (issue 6 targets)")
    rows = [
        (
            "full sessions/s through the API",
            f"{load.per_second:.1f}",
            f">= {TARGET_SESSIONS_PER_S}",
            load.per_second >= TARGET_SESSIONS_PER_S,
        ),
        (
            "p99 latency, any request (ms)",
            ms(p99_requests),
            f"<= {TARGET_P99_S * 1000:.0f}",
            p99_requests <= TARGET_P99_S,
        ),
        (
            "p99 latency, full session (ms)",
            ms(p99_sessions),
            f"<= {TARGET_P99_S * 1000:.0f}",
            p99_sessions <= TARGET_P99_S,
        ),
        (
            "raw-SQL replay, sessions/s (pgbench)",
            f"{replay.sessions_per_second:.1f}",
            "",
            None,
        ),
        (
            "API / raw-SQL replay",
            f"{100 * share:.1f}%",
            f">= {TARGET_SHARE_OF_REPLAY * 100:.0f}%",
            share >= TARGET_SHARE_OF_REPLAY,
        ),
    ]
    if board is not None:
        rows.append(("board page p50 (ms)", ms(board.p50), "", None))
        rows.append(("board page p99 (ms)", ms(board.p99), "", None))
        rows.append(
            (
                "board page p95 (ms)",
                ms(board.p95),
                f"<= {TARGET_BOARD_P95_S * 1000:.0f}",
                board.p95 <= TARGET_BOARD_P95_S,
            )
        )
    for name, value, target, met in rows:
        mark = "" if met is None else verdict(met)
        print(f"  {name:<38} {value:>9}   {target:<8} {mark}")
    print(
        f"  (pgbench: {replay.latency_ms:.1f} ms average per replayed session, "
        f"{replay.failed} failed)"
    )
    if board is not None:
        print(
            f"  (board: {len(board.renders)} renders of the page signed in as a nurse, "
            f"{board.queries} SQL queries each, {board.history_sessions} sessions in the clinic)"
        )
    _where_the_time_goes(load, captured, share, board)


def _where_the_time_goes(load: Load, captured: Captured, share: float, board: Any | None) -> None:
    found = breakdown(captured.recording, captured.request_seconds)
    cpu = load.cpu
    others = cpu.get("other processes on the machine", 0.0)
    print()
    print("Where the time goes")
    if others > 0.25 * sum(cpu.values()):
        print(
            f"  NOTE: other processes used {others:.0f} of the {sum(cpu.values()):.0f} core-s "
            "busy during the measurement; the figures above are depressed by them"
        )
    for line in lines(found):
        print(line)
    server_cpu = cpu.get("gunicorn workers", 0.0)
    if load.sessions:
        print(
            f"  under load the server's workers spent {1000 * server_cpu / len(load.sessions):.0f}"
            f" ms of CPU per full session and PostgreSQL "
            f"{1000 * cpu.get('postgres', 0.0) / len(load.sessions):.0f} ms"
        )
    print(
        f"  cProfile, {captured.profile.sessions} sessions in this process "
        f"({captured.profile.seconds * 1000:.0f} ms each inside the six requests, profiler "
        "overhead included); openhat functions by time including what they call:"
    )
    for line in captured.profile.top_openhat[:14]:
        print("   " + line)
    print("  all functions by own time:")
    for line in captured.profile.top_own[:10]:
        print("   " + line)
    print()
    print("What would close the gap")
    per_session_cpu = (
        (server_cpu + cpu.get("postgres", 0.0)) / len(load.sessions) if load.sessions else 0.0
    )
    for line in closing(found, per_session_cpu):
        print("  - " + line)
    if board is not None:
        print()
        print(
            f"Board page: {board.queries} SQL queries per render, {board.sql_seconds * 1000:.1f} ms "
            f"of SQL in a render of {board.p50 * 1000:.1f} ms (p50); the rest is Python and the "
            "template. Its slowest statements:"
        )
        for line in board.slowest:
            print("   " + line)
        print("  cProfile over 20 renders, own time:")
        for line in board.top:
            print("   " + line)


def closing(found: Breakdown, per_session_cpu: float = 0.0) -> list[str]:
    commits = found.transactions + found.alone_writes
    lines = []
    if per_session_cpu > 0:
        cores = TARGET_SESSIONS_PER_S * per_session_cpu
        lines.append(
            f"CPU first: at the {per_session_cpu * 1000:.0f} ms of CPU a full session cost the "
            f"server's workers and PostgreSQL together, {TARGET_SESSIONS_PER_S} sessions/s needs "
            f"about {cores:.0f} cores busy with nothing else; this machine has "
            f"{psutil.cpu_count() or 1}. Every item below lowers the CPU per session; none "
            "alone closes a gap of that size."
        )
    lines += [
        "The clinic's audit chain: every write takes the chain's advisory lock and keeps it until "
        "its commit has flushed the WAL, with the statements and Python that come after "
        "record_event in between, so a clinic's writes run one at a time (the replay queues on it "
        "too). Appending the audit row as the transaction's very last statement shortens the hold "
        "to one insert and the flush; chaining in batches after commit (rows written with a "
        "sequence, hashed and linked by a background step) takes it off the request path. The "
        "lot's stock row and the ledger chain serialise the draws the same way.",
    ]
    if found.alone_writes:
        lines.append(
            f"Writes outside the request's transaction: {found.alone_writes} of the session's "
            f"{commits} commits (each a WAL flush) are such writes; folding them into the "
            "request's transaction, or making them rarer, removes them."
        )
    return [
        *lines,
        "The engine is asked three times per session (decision, then again under the lock at "
        "preparation and at administration), each time reading the context from the database "
        "(orders, history, adverse events, assessment, overrides; the protocol is cached per "
        "process): reading it in fewer statements would cut SQL and Python time, but each "
        "dose-writing step must still ask again under its own lock.",
        "Python per request: the view, the schema, the services' checks and Django's query "
        "compilation (get_related_selections and get_select lead the own-time profile); "
        "prepared, hand-written queries for the station's few hot reads would cut it.",
        "The machine: 2 cores shared by the workers, PostgreSQL and the clients (and here by other "
        "work); a fair figure for 300 sessions/s needs the server on its own cores.",
    ]
