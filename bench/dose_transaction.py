"""Full dose transactions per second through the HTTP API, against the raw SQL they cost.

    python bench/dose_transaction.py            # the full run (several minutes)
    python bench/dose_transaction.py --quick    # a smaller clinic and shorter phases

1. A throw-away embedded PostgreSQL in var/bench-dose-<time>/ (never the shared var/pg),
   migrated, and a synthetic clinic made through the services (dose_clinic).
2. gunicorn with production settings (dose_server) and 32 client stations (dose_clients), each
   running whole sessions: check-in, assessment, decision, preparation, administration and,
   after the observation, the sign-off. Each request carries its time on a virtual clock
   (dose_clock), so observation and the preset's intervals pass within the run; the preset's
   values are not changed.
3. The SQL of one session, recorded inside this process through the same request stack
   (dose_sql, dose_inprocess), replayed by pgbench with 32 clients (dose_pgbench).
4. The board page for a 150-patient clinic with a year of history (dose_board).
5. Where the time goes (dose_profile).

Targets (issue 6): >= 300 full sessions/s, p99 <= 50 ms, >= 25% of the raw-SQL replay, board
p95 <= 50 ms. The script prints what it measured; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dose_server import PROJECT_ROOT, Server, start_database, stop_database

if TYPE_CHECKING:
    from dose_clinic import BenchClinic

CLINIC_FILE = "bench-clinic.json"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small clinic, short phases")
    parser.add_argument("--patients", type=int, help="enrolled patients (default 200; quick 100)")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=int, help="measured seconds (default 40; quick 12)")
    parser.add_argument("--warmup", type=int, help="seconds before measuring (default 8; quick 4)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--hdm-share", type=float, default=0.2)
    parser.add_argument("--replay-seconds", type=int, help="pgbench seconds (default 20; quick 8)")
    parser.add_argument("--board-renders", type=int, default=200)
    parser.add_argument("--skip-board", action="store_true")
    parser.add_argument("--port", type=int, default=8431)
    parser.add_argument("--var-dir", help="reuse (or keep) this var directory")
    parser.add_argument("--keep", action="store_true", help="keep the var directory afterwards")
    args = parser.parse_args()
    args.patients = args.patients or (100 if args.quick else 200)
    args.seconds = args.seconds or (12 if args.quick else 40)
    args.warmup = args.warmup or (4 if args.quick else 8)
    args.replay_seconds = args.replay_seconds or (8 if args.quick else 20)
    return args


def main() -> None:
    args = arguments()
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    var_dir = Path(args.var_dir or PROJECT_ROOT / "var" / f"bench-dose-{stamp}").resolve()
    reusing = (var_dir / CLINIC_FILE).exists()
    print(f"var directory: {var_dir}" + (" (reused)" if reusing else ""))
    environment = start_database(var_dir)
    import django

    django.setup()
    server: Server | None = None
    try:
        clinic, start = _clinic(var_dir, args, reusing)
        server = Server(
            environment,
            port=args.port,
            workers=args.workers,
            threads=args.threads,
            log_path=var_dir / "gunicorn.log",
        )
        server.wait_ready()
        run_phases(args, var_dir, clinic, start, server)
    finally:
        if server is not None:
            server.stop()
        stop_database(var_dir, keep=args.keep or reusing or bool(args.var_dir))


def _clinic(var_dir: Path, args: argparse.Namespace, reusing: bool) -> tuple[BenchClinic, datetime]:
    """The clinic, and when its next sessions start on the virtual clock (dose_clock)."""
    from django.core.management import call_command
    from rich.progress import Progress

    from dose_clinic import BenchClinic, build_clinic, spread_sequences

    saved = var_dir / CLINIC_FILE
    if reusing:
        data = json.loads(saved.read_text())
        return BenchClinic.from_json(data["clinic"]), datetime.fromisoformat(data["next_start"])
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    spread_sequences()
    # Enough stock for every session the clients could run (at most 600/s), at 220 mg each.
    sessions = 600 * (args.seconds + args.warmup + 10)
    with Progress(transient=True) as progress:
        task = progress.add_task("enrolling patients", total=args.patients)
        clinic = build_clinic(
            patients=args.patients,
            nurses=args.clients,
            hdm_share=args.hdm_share,
            doses_needed_mg=Decimal(sessions * 220),
            progress=lambda done: progress.update(task, completed=done),
        )
    print(
        f"clinic {clinic.code}: {len(clinic.patients)} enrolled patients "
        f"({sum(p.drug == 'hdm' for p in clinic.patients)} on HDM), {args.clients} nurses with "
        f"API tokens, made through the services in {time.perf_counter() - started:.0f} s"
    )
    start = datetime.now(UTC)
    _save(saved, clinic, start)
    return clinic, start


def _save(path: Path, clinic: BenchClinic, next_start: datetime) -> None:
    path.write_text(json.dumps({"clinic": clinic.to_json(), "next_start": next_start.isoformat()}))


def run_phases(
    args: argparse.Namespace, var_dir: Path, clinic: BenchClinic, start: datetime, server: Server
) -> None:
    from dose_load import print_load, run_load
    from dose_replay import capture_and_replay
    from dose_summary import print_summary

    load = run_load(args, var_dir, clinic, start, server, ZoneInfo("America/Vancouver"))
    print_load(args, load)
    # A later run on the same var directory starts after every session of this one.
    latest = max(max(station.next_at.values()) for station in load.stations)
    _save(var_dir / CLINIC_FILE, clinic, latest + timedelta(days=1))
    server.stop()
    captured = capture_and_replay(args, var_dir, clinic, load)
    board = None
    if not args.skip_board:
        from dose_board import measure_board

        board = measure_board(args)
    print_summary(args, load, captured, board)


if __name__ == "__main__":
    main()
