"""The recorded session's SQL as a pgbench script, replayed by 32 clients at once.

Each pgbench transaction is one whole session: the same statements in the same transactions
(BEGIN/COMMIT where the server had them, autocommit statements on their own), with the literal
values the server sent, except where a literal would make every replay touch the one recorded
row or break a constraint. Those become pgbench variables:

- the patient, the nurse and the nurse's API token: each pgbench client takes a patient of its
  own (a `bench_replay` row per client and slot, read at the start), and its own nurse and
  token, as the load run's stations did;
- every id the session created (INSERT ... RETURNING): `\\gset` and the variable after;
- the audit and ledger chains: the last row read under the chain lock (`\\gset`), then the new
  row's sequence number is that plus one and its previous hash that row's hash;
- idempotency keys, their advisory-lock numbers and pghistory's context ids: new ones each
  replay (the server makes new ones each session).
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from django.db import connection

from dose_sql import Recording, Statement

ID_FLOOR = 10_000_000  # dose_clinic.spread_sequences: every id is at least this
IDEMPOTENCY_LOCK = 7401
LOCK_PREFIX = "SELECT pg_advisory_xact_lock("
INSERT = re.compile(r'^INSERT INTO "(\w+)" \((.*?)\) VALUES \((.*)\)( RETURNING .*)?$', re.S)
HEX64 = re.compile(r"^[0-9a-f]{64}$")
TPS = re.compile(r"tps = ([0-9.]+) \(without initial connection time\)")
LATENCY = re.compile(r"latency average = ([0-9.]+) ms")
FAILED = re.compile(r"number of failed transactions: (\d+)")


@dataclass
class Identity:
    """The recorded session's patient, nurse and token, and the request keys it sent."""

    patient_id: int
    nurse_id: int
    token_id: int
    token_digest: str
    keys: list[str]


@dataclass
class Script:
    text: str
    transactions: int
    statements: int
    replaced: dict[str, int] = field(default_factory=dict)


class _Renderer:
    def __init__(self, identity: Identity) -> None:
        self.ints: dict[int, str] = {
            identity.patient_id: ":b_pid",
            identity.nurse_id: ":b_uid",
            identity.token_id: ":b_tid",
        }
        self.strings: dict[str, str] = {
            identity.token_digest: "':b_digest'",
            # The API rate limit's counter of this token (openhat.core.middleware).
            "api-token-" + identity.token_digest: "'api-token-:b_digest'",
        }
        for number, key in enumerate(identity.keys):
            self.strings[key] = f"'k{number}-:b_iter-:client_id'"
        self.lines: list[str] = []
        self.chain: dict[str, str] = {}  # column -> expression, for the next chained INSERT
        self.replaced: dict[str, int] = {}
        self.raw = connection.connection

    def _count(self, what: str) -> None:
        self.replaced[what] = self.replaced.get(what, 0) + 1

    def _value(self, value: Any, column: str | None, request: int) -> str | None:
        """The pgbench expression replacing a parameter, or None to keep its literal."""
        if column in self.chain:
            self._count("chain link")
            return self.chain.pop(column)
        if isinstance(value, bool):
            return None
        if isinstance(value, int) and value in self.ints:
            self._count("id or key")
            return self.ints[value]
        if isinstance(value, str) and value in self.strings:
            self._count("id or key")
            return self.strings[value]
        return None

    def _render(self, statement: Statement, n: int) -> str:
        sql, params = statement.sql, statement.params
        columns: list[str | None] = []
        start = sql.find('INSERT INTO "')
        match = INSERT.match(sql[start:]) if start >= 0 else None
        if match and isinstance(params, (list, tuple)):
            names: list[str | None] = [
                name.strip().strip('"') for name in match.group(2).split(",")
            ]
            if match.group(3).count("%s") == len(names):
                columns = [None] * sql.count("%s", 0, start) + names
        if sql.startswith("SELECT set_config('pghistory.context_id'") and params:
            params = list(params)
            context = f"md5('c{statement.request}-:b_iter-:client_id')::uuid::text"
            params[0] = _Sentinel(context)
            self._count("pghistory context")
        # The lock comes first in the statement (openhat.core.locking sends the lock and the read
        # it guards as one query string): its namespace, then its number.
        if sql.startswith(LOCK_PREFIX) and params and list(params)[:1] == [IDEMPOTENCY_LOCK]:
            params = list(params)
            params[1] = _Sentinel(f":b_lock{statement.request}")
            self._count("idempotency lock")
        rendered = self._mogrify(sql, params, columns, statement.request)
        if rendered.startswith("SELECT set_config('pghistory.context_id'"):
            rendered = rendered.replace(", true); ", ", true) \\; ", 1)
        elif rendered.startswith(LOCK_PREFIX) and "); SELECT " in rendered:
            # One round trip, as the server sent it: a compound command for pgbench.
            rendered = rendered.replace("); SELECT ", ") \\; SELECT ", 1)
        return rendered + self._capture(statement, n)

    def _mogrify(self, sql: str, params: Any, columns: list[str | None], request: int) -> str:
        if params is None:
            return sql
        swaps: dict[str, str] = {}

        def swap(value: Any, column: str | None) -> Any:
            if isinstance(value, _Sentinel):
                expression = value.expression
            else:
                expression = self._value(value, column, request)
            if expression is None:
                return value
            marker = f"__bench_{len(swaps)}__"
            swaps[marker] = expression
            return marker

        if isinstance(params, dict):
            bound: Any = {name: swap(value, None) for name, value in params.items()}
        else:
            bound = [
                swap(value, columns[index] if index < len(columns) else None)
                for index, value in enumerate(params)
            ]
        text = psycopg.ClientCursor(self.raw).mogrify(sql, bound)
        for marker, expression in swaps.items():
            text, found = re.subn(rf"'{marker}'(::[a-z]+)?", lambda _m, e=expression: e, text)
            if not found:
                raise ValueError(f"could not place {expression} in {text[:200]}")
        return text

    def _capture(self, statement: Statement, n: int) -> str:
        """`\\gset` the ids a statement creates and the chain rows it reads."""
        rows = statement.rows
        if not rows or len(rows) != 1:
            return ";"
        row = dict(zip(statement.columns, rows[0], strict=True))
        sql = statement.sql
        if " RETURNING " in sql and sql.lstrip().startswith(("INSERT", "SELECT set_config")):
            for column, value in row.items():
                if isinstance(value, int) and value >= ID_FLOOR:
                    self.ints[value] = f":r{n}_{column}"
            return f" \\gset r{n}_"
        if "chain_seq" in sql and "DESC" in sql and {"chain_seq", "row_sha256"} <= row.keys():
            self.chain = {
                "chain_seq": f"(:h{n}_chain_seq + 1)",
                "prev_sha256": f"':h{n}_row_sha256'",
            }
            return f" \\gset h{n}_"
        return ";"

    def script(self, recording: Recording, slots: int) -> Script:
        header = [
            f"\\set b_slot random(0, {slots - 1})",
            "\\set b_iter random(1, 9223372036854775806)",
            *(f"\\set b_lock{n} random(-2147483648, 2147483647)" for n in range(6)),
            "SELECT patient_id AS b_pid, user_id AS b_uid, token_id AS b_tid, digest AS b_digest "
            "FROM bench_replay WHERE client_id = :client_id AND slot = :b_slot \\gset",
        ]
        body: list[str] = []
        transactions = statements = 0
        for n, statement in enumerate(recording.statements):
            if statement.kind == "begin":
                body.append("BEGIN;")
                transactions += 1
            elif statement.kind in ("commit", "rollback"):
                body.append(f"{statement.kind.upper()};")
            else:
                body.append(self._render(statement, n))
                statements += 1
        return Script("\n".join(header + body) + "\n", transactions, statements, self.replaced)


@dataclass(frozen=True)
class _Sentinel:
    expression: str


def render(recording: Recording, identity: Identity, slots: int) -> Script:
    return _Renderer(identity).script(recording, slots)


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def fill_replay_table(rows: list[tuple[int, int, int, int, int, str]]) -> None:
    """(client, slot, patient, nurse, token, token digest) for the pgbench clients."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_replay")
        cursor.execute(
            "CREATE TABLE bench_replay (client_id int, slot int, patient_id bigint, "
            "user_id bigint, token_id bigint, digest text, PRIMARY KEY (client_id, slot))"
        )
        cursor.executemany("INSERT INTO bench_replay VALUES (%s, %s, %s, %s, %s, %s)", rows)


@dataclass
class Replay:
    sessions_per_second: float
    latency_ms: float
    failed: int
    output: str


def run_pgbench(
    script_path: Path, *, clients: int, seconds: int, socket_dir: str, log_path: Path
) -> Replay:
    import pgserver._commands as commands

    binary = Path(commands.POSTGRES_BIN_PATH) / "pgbench"
    command = [
        str(binary),
        "--no-vacuum",
        f"--client={clients}",
        "--jobs=2",
        f"--time={seconds}",
        f"--file={script_path}",
        f"--host={socket_dir}",
        "--username=postgres",
        "openhat",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    output = done.stdout + done.stderr
    log_path.write_text(output)
    tps = TPS.search(output)
    if done.returncode != 0 or tps is None:
        raise RuntimeError(f"pgbench failed ({done.returncode}); see {log_path}:\n{output[-2000:]}")
    latency = LATENCY.search(output)
    failed = FAILED.search(output)
    return Replay(
        float(tps.group(1)),
        float(latency.group(1)) if latency else float("nan"),
        int(failed.group(1)) if failed else 0,
        output,
    )
