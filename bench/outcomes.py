"""The outcomes page, the public report and the research export: time, memory, where it goes.

    python bench/outcomes.py [--runs 7] [--patients 150] [--years 3] [--var-dir DIR]
                             [--no-generated]

Two clinics in one throw-away embedded PostgreSQL (`var/bench-outcomes/`, kept and reused by a
later run; delete it for a fresh one): the demo clinic ZRH (`openhat load_demo`) and a generated
clinic GEN (bench/generated_clinic.py: 150 patients whose starts spread over 3 years, made
through the services, its dosing history, screens and interviews bulk-inserted; the time it
takes is printed). For each clinic, over --runs runs after one warm-up:

- the outcomes page (`outcomes:report`, the clinic's whole history, signed in as a manager):
  outcomes_report (the records read once, every figure computed), its tables, SVG plots and
  the template;
- the public report: freezing a month (`public_services.preview` then `freeze`, as the manager's
  two clicks do; a month already frozen with the same figures is found, not frozen again: the
  figures are still computed) for the last --runs ended months, then serving the latest one
  without sign-in (`public:report`) and as its PDF (`public:pdf`, WeasyPrint);
- the research export (`research.services.make_export`, what `openhat research export` and the
  researchers' page call): the demo's study (`simulate.demo_research`, registered with its
  consents and secret when the clinic has none) as CSV and Parquet tables with the dictionaries,
  zipped and recorded, by a researcher.

Each line gives p50 and p95 (nearest rank) of the wall time, the SQL statements of one run
and their time (django.db.connection.execute_wrapper), the rest as Python, and the peak of
Python's own allocations in one more run (tracemalloc, which slows that run: not in the
times). Then cProfile's top functions (own time) of one outcomes page per clinic. No time is
asserted: the machine is shared (its load average is printed).
"""

from __future__ import annotations

import argparse
import cProfile
import math
import os
import pstats
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH.parent


@dataclass
class SqlTally:
    statements: int = 0
    seconds: float = 0.0

    def __call__(self, execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, *args)
        finally:
            self.seconds += time.perf_counter() - started
            self.statements += 1


@dataclass
class Measured:
    name: str
    times: list[float] = field(default_factory=list)
    statements: int = 0
    sql_seconds: float = 0.0
    wall_seconds: float = 0.0  # the run whose SQL was tallied
    peak_bytes: int = 0
    note: str = ""

    def line(self) -> str:
        python = self.wall_seconds - self.sql_seconds
        return (
            f"  {self.name:<34} p50 {percentile(self.times, 0.5) * 1000:8.1f} ms  "
            f"p95 {percentile(self.times, 0.95) * 1000:8.1f} ms  "
            f"| {self.statements:5d} SQL {self.sql_seconds * 1000:7.1f} ms, "
            f"Python {python * 1000:7.1f} ms | peak {self.peak_bytes / 2**20:6.1f} MiB"
            + (f"  ({self.note})" if self.note else "")
        )


def percentile(values: list[float], fraction: float) -> float:
    """Nearest rank, as bench/dose_report.percentile."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


@contextmanager
def tallied() -> Iterator[SqlTally]:
    from django.db import connection

    tally = SqlTally()
    with connection.execute_wrapper(tally):
        yield tally


def measure(name: str, runs: int, action: Callable[[int], object]) -> Measured:
    """`action(i)`: once to warm up, `runs` timed, one with its SQL tallied, one traced."""
    result = Measured(name)
    action(0)
    for index in range(runs):
        started = time.perf_counter()
        action(index)
        result.times.append(time.perf_counter() - started)
    with tallied() as tally:
        started = time.perf_counter()
        action(0)
        result.wall_seconds = time.perf_counter() - started
    result.statements, result.sql_seconds = tally.statements, tally.seconds
    tracemalloc.start()
    try:
        action(0)
        result.peak_bytes = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result


def top_functions(action: Callable[[], object], count: int = 10) -> list[str]:
    profiler = cProfile.Profile()
    profiler.enable()
    action()
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    rows = sorted(
        (
            (own, calls, f"{_where(filename)}:{line} {name}")
            for (filename, line, name), (_c, calls, own, _cum, _callers) in stats.items()
        ),
        reverse=True,
    )[:count]
    return [
        f"    {own * 1000:7.1f} ms own  {calls:9d} calls  {where}" for own, calls, where in rows
    ]


def _where(filename: str) -> str:
    for marker in ("/site-packages/", "/src/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename.rsplit("/", 1)[-1]


def start(var_dir: Path) -> None:
    os.environ["OPENHAT_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openhat.settings")
    os.environ["OPENHAT_DEBUG"] = "0"  # Django keeps every query in memory when DEBUG is on
    from openhat import embedded_db

    settings = embedded_db.ensure_running()
    embedded_db.ensure_database(settings)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def clinics(args: argparse.Namespace) -> list[str]:
    from django.core.management import call_command

    from openhat.clinics.models import Clinic

    codes = ["ZRH"]
    if not Clinic.objects.filter(code="ZRH").exists():
        started = time.perf_counter()
        call_command("load_demo", verbosity=0)
        print(f"demo loaded ({time.perf_counter() - started:.0f} s)")
    if args.no_generated:
        return codes
    if not Clinic.objects.filter(code="GEN").exists():
        from generated_clinic import generate_clinic

        started = time.perf_counter()
        made = generate_clinic(patients=args.patients, years=args.years)
        print(
            f"generated clinic GEN: {made.patients} patients over {args.years:g} years, "
            f"{made.exits} exits, {made.sessions:,} sessions, {made.administrations:,} "
            f"injections, {made.adverse_events} adverse events, {made.screens:,} screens, "
            f"{made.interviews} interviews ({time.perf_counter() - started:.0f} s)"
        )
    return [*codes, "GEN"]


def member_of(code: str, role: str) -> Any:
    """The clinic's first active member in `role` (one is added when there is none)."""
    from django.contrib.auth.models import User
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from openhat.clinics.models import Clinic, StaffMembership
    from openhat.clinics.roles import Role
    from openhat.clinics.services import add_membership

    clinic = Clinic.objects.get(code=code)
    membership = (
        StaffMembership.objects.filter(clinic=clinic, role=role, is_active=True)
        .order_by("pk")
        .first()
    )
    if membership is not None:
        user = membership.user
    else:
        user = User.objects.create_user(username=f"bench-{code.lower()}-{role}")
        add_membership(actor=None, user=user, clinic=clinic, role=Role(role))
    TOTPDevice.objects.get_or_create(user=user, defaults={"name": "bench", "confirmed": True})
    return user


def signed_in(user: Any, code: str) -> Any:
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from openhat.clinics.middleware import SESSION_CLINIC_KEY
    from openhat.clinics.models import Clinic

    client = Client(HTTP_X_FORWARDED_PROTO="https")
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
    session[SESSION_CLINIC_KEY] = Clinic.objects.get(code=code).pk
    session.save()
    return client


def months_with_data(code: str, manager: Any, count: int) -> list[str]:
    """Up to `count` of the latest ended months that have figures (of the last 40)."""
    from openhat.clinics.models import Clinic
    from openhat.core.clock import clinic_today
    from openhat.outcomes import public_services

    clinic = Clinic.objects.get(code=code)
    today = clinic_today(clinic)
    year, month = today.year, today.month
    months: list[str] = []
    for _ in range(40):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        period = f"{year:04d}-{month:02d}"
        if not public_services.preview(actor=manager, clinic=clinic, period=period).content[
            "empty"
        ]:
            months.append(period)
        if len(months) == count:
            break
    return months


def bench_clinic(code: str, runs: int) -> list[Measured]:
    from django.test import Client
    from django.urls import reverse

    from openhat.clinics.models import Clinic
    from openhat.outcomes import public_services
    from openhat.research.models import ResearchExport
    from openhat.research.services import make_export
    from openhat.simulate.demo_research import DEMO_STUDY_KEY, load_demo_research

    clinic = Clinic.objects.get(code=code)
    manager = member_of(code, "manager")
    staff = {role: member_of(code, role) for role in ("manager", "counsellor")}
    given = load_demo_research(clinic, staff, seed=20261207)  # the demo's study, when missing
    if given:
        print(f"  the demo's research study registered in {code}: {given} research consents")
    client = signed_in(manager, code)
    page_url = reverse("outcomes:report")

    def page(_: int) -> object:
        response = client.get(page_url)
        assert response.status_code == 200, response.status_code
        return response

    results = [measure("outcomes page", runs, page)]
    months = months_with_data(code, manager, runs)
    created = []

    def freeze(index: int) -> object:
        period = months[index % len(months)]
        shown = public_services.preview(actor=manager, clinic=clinic, period=period)
        frozen = public_services.freeze(
            actor=manager, clinic=clinic, period=period, expected_sha256=shown.sha256
        )
        created.append(frozen.created)
        return frozen

    frozen = measure("public report: preview + freeze", runs, freeze)
    frozen.note = f"{sum(created)} new, {len(created) - sum(created)} already frozen"
    results.append(frozen)
    public = Client(HTTP_X_FORWARDED_PROTO="https")
    latest = months[0]
    for name, label in (("public:report", "public report: page"), ("public:pdf", "PDF")):
        url = reverse(name, args=[code, latest])

        def serve(_: int, url: str = url) -> object:
            response = public.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        results.append(measure(f"{label} ({latest})", runs, serve))
    researcher = member_of(code, "researcher")
    exported: list[int] = []

    def export(_: int) -> object:
        result = make_export(actor=researcher, clinic=clinic, study_key=DEMO_STUDY_KEY)
        exported.append(result.record.archive_bytes)
        return result

    made = measure("research export (tables, zip)", runs, export)
    record = ResearchExport.objects.filter(clinic=clinic).order_by("-pk").first()
    assert record is not None
    made.note = (
        f"{record.included} patients, {sum(record.row_counts.values()):,} rows, "
        f"{exported[-1] / 1024:,.0f} KiB zip"
    )
    results.append(made)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--patients", type=int, default=150)
    parser.add_argument("--years", type=float, default=3.0)
    parser.add_argument("--var-dir", default=str(PROJECT_ROOT / "var" / "bench-outcomes"))
    parser.add_argument("--no-generated", action="store_true", help="the demo clinic only")
    args = parser.parse_args()
    sys.path.insert(0, str(BENCH))
    start(Path(args.var_dir).resolve())
    codes = clinics(args)
    print(f"load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())} (2 cores)")
    from django.urls import reverse

    for code in codes:
        print(f"clinic {code}: {args.runs} runs each")
        for result in bench_clinic(code, args.runs):
            if result.times:
                print(result.line())
            else:
                print(f"  {result.name:<34} {result.note}")
        client = signed_in(member_of(code, "manager"), code)
        url = reverse("outcomes:report")
        print(f"  where an outcomes page's time goes (cProfile, own time, {code}):")
        for line in top_functions(lambda c=client, u=url: c.get(u)):  # type: ignore[misc]
            print(line)
    print(f"load average at end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"this process's peak resident memory (getrusage): {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
