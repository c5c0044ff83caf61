"""The format of the role x route matrix (tests/test_role_matrix.py reads every case here).

Each route of the app, page or API, has exactly one RouteCase per HTTP method it answers. A route
that exists but has no case makes the matrix test fail, so new routes cannot skip the matrix.

Path placeholders, filled by the matrix test:
  {code}        a patient of clinic ZRH (the personas' clinic)
  {other_code}  a patient of clinic OUT (the outsider's clinic)
  {clinic}      ZRH
  pharmacy      {product_id}, {vial_lot_id}, {entry_id}, {count_id}, {witness} ... are listed in
                tests/pharmacy/world.py
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ALL_ROLES = frozenset(
    {
        "physician",
        "nurse",
        "pharmacist",
        "pharmacy_technician",
        "counsellor",
        "manager",
        "auditor",
        "researcher",
    }
)


@dataclass(frozen=True)
class RouteCase:
    route: str  # URL name ("patients:chart") or API operation ("api:GET /api/patients/{code}")
    method: str  # "GET", "POST", ...
    path: str  # with the placeholders above
    allowed: frozenset[str]  # roles of clinic ZRH that succeed
    ok_status: frozenset[int] = frozenset({200})
    denied_status: frozenset[int] = frozenset({403})  # ZRH roles outside `allowed`
    # What the outsider (manager of clinic OUT) gets for this ZRH path: 404 for a ZRH record,
    # or the ok status for a route that only lists the caller's own clinic's data.
    outsider_status: frozenset[int] = frozenset({404})
    data: dict[str, Any] = field(default_factory=dict)  # form fields or JSON body for writes
    json: bool = False  # send `data` as JSON
    # Text that must never appear in the outsider's response (e.g. the ZRH patient's code).
    outsider_must_not_see: tuple[str, ...] = ("{code}",)
