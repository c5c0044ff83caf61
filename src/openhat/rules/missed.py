"""Where the patient stands in treatment: the last dosing day, missed days, the (re)start."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import date, timedelta
from typing import NamedTuple

from openhat.rules.context import NO_DOSES, Administration, DaySums, DosingHistory
from openhat.rules.day import missed_days_between


class Episode(NamedTuple):
    first_ever: bool  # no earlier HAT dose at all
    last_dosing_day: date | None  # the last day before today with a HAT dose
    missed_days: int  # whole days without a dose between that day and today
    restarting: bool  # the break is long enough to titrate again as on day 1
    started_on: date | None  # start of the current episode; None if before the look-back window
    previous_day: tuple[Administration, ...]  # HAT doses of the last dosing day
    previous_sums: DaySums  # their count, totals and largest doses per drug

    @property
    def titration_day(self) -> bool:
        return self.first_ever or self.restarting


def last_hat_index_before(history: DosingHistory, end: int) -> int | None:
    """The index of the last HAT dose among administrations[:end], if any."""
    position = bisect_left(history.hat_indices, end) - 1
    return history.hat_indices[position] if position >= 0 else None


def find_episode(
    history: DosingHistory, today: date, retitrate_after_days: int, look_back_days: int
) -> Episode:
    """Only the breaks are visited, so a year of history costs no more than a week."""
    position = bisect_left(history.hat_days, today) - 1
    if position < 0:
        return Episode(True, None, 0, False, today, (), NO_DOSES)
    last_day = history.hat_days[position]
    missed = missed_days_between(last_day, today)
    if missed >= retitrate_after_days:
        started_on: date | None = today
        restarting = True
    else:
        restarting = False
        started_on = _episode_start(
            history, position, retitrate_after_days, today - timedelta(days=look_back_days)
        )
    return Episode(
        False,
        last_day,
        missed,
        restarting,
        started_on,
        history.hat_day_doses[position],
        history.hat_day_sums[position],
    )


def _episode_start(
    history: DosingHistory, position: int, retitrate_after_days: int, horizon: date
) -> date | None:
    """The first dosing day after the most recent long break up to hat_days[position].

    None when that day lies before the horizon: nothing before the horizon decides anything, so a
    decision replayed from a snapshot that keeps only the look-back window comes out the same.
    """
    breaks = history.hat_breaks
    index = bisect_right(breaks, (position, float("inf"))) - 1
    start_position = 0
    while index >= 0:
        break_position, missed = breaks[index]
        if history.hat_days[break_position] < horizon:
            return None
        if missed >= retitrate_after_days:
            start_position = break_position
            break
        index -= 1
    started_on = history.hat_days[start_position]
    return None if started_on < horizon else started_on
