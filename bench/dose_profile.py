"""cProfile over a few whole sessions run in this process: where the server's Python time goes."""

from __future__ import annotations

import cProfile
import pstats
from dataclasses import dataclass, field
from datetime import datetime

from dose_clinic import BenchPatient
from dose_inprocess import InProcessStation


@dataclass
class Profile:
    sessions: int
    seconds: float  # inside the six requests (the observation wait excluded)
    top_own: list[str] = field(default_factory=list)  # by own time
    top_openhat: list[str] = field(default_factory=list)  # openhat functions by cumulative time


def where_in_source(filename: str) -> str:
    for marker in ("/site-packages/", "/src/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename.rsplit("/", 1)[-1]


def profile_sessions(
    station: InProcessStation, patients: list[tuple[BenchPatient, datetime]]
) -> Profile:
    profiler = cProfile.Profile()
    inside = 0.0
    for patient, at in patients:
        profiler.enable()
        trace = station.session(patient, at)
        profiler.disable()
        inside += sum(trace.seconds)
    stats = pstats.Stats(profiler)
    raw = stats.stats  # type: ignore[attr-defined]
    rows = []
    for (filename, line, name), (_calls, count, own, cumulative, _callers) in raw.items():
        rows.append((own, cumulative, count, f"{where_in_source(filename)}:{line} {name}"))
    sessions = max(1, len(patients))
    top_own = [
        f"{1000 * own / sessions:7.2f} ms/session own  {count / sessions:8.1f} calls  {where}"
        for own, _cumulative, count, where in sorted(rows, reverse=True)[:15]
    ]
    # Middleware and the API wrapper contain the whole request: left out to show the parts.
    openhat_rows = [
        row
        for row in rows
        if row[3].startswith("openhat/") and not row[3].endswith((" __call__", " wrapped"))
    ]
    top_openhat = [
        f"{1000 * cumulative / sessions:7.2f} ms/session incl.  {count / sessions:6.1f} calls  {where}"
        for _own, cumulative, count, where in sorted(openhat_rows, key=lambda row: -row[1])[:20]
    ]
    return Profile(len(patients), inside / sessions, top_own, top_openhat)
