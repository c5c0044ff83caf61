"""`field__any_of=[...]`: one array parameter instead of an IN list of one parameter per value.

`patient_id__in=ids` sends `IN (%s, %s, ...)`, a new and (for a 150-patient board) long query text
for every list length, which psycopg parses again each time rather than from its cache.
`patient_id__any_of=ids` sends `= ANY(%s)` with the list as one array: the same short text
whatever the list, and the same index use.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Field, ForeignObject, Lookup


class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    # The stubs type a lookup's value as one str or int; this lookup's value is a list of them.
    def get_db_prep_lookup(  # type: ignore[override]
        self, value: Iterable[Any], connection: Any
    ) -> tuple[str, list[Any]]:
        return "%s", [list(value)]

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


def register() -> None:
    # Foreign keys keep lookups of their own (they do not inherit Field's): registered on both.
    Field.register_lookup(AnyOf)
    ForeignObject.register_lookup(AnyOf)
