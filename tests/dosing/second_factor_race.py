"""A retry that arrives while the first attempt is between its second-factor code and its write.

`retry_during_first(monkeypatch, module, attempt)` runs `attempt(index)` in two threads, each with
its own connection: the first (index 0) stops just after `module.fresh_second_factor` accepted
(and so used) its code; the retry (index 1) starts then, and the first goes on a second later.
Both should answer with the first's result (idempotency.key_held); without the held key the retry
presents a used code and is refused."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import pytest

from tests.audit.concurrent import run_together

T = TypeVar("T")


def retry_during_first(
    monkeypatch: pytest.MonkeyPatch, module: Any, attempt: Callable[[int], T]
) -> tuple[list[T], list[BaseException]]:
    real_check = module.fresh_second_factor
    code_accepted, first_may_go = threading.Event(), threading.Event()

    def first_pauses_after_its_code(actor: Any, totp: str | None) -> Any:
        verified = real_check(actor, totp)
        if threading.current_thread().name == "worker-0":
            code_accepted.set()
            assert first_may_go.wait(timeout=30)
        return verified

    monkeypatch.setattr(module, "fresh_second_factor", first_pauses_after_its_code)

    def ordered(index: int) -> T:
        if index == 1:  # the retry: once the first has used the code
            assert code_accepted.wait(timeout=30)
            threading.Timer(1.0, first_may_go.set).start()  # the retry is on its way by then
        return attempt(index)

    return run_together(2, ordered)
