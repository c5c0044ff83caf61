"""Percentiles, CPU accounting and the printed tables of the dose benchmark."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (no interpolation): the value a share `fraction` do not exceed."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1000:.1f}"


def latency_row(name: str, values: Sequence[float]) -> str:
    return (
        f"  {name:<16} {len(values):>7}  {ms(percentile(values, 0.5)):>8}  "
        f"{ms(percentile(values, 0.95)):>8}  {ms(percentile(values, 0.99)):>8}  "
        f"{ms(max(values) if values else math.nan):>8}"
    )


def latency_table(rows: Iterable[tuple[str, Sequence[float]]]) -> list[str]:
    lines = [
        f"  {'request':<16} {'count':>7}  {'p50 ms':>8}  {'p95 ms':>8}  {'p99 ms':>8}  {'max ms':>8}"
    ]
    lines.extend(latency_row(name, values) for name, values in rows)
    return lines


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


@dataclass
class CpuSample:
    seconds: dict[str, float]


def _cpu(process: psutil.Process) -> float:
    try:
        times = process.cpu_times()
    except psutil.Error:
        return 0.0
    return times.user + times.system


class CpuMeter:
    """CPU seconds used by the server's workers, PostgreSQL (the postmaster and every backend
    alive at either sample), this process (the clients) and everything else on the machine."""

    def __init__(self, server_pids: list[int], postgres_data: Path) -> None:
        self.server = [psutil.Process(pid) for pid in server_pids if psutil.pid_exists(pid)]
        self.postgres_data = postgres_data
        self.seen: dict[int, psutil.Process] = {}

    def _postgres(self) -> float:
        pid_file = self.postgres_data / "postmaster.pid"
        postmaster = psutil.Process(int(pid_file.read_text().split()[0]))
        for process in [postmaster, *postmaster.children(recursive=True)]:
            self.seen.setdefault(process.pid, process)
        return sum(_cpu(process) for process in self.seen.values())

    def sample(self) -> CpuSample:
        machine = psutil.cpu_times()
        busy = machine.user + machine.system + getattr(machine, "nice", 0.0)
        return CpuSample(
            {
                "gunicorn workers": sum(_cpu(process) for process in self.server),
                "postgres": self._postgres(),
                "bench clients (this process)": _cpu(psutil.Process()),
                "machine": busy,
            }
        )

    @staticmethod
    def used(before: CpuSample, after: CpuSample) -> dict[str, float]:
        # A backend that started between the samples counts from zero.
        used = {name: after.seconds[name] - before.seconds.get(name, 0.0) for name in after.seconds}
        machine = used.pop("machine")
        used["other processes on the machine"] = max(0.0, machine - sum(used.values()))
        return used


def cpu_lines(used: dict[str, float], seconds: float, transactions: int) -> list[str]:
    cores = psutil.cpu_count() or 1
    total = sum(used.values())
    lines = [
        f"  CPU over the measured {seconds:.0f} s ({cores} cores = {cores * seconds:.0f} core-s): "
        f"{total:.1f} core-s used ({100 * total / (cores * seconds):.0f}%)"
    ]
    for name, value in sorted(used.items(), key=lambda item: -item[1]):
        per = f"{1000 * value / transactions:.1f} ms/session" if transactions else "-"
        lines.append(f"    {name:<28} {value:7.1f} core-s  {per}")
    return lines
