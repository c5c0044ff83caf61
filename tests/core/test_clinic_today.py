"""The clinic's today: one helper, in the clinic's own time zone, on the services' clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from openhat.core import clock
from openhat.core.clock import clinic_today


@dataclass(frozen=True)
class Place:
    zone: ZoneInfo


ZURICH = Place(ZoneInfo("Europe/Zurich"))
VANCOUVER = Place(ZoneInfo("America/Vancouver"))


@pytest.mark.parametrize(
    ("place", "moment", "expected"),
    [
        # 23:30 UTC on 31 Dec is already New Year's Day in Zurich, still 31 Dec in Vancouver.
        (ZURICH, datetime(2025, 12, 31, 23, 30, tzinfo=UTC), date(2026, 1, 1)),
        (VANCOUVER, datetime(2025, 12, 31, 23, 30, tzinfo=UTC), date(2025, 12, 31)),
        # 07:30 UTC is 23:30 the evening before in Vancouver.
        (VANCOUVER, datetime(2026, 3, 1, 7, 30, tzinfo=UTC), date(2026, 2, 28)),
        (ZURICH, datetime(2026, 3, 1, 7, 30, tzinfo=UTC), date(2026, 3, 1)),
    ],
)
def test_the_clinics_today_is_the_date_in_its_own_time_zone(
    place: Place, moment: datetime, expected: date
) -> None:
    assert clinic_today(place, moment) == expected


def test_the_clinics_today_follows_the_services_clock() -> None:
    """The demo loader backdates the clock; every "today" must move with it, not only some."""
    with clock.backdated(datetime(2024, 2, 29, 12, 0, tzinfo=UTC)):
        assert clinic_today(ZURICH) == date(2024, 2, 29)


def test_every_app_takes_today_from_the_one_helper() -> None:
    from openhat.patients import services as patient_services
    from openhat.pharmacy import reports
    from openhat.pharmacy.views import common

    assert patient_services.clinic_today is clinic_today
    assert reports.clinic_today is clinic_today
    assert common.clinic_today is clinic_today
