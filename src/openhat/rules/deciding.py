"""The base of a decision in the making: its inputs, its findings, and the shared caps.

decide.py runs the rules; titration.py holds the supervised HAT rules, assessment.py the
oral orders and the pre-dose assessment. They are mixins over this one builder.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from functools import lru_cache

from openhat.rules.context import (
    HAT_DRUGS,
    Drug,
    Order,
    SessionContext,
)
from openhat.rules.outcome import (
    Finding,
    Severity,
    Verdict,
)
from openhat.rules.protocol import Protocol

ZERO = Decimal(0)
ONE = Decimal(1)
TENTH = Decimal("0.1")
NOT_AGONISTS = frozenset({Drug.NALTREXONE_XR})
# Enum attribute access is slow on Python 3.11; decide() runs tens of thousands of times a second.
BLOCK, NOT_DUE, HOLD, REVIEW = Severity.BLOCK, Severity.NOT_DUE, Severity.HOLD, Severity.REVIEW
CAP, REDUCE, ADVISORY, INFO = Severity.CAP, Severity.REDUCE, Severity.ADVISORY, Severity.INFO
VERDICT_DOSE, VERDICT_DOSE_REDUCED, VERDICT_HOLD = Verdict.DOSE, Verdict.DOSE_REDUCED, Verdict.HOLD
DOSE_VERDICTS = frozenset({Verdict.DOSE, Verdict.DOSE_REDUCED})
NO_OVERRIDES: frozenset[str] = frozenset()
# Reduction findings and the preset area whose shares they apply.
REDUCTION_AREAS = {"sedation_reduce": "sedation", "breath_alcohol_reduce": "alcohol"}


@lru_cache(maxsize=4096)
def mg_text(amount: Decimal) -> str:
    """'225 mg', '112.5 mg': fixed-point (never '1E+3'), trailing zeros dropped."""
    text = format(amount, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + " mg"


def floor_tenth(amount: Decimal) -> Decimal:
    return amount.quantize(TENTH, ROUND_FLOOR)  # positional: keyword parsing costs here


class DecisionBuilder:
    """Collects findings and caps for one decision."""

    __slots__ = (
        "context",
        "findings",
        "lifted",
        "now",
        "numbers",
        "protocol",
        "request",
        "today",
        "treatment_day",
    )

    def __init__(self, context: SessionContext) -> None:
        self.context = context
        self.protocol: Protocol = context.protocol
        self.numbers = context.protocol.numbers
        self.request = context.request
        self.now: datetime = context.now
        # `now` was checked to be aware when the context was built.
        self.today = context.now.astimezone(context.zone).date()
        self.findings: list[Finding] = []
        self.lifted: frozenset[str] = (
            frozenset().union(*(item.rule_ids for item in context.overrides))
            if context.overrides
            else NO_OVERRIDES
        )
        self.treatment_day: int | None = None

    # --- findings ----------------------------------------------------------------------------

    def add(
        self,
        rule_id: str,
        severity: Severity,
        message: str,
        *,
        key: str | None = None,
        cap_mg: Decimal | None = None,
        overridable: bool = True,
        also: tuple[str, ...] = (),
    ) -> Finding:
        overridden = overridable and rule_id in self.lifted
        if key is None:
            finding = Finding(
                rule_id,
                severity,
                message,
                None,
                None,
                "",
                (),
                cap_mg,
                overridable,
                overridden,
                None,
            )
        else:
            value = self.protocol.values[key]
            loosened = self._loosened_text((key, *also)) if self.protocol.loosened_keys else None
            finding = Finding(
                rule_id,
                severity,
                message,
                key,
                value.value,
                value.unit,
                value.sources,
                cap_mg,
                overridable,
                overridden,
                loosened,
            )
        self.findings.append(finding)
        return finding

    def _loosened_text(self, keys: tuple[str, ...]) -> str | None:
        """Every loosened value among `keys`, said in words; None if none was loosened.

        Callers skip it when the protocol has no loosened value at all (the common case)."""
        texts = []
        for key in keys:
            value = self.protocol.values[key]
            loosening = value.loosening
            if loosening is not None:
                texts.append(
                    f"{key} loosened by the clinic from {loosening.previous} to {value.value} "
                    f"{value.unit}: {loosening.reason} (approved by {loosening.approved_by})"
                )
        return "; ".join(texts) if texts else None

    # --- caps every order has ---------------------------------------------------------------

    def _daily_total(self, order: Order, given_today: Decimal, counted: str = "") -> None:
        """The daily maximum: the order's or the protocol's, whichever is lower, and the finding
        says which one binds (and cites the preset only when the preset binds)."""
        drug = self.request.drug
        name = drug.upper() if drug in HAT_DRUGS else drug
        key = f"{drug}.daily_max_mg" if drug in HAT_DRUGS else None
        protocol_max = self.numbers[key] if key is not None else None
        if protocol_max is not None and protocol_max <= order.daily_max_mg:
            limit = protocol_max
            bound = f"the protocol's daily maximum of {mg_text(limit)} {name}"
            if order.daily_max_mg > limit:
                bound += f" (the order's is {mg_text(order.daily_max_mg)})"
        else:
            limit = order.daily_max_mg
            key = None  # the order binds: the preset value is not the limit in force
            bound = f"the order's daily maximum of {mg_text(limit)} {name}"
            if protocol_max is not None:
                bound += f" (below the protocol's {mg_text(protocol_max)})"
        given_text = f" {counted}." if counted else ""
        remaining = limit - given_today
        if remaining <= 0:
            self.add(
                "daily_max",
                NOT_DUE,
                f"Today's {name} total of {mg_text(given_today)} has reached {bound}.{given_text}",
                key=key,
                overridable=False,
            )
            return
        self.add(
            "daily_max",
            CAP,
            f"No {name} given yet today; {bound} applies.{given_text}"
            if given_today == 0
            else f"{mg_text(given_today)} {name} counted today against {bound}: at most "
            f"{mg_text(remaining)} more.{given_text}",
            key=key,
            cap_mg=remaining,
            overridable=False,
        )

    def _order_cap(self, order: Order) -> None:
        if order.dose_min_mg == order.dose_max_mg:
            text = f"The order is {mg_text(order.dose_max_mg)} per session."
        else:
            text = f"The order allows {mg_text(order.dose_min_mg)} to {mg_text(order.dose_max_mg)} per session."
        self.add("order_dose", CAP, text, cap_mg=order.dose_max_mg, overridable=False)
