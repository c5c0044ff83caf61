"""The demo loader's stock before a check-in (no database): the station refuses a check-in while the
dosing room holds no usable DAM solution, so the loader must find the solution usable at the
check-in itself, not only two minutes before it, where it reconstitutes."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from openhat.pharmacy.models import ProductKind
from openhat.simulate.demo_pharmacy import PharmacyHistory

ZURICH = ZoneInfo("Europe/Zurich")
EXPIRY = datetime(2026, 12, 6, 16, 5, tzinfo=ZURICH)


def _history_holding(in_use_expires_at: datetime) -> tuple[PharmacyHistory, list[datetime]]:
    history = PharmacyHistory.__new__(PharmacyHistory)
    solution = SimpleNamespace(kind=ProductKind.DAM_SOLUTION)
    batch = SimpleNamespace(pk=1, in_use_expires_at=in_use_expires_at, expires_on=date(2027, 6, 1))
    history.products = {"dam_solution": solution}  # type: ignore[dict-item]
    history.f = SimpleNamespace(dosing_room="room")  # type: ignore[assignment]
    history.stock = SimpleNamespace(at=lambda location, product: [(batch, Decimal("500"))])  # type: ignore[assignment]
    history.set_aside = set()
    history.zone = ZURICH
    history.last_moment = None
    reconstituted: list[datetime] = []
    history._reconstitute = reconstituted.append  # type: ignore[method-assign,assignment]
    return history, reconstituted


@pytest.mark.parametrize("seconds_after", [1, 10, 119])
def test_a_batch_that_runs_out_just_before_the_check_in_is_replaced_first(seconds_after):
    """Found by CI: loaded at about 16:10 in Zurich, a check-in at 16:05:07 came seven seconds
    after the open batch's in-use time ended; usable two minutes earlier, it was kept, and the
    station refused the check-in (no_usable_stock), failing the whole load."""
    check_in = EXPIRY + timedelta(seconds=seconds_after)
    history, reconstituted = _history_holding(EXPIRY)
    history.stock_for_check_in("dam_solution", check_in)
    assert reconstituted == [check_in - timedelta(minutes=2)]


def test_a_batch_still_usable_at_the_check_in_is_kept():
    history, reconstituted = _history_holding(EXPIRY)
    history.stock_for_check_in("dam_solution", EXPIRY - timedelta(seconds=1))
    assert reconstituted == []
