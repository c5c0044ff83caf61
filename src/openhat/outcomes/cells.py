"""How each number of the outcomes report is written, and hidden for an aggregated reader.

Managers, physicians and auditors see every figure. A researcher sees the same report aggregated
(docs/domain.md §7 invariant 8): a count from 1 to minimum - 1 is written "<minimum", and every
estimate built on such a count is suppressed too (a mean or a share of fewer than `minimum`
people, a share or survival with fewer than `minimum` events or non-events, a rate over fewer
than `minimum` events), so that no figure points at a person. The minimum is
settings.OPENHAT_SMALL_CELL_MINIMUM (outcomes.suppression says why).
"""

from __future__ import annotations

from dataclasses import dataclass

from openhat.outcomes.stats import Estimate, Rate

SUPPRESSED = "suppressed"
NONE = "-"


@dataclass(frozen=True)
class Cells:
    aggregated: bool
    minimum: int

    def _small(self, count: int) -> bool:
        return self.aggregated and 0 < count < self.minimum

    def count(self, value: int) -> str:
        return f"<{self.minimum}" if self._small(value) else f"{value:,}"

    def _hidden_share(self, estimate: Estimate) -> bool:
        if estimate.value is None:
            return False
        successes = round(estimate.value * estimate.n)
        return (
            self._small(estimate.n) or self._small(successes) or self._small(estimate.n - successes)
        )

    def share(self, estimate: Estimate) -> tuple[str, str, str]:
        """(value, 95% CI, n) of a share, in per cent."""
        if estimate.value is None:
            return NONE, NONE, self.count(estimate.n)
        if self._hidden_share(estimate):
            return SUPPRESSED, "", self.count(estimate.n)
        return f"{estimate.value:.1%}", _interval(estimate, percent=True), self.count(estimate.n)

    def survival(self, estimate: Estimate, events: int, n: int) -> tuple[str, str, str]:
        """(value, 95% CI, at risk) of a Kaplan-Meier estimate of a group with `events` of `n`."""
        if estimate.value is None:
            return "not reached", NONE, self.count(estimate.n)
        if self._small(n) or self._small(events) or self._small(n - events):
            return SUPPRESSED, "", self.count(estimate.n)
        return f"{estimate.value:.1%}", _interval(estimate, percent=True), self.count(estimate.n)

    def mean(self, estimate: Estimate | None, digits: int = 1) -> tuple[str, str, str]:
        if estimate is None or estimate.value is None:
            return NONE, NONE, self.count(0 if estimate is None else estimate.n)
        if self._small(estimate.n):
            return SUPPRESSED, "", self.count(estimate.n)
        return (
            f"{estimate.value:,.{digits}f}",
            _interval(estimate, digits=digits),
            self.count(estimate.n),
        )

    def rate(self, rate: Rate, digits: int = 2) -> tuple[str, str]:
        """(value, 95% CI) of a rate; hidden when its event count is."""
        if rate.value is None:
            return NONE, NONE
        if self._small(rate.events):
            return SUPPRESSED, ""
        return (
            f"{rate.value:,.{digits}f}",
            f"{rate.low:,.{digits}f} to {rate.high:,.{digits}f}",
        )

    def days(
        self, value: float | None, low: float | None, high: float | None, n: int, events: int
    ) -> tuple[str, str]:
        if value is None:
            return "not reached", NONE
        if self._small(n) or self._small(events):
            return SUPPRESSED, ""
        low_text = NONE if low is None else f"{low:,.0f}"
        high_text = "not reached" if high is None else f"{high:,.0f}"
        return f"{value:,.0f} days", f"{low_text} to {high_text}"


def _interval(estimate: Estimate, *, percent: bool = False, digits: int = 1) -> str:
    if estimate.low is None or estimate.high is None:
        return NONE
    if percent:
        return f"{estimate.low:.1%} to {estimate.high:.1%}"
    return f"{estimate.low:,.{digits}f} to {estimate.high:,.{digits}f}"
