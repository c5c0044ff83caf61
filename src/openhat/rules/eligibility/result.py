"""What an assessment returns: each criterion's result, the verdict, and any physician exception."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from openhat.rules.eligibility.preset import SourcedValue
from openhat.rules.eligibility.vocabulary import CriterionKind, CriterionStatus, EligibilityVerdict
from openhat.rules.errors import ContextError


@dataclass(frozen=True)
class PhysicianException:
    """The physician's decision to treat despite the criteria, always with a written reason."""

    reason: str
    physician: str  # the physician's staff identifier, as recorded by the caller

    def __post_init__(self) -> None:
        for name in ("reason", "physician"):
            text = getattr(self, name)
            if not isinstance(text, str) or not text.strip():
                raise ContextError(f"exception.{name}", "an exception needs a written " + name)
            object.__setattr__(self, name, text.strip())


@dataclass(frozen=True)
class CriterionResult:
    criterion_id: str
    label: str
    kind: CriterionKind
    status: CriterionStatus
    evidence: str
    value: Decimal | None
    unit: str | None
    sources: tuple[str, ...]
    local_reasons: tuple[str, ...]
    parameters: Mapping[str, SourcedValue]

    def as_dict(self) -> dict[str, Any]:
        return {
            "criterion_id": self.criterion_id,
            "label": self.label,
            "kind": str(self.kind),
            "status": str(self.status),
            "evidence": self.evidence,
            "value": None if self.value is None else str(self.value),
            "unit": self.unit,
            "sources": list(self.sources),
            "local_reasons": list(self.local_reasons),
            "parameters": {name: item.as_dict() for name, item in self.parameters.items()},
        }


@dataclass(frozen=True)
class EligibilityResult:
    preset_key: str
    preset_version: str
    assessed_on: date
    verdict: EligibilityVerdict
    verdict_by_criteria: EligibilityVerdict  # what the criteria alone say, before any exception
    criteria: tuple[CriterionResult, ...]
    exceptions_allowed: bool
    exception: PhysicianException | None = None
    exception_applied: bool = False  # the exception changed the verdict
    exception_outside_preset: bool = False  # recorded although the preset provides for none

    def as_dict(self) -> dict[str, Any]:
        return {
            "preset_key": self.preset_key,
            "preset_version": self.preset_version,
            "assessed_on": self.assessed_on.isoformat(),
            "verdict": str(self.verdict),
            "verdict_by_criteria": str(self.verdict_by_criteria),
            "criteria": [item.as_dict() for item in self.criteria],
            "exceptions_allowed": self.exceptions_allowed,
            "exception": None
            if self.exception is None
            else {"reason": self.exception.reason, "physician": self.exception.physician},
            "exception_applied": self.exception_applied,
            "exception_outside_preset": self.exception_outside_preset,
        }
