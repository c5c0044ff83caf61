"""Recording every SQL statement a request sends to PostgreSQL, with its result and time.

The recorder sits below Django's execute wrappers (pghistory's context prefix included), on the
cursor's own execute, so what it keeps is what went to the server. Transaction boundaries are
kept too: psycopg opens a transaction implicitly at the first statement after Django turns
autocommit off, and Django commits or rolls back through the connection.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.backends import utils as backend_utils


@dataclass
class Statement:
    kind: str  # sql | begin | commit | rollback
    sql: str = ""
    params: Any = None
    columns: list[str] = field(default_factory=list)
    rows: list[tuple[Any, ...]] | None = None
    seconds: float = 0.0
    request: int = 0  # which request of the session sent it


@dataclass
class Recording:
    statements: list[Statement] = field(default_factory=list)
    request: int = 0
    _in_transaction: bool = False

    def sql_statements(self, request: int | None = None) -> list[Statement]:
        return [
            item
            for item in self.statements
            if item.kind == "sql" and (request is None or item.request == request)
        ]

    def add(self, statement: Statement) -> None:
        statement.request = self.request
        self.statements.append(statement)


@contextmanager
def recording() -> Iterator[Recording]:
    record = Recording()
    original_execute = backend_utils.CursorWrapper._execute
    original_many = backend_utils.CursorWrapper._executemany
    original_commit, original_rollback = connection._commit, connection._rollback

    def boundary() -> None:
        if not connection.get_autocommit() and not record._in_transaction:
            record.add(Statement("begin"))
            record._in_transaction = True

    def execute(self: Any, sql: str, params: Any, *rest: Any) -> Any:
        boundary()
        started = time.perf_counter()
        result = original_execute(self, sql, params, *rest)
        seconds = time.perf_counter() - started
        statement = Statement("sql", sql, params, seconds=seconds)
        raw = self.cursor
        if not getattr(raw, "name", None):
            # pghistory's prefix makes two result sets (its set_config, then the statement):
            # keep the last one with rows, and leave the cursor there, rewound, as found after
            # pghistory's own nextset() loop.
            while True:
                if raw.description is not None:
                    statement.columns = [column.name for column in raw.description]
                    statement.rows = raw.fetchall()
                    if statement.rows:
                        raw.scroll(0, mode="absolute")
                if not raw.nextset():
                    break
        record.add(statement)
        return result

    def execute_many(self: Any, sql: str, param_list: Any, *rest: Any) -> Any:
        boundary()
        param_list = list(param_list)
        started = time.perf_counter()
        result = original_many(self, sql, param_list, *rest)
        seconds = time.perf_counter() - started
        for params in param_list:
            record.add(Statement("sql", sql, params, seconds=seconds / max(1, len(param_list))))
        return result

    def end(kind: str, original: Any) -> Any:
        def wrapped() -> Any:
            started = time.perf_counter()
            result = original()
            if record._in_transaction:
                record.add(Statement(kind, seconds=time.perf_counter() - started))
                record._in_transaction = False
            return result

        return wrapped

    backend_utils.CursorWrapper._execute = execute  # type: ignore[method-assign]
    backend_utils.CursorWrapper._executemany = execute_many  # type: ignore[method-assign]
    connection._commit = end("commit", original_commit)  # type: ignore[method-assign]
    connection._rollback = end("rollback", original_rollback)  # type: ignore[method-assign]
    try:
        yield record
    finally:
        backend_utils.CursorWrapper._execute = original_execute  # type: ignore[method-assign]
        backend_utils.CursorWrapper._executemany = original_many  # type: ignore[method-assign]
        del connection._commit, connection._rollback
