"""What a decision says: a verdict, the largest dose allowed now, and findings with their reasons."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from openhat.rules.context import SessionContext

ENGINE_VERSION = "1.2.0"


class Verdict(StrEnum):
    DOSE = "dose"
    DOSE_REDUCED = "dose_reduced"
    HOLD = "hold"
    NOT_DUE = "not_due"
    NO_VALID_ORDER = "no_valid_order"
    PHYSICIAN_REVIEW = "physician_review"


class Severity(StrEnum):
    INFO = "info"  # for the record
    ADVISORY = "advisory"  # the nurse should know; does not limit the dose
    CAP = "cap"  # limits the dose; giving less than asked is not a "reduction"
    REDUCE = "reduce"  # a clinical reduction: the verdict is dose_reduced
    REVIEW = "review"  # a physician must review before dosing
    HOLD = "hold"  # no dose now
    NOT_DUE = "not_due"  # no dose yet: a limit of count, time or sign-off
    BLOCK = "block"  # no valid order: nothing can lift it


# Which verdict each blocking severity produces, strongest first.
BLOCKING_ORDER: tuple[tuple[Severity, Verdict], ...] = (
    (Severity.BLOCK, Verdict.NO_VALID_ORDER),
    (Severity.NOT_DUE, Verdict.NOT_DUE),
    (Severity.HOLD, Verdict.HOLD),
    (Severity.REVIEW, Verdict.PHYSICIAN_REVIEW),
)


class Finding(NamedTuple):
    """One reason behind a decision. A NamedTuple: as immutable as a frozen dataclass, and
    several times cheaper to build, which matters at tens of thousands of decisions a second."""

    rule_id: str
    severity: Severity
    message: str
    preset_key: str | None = None
    preset_value: Decimal | None = None
    unit: str = ""
    sources: tuple[str, ...] = ()
    cap_mg: Decimal | None = None
    overridable: bool = True
    overridden: bool = False
    loosened: str | None = None  # set when the preset value was loosened by the clinic

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "severity": self.severity.value,
            "message": self.message,
            "preset_key": self.preset_key,
            "preset_value": None if self.preset_value is None else str(self.preset_value),
            "unit": self.unit,
            "sources": list(self.sources),
            "cap_mg": None if self.cap_mg is None else str(self.cap_mg),
            "overridable": self.overridable,
            "overridden": self.overridden,
            "loosened": self.loosened,
        }


class Decision(NamedTuple):
    """The outcome of decide(). A NamedTuple for the same reason as Finding."""

    verdict: Verdict
    max_dose_mg: Decimal  # the largest dose allowed now (0 unless the verdict is a dose)
    cap_mg: Decimal  # the dose limit from every cap, whatever the verdict
    observation_minutes: int
    findings: tuple[Finding, ...]
    dosing_day: date
    treatment_day: (
        int | None
    )  # day N since the (re)start, None if more than the vigilance window ago
    preset_key: str
    preset_hash: str
    # Every clinic-loosened preset value this decision used, in words (empty when none).
    loosened: tuple[str, ...] = ()
    engine_version: str = ENGINE_VERSION
    context: SessionContext | None = None  # the inputs, for snapshot(); not part of as_dict()

    @property
    def allows_dose(self) -> bool:
        return self.verdict in (Verdict.DOSE, Verdict.DOSE_REDUCED)

    def finding(self, rule_id: str) -> Finding | None:
        return next((item for item in self.findings if item.rule_id == rule_id), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "max_dose_mg": str(self.max_dose_mg),
            "cap_mg": str(self.cap_mg),
            "observation_minutes": self.observation_minutes,
            "findings": [item.as_dict() for item in self.findings],
            "dosing_day": self.dosing_day.isoformat(),
            "treatment_day": self.treatment_day,
            "preset_key": self.preset_key,
            "preset_hash": self.preset_hash,
            "loosened": list(self.loosened),
            "engine_version": self.engine_version,
        }

    def snapshot(self) -> dict[str, Any]:
        """The inputs, JSON-serialisable, so the decision can be replayed later."""
        from openhat.rules.snapshot import context_to_data

        if self.context is None:
            raise ValueError("this decision was rebuilt without its context")
        return context_to_data(self.context)
