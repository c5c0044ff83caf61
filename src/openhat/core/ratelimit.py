"""Fixed-window counters kept in PostgreSQL, shared by every worker of every server.

One row per key (an API token, an address, a caller of witness checks): the start of its current
window and the count in it. Counting is one `INSERT ... ON CONFLICT DO UPDATE ... RETURNING`, so
two workers counting the same key at once are serialised by the row's lock and neither count is
lost, however many gunicorn workers or servers there are. An in-process counter would let each
worker allow the limit on its own.

A window is fixed (it starts at a multiple of its length since the epoch), so a client may spend
its limit at the end of one window and again at the start of the next: at most twice the limit in
any one window's length. Keys are few (tokens, addresses, staff) and a row is reused when its
window rolls over, so the table does not grow with the traffic.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection

from openhat.core import clock


@dataclass(frozen=True)
class Count:
    key: str
    count: int
    window_ends: datetime

    def retry_after_seconds(self) -> int:
        """Whole seconds until the window ends (at least 1), for a Retry-After header."""
        left = (self.window_ends - clock.now()).total_seconds()
        return max(1, math.ceil(left))


def window_start(now: datetime, seconds: int) -> datetime:
    epoch = math.floor(now.timestamp() / seconds) * seconds
    return datetime.fromtimestamp(epoch, tz=now.tzinfo)


_COUNT = """
INSERT INTO core_ratewindow (key, window_start, count) VALUES {rows}
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN core_ratewindow.window_start = EXCLUDED.window_start
                 THEN core_ratewindow.count + 1 ELSE 1 END,
    window_start = EXCLUDED.window_start
RETURNING key, count
"""


def count(keys: Iterable[str], seconds: int) -> dict[str, Count]:
    """Count one more event for each key in the current window; the counts after it.

    One statement for all the keys, each key its own parameter. Keys are sorted so that two
    statements counting the same keys lock their rows in the same order (the other order could
    deadlock).
    """
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    start = window_start(clock.now(), seconds)
    ends = start + timedelta(seconds=seconds)
    params: list[str | datetime] = []
    for key in wanted:
        params += [key, start]
    sql = _COUNT.format(rows=", ".join(["(%s, %s, 1)"] * len(wanted)))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {key: Count(key, number, ends) for key, number in rows}


def current(keys: Iterable[str], seconds: int) -> dict[str, Count]:
    """The counts of the current window, without counting (a key not seen in it counts 0)."""
    wanted = sorted(set(keys))
    start = window_start(clock.now(), seconds)
    ends = start + timedelta(seconds=seconds)
    found = {key: Count(key, 0, ends) for key in wanted}
    if not wanted:
        return found
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT key, count FROM core_ratewindow WHERE key = ANY(%s) AND window_start = %s",
            [wanted, start],
        )
        for key, number in cursor.fetchall():
            found[key] = Count(key, number, ends)
    return found
