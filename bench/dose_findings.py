"""Where a session's time goes, read from its recorded SQL (dose_sql): the figures behind the
summary's explanations of a missed target."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from dose_sql import Recording, Statement

AUDIT_LOCK = "pg_advisory_xact_lock(7301"  # audit.chain.LOCK_NAMESPACE["audit_event"]
LEDGER_LOCK = "pg_advisory_xact_lock(7303"  # the pharmacy ledger's chain


@dataclass
class Transaction:
    request: int
    statements: list[Statement]
    commit_seconds: float

    def held_after(self, marker: str, params_first: int) -> float | None:
        """Seconds from taking the advisory lock `marker` names to the end of the commit."""
        for position, statement in enumerate(self.statements):
            if _is_lock(statement, params_first):
                rest = self.statements[position:]
                return sum(item.seconds for item in rest) + self.commit_seconds
        return None


def _is_lock(statement: Statement, namespace: int) -> bool:
    params = statement.params
    # The lock leads its statement (alone, or followed by the read it guards): its namespace is
    # the first parameter.
    return (
        statement.sql.startswith("SELECT pg_advisory_xact_lock(")
        and isinstance(params, (list, tuple))
        and len(params) >= 2
        and params[0] == namespace
    )


def transactions(record: Recording) -> tuple[list[Transaction], list[Statement]]:
    """The session's transactions, and the statements it ran on their own (autocommit)."""
    found: list[Transaction] = []
    alone: list[Statement] = []
    current: list[Statement] | None = None
    for statement in record.statements:
        if statement.kind == "begin":
            current = []
        elif statement.kind in ("commit", "rollback"):
            if current is not None:
                found.append(Transaction(statement.request, current, statement.seconds))
            current = None
        elif current is not None:
            current.append(statement)
        else:
            alone.append(statement)
    return found, alone


@dataclass
class Breakdown:
    statements: int
    sql_seconds: float
    request_seconds: float
    audit_hold: float  # per session, under the clinic's audit-chain lock (to commit's end)
    ledger_hold: float
    transactions: int
    alone_writes: int  # writes outside any transaction, each its own commit
    alone_write_seconds: float
    repeated: list[tuple[str, int]]  # statements sent again with the same text and values

    @property
    def python_seconds(self) -> float:
        return self.request_seconds - self.sql_seconds


def breakdown(record: Recording, request_seconds: list[float]) -> Breakdown:
    found, alone = transactions(record)
    audit = sum(t.held_after(AUDIT_LOCK, 7301) or 0.0 for t in found)
    ledger = sum(t.held_after(LEDGER_LOCK, 7303) or 0.0 for t in found)
    writes = [s for s in alone if _writes(s.sql)]
    sql = [s for s in record.statements if s.kind == "sql"]
    sql_seconds = sum(s.seconds for s in sql) + sum(t.commit_seconds for t in found)
    seen: Counter[tuple[int, str, str]] = Counter(
        (s.request, s.sql, repr(s.params)) for s in sql if not s.sql.startswith("SAVEPOINT")
    )
    repeated: Counter[str] = Counter()
    for (_request, text, _params), count in seen.items():
        if count > 1:
            repeated[_name(text)] += count - 1
    return Breakdown(
        statements=len(sql),
        sql_seconds=sql_seconds,
        request_seconds=sum(request_seconds),
        audit_hold=audit,
        ledger_hold=ledger,
        transactions=len(found),
        alone_writes=len(writes),
        alone_write_seconds=sum(s.seconds for s in writes),
        repeated=repeated.most_common(8),
    )


def _writes(sql: str) -> bool:
    body = sql.split("; ", 1)[-1] if sql.startswith("SELECT set_config") else sql
    return body.lstrip().startswith(("INSERT", "UPDATE", "DELETE"))


def _name(sql: str) -> str:
    body = sql.split("; ", 1)[-1] if sql.startswith("SELECT set_config") else sql
    verb = body.split(" ", 1)[0]
    for marker in ('INSERT INTO "', 'UPDATE "', 'FROM "'):
        start = body.find(marker)
        if start >= 0:
            rest = body[start + len(marker) :]
            return f"{verb} {rest[: rest.find(chr(34))]}"
    return body[:40]


def lines(found: Breakdown) -> list[str]:
    per_second = 1 / found.audit_hold if found.audit_hold else float("inf")
    out = [
        f"  one session, recorded in this process with the server stopped: "
        f"{found.request_seconds * 1000:.0f} ms in its six requests, of which "
        f"{found.sql_seconds * 1000:.0f} ms waiting for {found.statements} SQL statements and "
        f"their commits, {found.python_seconds * 1000:.0f} ms in Python",
        f"  the clinic's audit-chain lock is held {found.audit_hold * 1000:.1f} ms per session "
        f"(from taking it to the end of each commit); every audited write of a clinic queues "
        f"on it, so one clinic can do at most ~{per_second:.0f} sessions/s at these times",
        f"  the ledger-chain lock (the dose drawn) is held {found.ledger_hold * 1000:.1f} ms per "
        "session, the lot's stock row as long",
        f"  {found.alone_writes} writes per session run outside any transaction, each with "
        f"its own commit ({found.alone_write_seconds * 1000:.1f} ms)",
    ]
    if found.repeated:
        out.append(
            "  statements sent again within the same request, same text and values: "
            + ", ".join(f"{name} x{count}" for name, count in found.repeated)
        )
    return out
