"""The one chain walk: every verifier (audit trail, ledger, dosing records) follows its chains here.

Rows come in (chain_key, chain_seq) order from one query. For each row the walk checks that no
position is missing, that it points at the hash of the row before, that its content still gives
its keyed hash under the key its id names, and that it agrees with every signed checkpoint that
recorded its position. At the end, `finish` reports each chain that ends before a checkpoint's
position (its newest rows deleted, or the table truncated). A chain stops at its first break.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openhat.audit.chain import GENESIS_HASH, keyed_hash
from openhat.audit.checkpoints import Anchors
from openhat.audit.keys import KeyRing


@dataclass(frozen=True)
class ChainBreak:
    table: str
    row_id: int | None
    chain_key: int
    chain_seq: int | None
    problem: str


class ChainWalk:
    def __init__(self, table: str, keys: KeyRing, anchors: Anchors) -> None:
        self.table = table
        self.keys = keys
        self.anchors = anchors.of_table(table)
        self.broken: set[int] = set()
        self.ends: dict[int, int] = {}
        self._chain: int | None = None
        self._previous = GENESIS_HASH
        self._expected = 1

    def is_broken(self, chain_key: int) -> bool:
        return chain_key in self.broken

    def _problem(self, row: Any) -> str | None:
        if row.chain_seq != self._expected:
            return (
                f"position {self._expected} is missing (the next row found is at "
                f"{row.chain_seq}; a row was deleted)"
            )
        if row.prev_sha256 != self._previous:
            return "its previous-hash does not match the hash of the row before it"
        key = self.keys.key(row.key_id)
        if key is None:
            return (
                f"it was sealed with key id {row.key_id or '(none)'}, which is not configured "
                "(a retired key belongs in OPENHAT_CHAIN_RETIRED_KEYS)"
            )
        if keyed_hash(key, row.prev_sha256, row.hash_content()) != row.row_sha256:
            return "its content does not match its keyed hash (the row was altered or re-hashed)"
        anchored = self.anchors.get(row.chain_key, {}).get(row.chain_seq)
        if anchored is not None and anchored[0] != row.row_sha256:
            return (
                f"its hash differs from the one signed in checkpoint {anchored[1]} "
                "(the chain was rewritten)"
            )
        return None

    def check(self, row: Any) -> ChainBreak | None:
        """None when the row fits; its break otherwise. Skip rows of chains already broken."""
        if row.chain_key != self._chain:
            self._chain, self._previous, self._expected = row.chain_key, GENESIS_HASH, 1
        problem = self._problem(row)
        if problem is not None:
            self.broken.add(row.chain_key)
            return ChainBreak(self.table, row.pk, row.chain_key, row.chain_seq, problem)
        self._previous = row.row_sha256
        self._expected += 1
        self.ends[row.chain_key] = row.chain_seq
        return None

    def finish(self) -> list[ChainBreak]:
        """The chains that end before a signed checkpoint's position."""
        breaks = []
        for chain_key, positions in sorted(self.anchors.items()):
            if chain_key in self.broken or not positions:
                continue
            position = max(positions)
            end = self.ends.get(chain_key, 0)
            if end < position:
                where = f"ends at position {end}" if end else "has no rows"
                breaks.append(
                    ChainBreak(
                        self.table,
                        None,
                        chain_key,
                        end + 1,
                        f"the chain {where} but checkpoint {positions[position][1]} signed "
                        f"position {position}: rows were deleted from its end or the table "
                        "was emptied",
                    )
                )
                self.broken.add(chain_key)
        return breaks


def walk_rows(
    rows: Any, walk: ChainWalk, on_row: Any = None, *, stop_at_first: bool = False
) -> tuple[int, list[ChainBreak]]:
    """Check every row; return (rows checked, breaks). Rows of a broken chain are not counted;
    with `stop_at_first` the walk ends at the table's first break."""
    checked = 0
    breaks: list[ChainBreak] = []
    for row in rows:
        if on_row is not None:
            on_row()
        if walk.is_broken(row.chain_key):
            continue
        checked += 1
        broken = walk.check(row)
        if broken is not None:
            breaks.append(broken)
            if stop_at_first:
                return checked, breaks
    breaks.extend(walk.finish())
    return checked, breaks
