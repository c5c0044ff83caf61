"""Where the patient stands in treatment: the last dosing day, missed days, the (re)start."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from openhat.rules.context import HAT_DRUGS, Administration, DosingHistory
from openhat.rules.day import missed_days_between


@dataclass(frozen=True, slots=True)
class Episode:
    first_ever: bool  # no earlier HAT dose at all
    last_dosing_day: date | None  # the last day before today with a HAT dose
    missed_days: int  # whole days without a dose between that day and today
    restarting: bool  # the break is long enough to titrate again as on day 1
    started_on: date | None  # start of the current episode; None if before the look-back window
    previous_day: tuple[Administration, ...]  # HAT doses of the last dosing day

    @property
    def titration_day(self) -> bool:
        return self.first_ever or self.restarting


def last_hat_index_before(history: DosingHistory, end: int) -> int | None:
    items = history.administrations
    index = end - 1
    while index >= 0:
        if items[index].drug in HAT_DRUGS:
            return index
        index -= 1
    return None


def find_episode(
    history: DosingHistory, today: date, retitrate_after_days: int, look_back_days: int
) -> Episode:
    """Only the last `look_back_days` are walked, so a year of history costs no more than a month."""
    today_start = history.first_index_on_or_after(today)
    last_index = last_hat_index_before(history, today_start)
    if last_index is None:
        return Episode(True, None, 0, False, today, ())
    days = history.local_days
    items = history.administrations
    last_day = days[last_index]
    missed = missed_days_between(last_day, today)
    if missed >= retitrate_after_days:
        started_on: date | None = today
        restarting = True
    else:
        restarting = False
        started_on = _episode_start(
            history, last_index, retitrate_after_days, today - timedelta(days=look_back_days)
        )
    first_of_last_day = history.first_index_on_or_after(last_day)
    previous_day = tuple(
        item for item in items[first_of_last_day:today_start] if item.drug in HAT_DRUGS
    )
    return Episode(False, last_day, missed, restarting, started_on, previous_day)


def _episode_start(
    history: DosingHistory, index: int, retitrate_after_days: int, horizon: date
) -> date | None:
    """The first day after the most recent long break, or None if that lies before the horizon."""
    days = history.local_days
    current = days[index]
    while True:
        # The horizon is checked first: nothing before it is read, so a decision replayed from a
        # snapshot that keeps only the look-back window comes out the same.
        if current < horizon:
            return None
        earlier = last_hat_index_before(history, history.first_index_on_or_after(current))
        if earlier is None:
            return current  # the very first dosing day
        if missed_days_between(days[earlier], current) >= retitrate_after_days:
            return current
        current = days[earlier]
