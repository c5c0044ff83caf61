"""Run work in threads that start together, each with its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from django.db import connection, connections

T = TypeVar("T")


def run_together(
    count: int, work: Callable[[int], T], timeout: float = 60
) -> tuple[list[T], list[BaseException]]:
    barrier = threading.Barrier(count)
    results: list[T] = []
    errors: list[BaseException] = []
    guard = threading.Lock()

    def runner(index: int) -> None:
        try:
            connection.ensure_connection()  # connect first, so the barrier releases real work
            barrier.wait(timeout=timeout)
            result = work(index)
            with guard:
                results.append(result)
        except BaseException as error:  # collected and asserted on by the test
            with guard:
                errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i,), name=f"worker-{i}") for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout * 2)
    assert not any(thread.is_alive() for thread in threads), "a worker hung (deadlock?)"
    return results, errors
