"""Adverse events the dosing station recorded, as the engine reads them at the next session.

Kept apart from context.py (which re-exports these names) so that file stays small; like the
other context classes, a note validates itself once, when it is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TypeVar

from openhat.rules.errors import ContextError
from openhat.rules.units import require_aware


class AdverseEventKind(StrEnum):
    OVERDOSE = "overdose"  # overdose or respiratory depression
    SEIZURE = "seizure"
    ALLERGIC_REACTION = "allergic_reaction"
    INJECTION_SITE = "injection_site"
    OTHER = "other"


class AdverseEventSeverity(StrEnum):
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"
    LIFE_THREATENING = "life_threatening"


# What makes an event serious: a physician sees it before the next dose. Categories named in the
# issue, not numbers, so they live here rather than in a preset.
SERIOUS_KINDS = frozenset(
    {AdverseEventKind.OVERDOSE, AdverseEventKind.SEIZURE, AdverseEventKind.ALLERGIC_REACTION}
)
SERIOUS_SEVERITIES = frozenset({AdverseEventSeverity.SEVERE, AdverseEventSeverity.LIFE_THREATENING})

KIND_TEXT: dict[AdverseEventKind, str] = {
    AdverseEventKind.OVERDOSE: "overdose or respiratory depression",
    AdverseEventKind.SEIZURE: "seizure",
    AdverseEventKind.ALLERGIC_REACTION: "allergic reaction",
    AdverseEventKind.INJECTION_SITE: "injection-site problem",
    AdverseEventKind.OTHER: "other adverse event",
}


E = TypeVar("E", AdverseEventKind, AdverseEventSeverity)


def _enum(kind: type[E], value: object, field: str, what: str) -> E:
    try:
        return kind(value)  # type: ignore[arg-type]  # validated by the enum itself
    except ValueError:
        known = ", ".join(kind)
        raise ContextError(field, f"unknown {what} {value!r}; known: {known}") from None


@dataclass(frozen=True, slots=True)
class AdverseEventNote:
    """One adverse event: when, what, how bad, whether naloxone was given and a physician signed off."""

    at: datetime
    kind: AdverseEventKind
    severity: AdverseEventSeverity
    naloxone_given: bool = False
    physician_signed_off: bool = False

    def __post_init__(self) -> None:
        # Kept in UTC like every instant of the context (see context.Order).
        at = require_aware(self.at, "adverse_events.at").astimezone(UTC)
        object.__setattr__(self, "at", at)
        kind = _enum(AdverseEventKind, self.kind, "adverse_events.kind", "adverse event kind")
        object.__setattr__(self, "kind", kind)
        severity = _enum(AdverseEventSeverity, self.severity, "adverse_events.severity", "severity")
        object.__setattr__(self, "severity", severity)
        for name in ("naloxone_given", "physician_signed_off"):
            if not isinstance(getattr(self, name), bool):
                raise ContextError(f"adverse_events.{name}", "must be true or false")

    @property
    def serious(self) -> bool:
        """Overdose, seizure or allergic reaction; or severe or worse; or naloxone was given."""
        return (
            self.kind in SERIOUS_KINDS or self.severity in SERIOUS_SEVERITIES or self.naloxone_given
        )
