"""How `make test` shares the suite between pytest-xdist workers (`-n auto --dist loadfile`).

Two things must not run on two workers at once:
- the demo package (tests/simulate): its tests share one load of the demo (about two and a half
  minutes); split between workers, each would load it. The scheduler sends the package as one unit,
  and first: it is the longest unit (minutes), and xdist would otherwise hand out units with many
  tests first, leaving this one to run alone at the end.
- the concurrency tests: each opens up to fifty connections, and two at once would pass the
  server's limit (100 by default). They take a lock file in turn (`one_at_a_time`).

(pytest-xdist's own `xdist_group` marks do not group under pytest 9.2, which no longer reads the
node id xdist rewrites; so the grouping is done here.)
"""

from __future__ import annotations

import fcntl
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from xdist.scheduler import LoadFileScheduling

from openhat.embedded_db import var_dir

PACKAGES_AS_ONE_UNIT = ("tests/simulate/",)
# Given out before the others: the longest units (the demo package, the schemathesis run, minutes
# each), which would otherwise be handed out late and run alone at the end.
LONGEST_UNITS = (*PACKAGES_AS_ONE_UNIT, "tests/api/test_schemathesis.py")


class _PackagesFirst(OrderedDict[str, dict[str, bool]]):
    """A work queue that keeps the packages run as one unit at its front."""

    def __setitem__(self, scope: str, tests: dict[str, bool]) -> None:
        super().__setitem__(scope, tests)
        if scope in LONGEST_UNITS:
            self.move_to_end(scope, last=False)


class FileScheduling(LoadFileScheduling):
    """pytest-xdist's loadfile, except that each package in PACKAGES_AS_ONE_UNIT is one unit, given
    out before the others."""

    def __init__(self, config: pytest.Config, log: Any = None) -> None:
        super().__init__(config, log)
        self.workqueue = _PackagesFirst()

    def _split_scope(self, nodeid: str) -> str:
        for package in PACKAGES_AS_ONE_UNIT:
            if nodeid.startswith(package):
                return package
        return super()._split_scope(nodeid)


# Written by the schemathesis run (tests/api/test_schemathesis.py), printed in the run's summary.
SCHEMATHESIS_FIGURES = var_dir() / "tests-schemathesis-figures.txt"
# One line per case of the tamper suite (tests/security/test_tamper_suite.py), printed likewise.
TAMPER_TABLE = var_dir() / "tests-tamper-table.jsonl"


@contextmanager
def one_at_a_time(name: str) -> Iterator[None]:
    """Hold an exclusive lock shared by every worker of this checkout until the block ends."""
    folder = var_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = Path(folder) / f"tests-{name}.lock"
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def make_scheduler(config: pytest.Config, log: object) -> FileScheduling | None:
    if config.getvalue("dist") != "loadfile":
        return None
    return FileScheduling(config, log)
