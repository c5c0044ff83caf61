"""The dosing day is the clinic's local calendar day, whatever the UTC offset that day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from openhat.rules.errors import ContextError
from openhat.rules.units import require_aware


def clinic_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ContextError(
            "time_zone", f"{name!r} is not a known time zone (e.g. Europe/Zurich)"
        ) from None


def dosing_day(moment: datetime, zone: ZoneInfo) -> date:
    return require_aware(moment, "moment").astimezone(zone).date()


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a local day in UTC; 23 or 25 hours long on daylight-saving days."""
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def missed_days_between(last_dosing_day: date, today: date) -> int:
    """Whole calendar days without a dose between the last dosing day and today."""
    return max((today - last_dosing_day).days - 1, 0)
