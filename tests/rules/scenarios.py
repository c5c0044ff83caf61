"""Table-driven clinical scenarios: one row per clinical sentence, checked against decide().

Every expected number in the tables is worked out by hand from the preset files and docs/domain.md §5,
never copied from the engine's output.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from openhat.rules import Decision, Verdict, decide
from tests.rules.builders import context

UNCHECKED: Any = object()


@dataclass(frozen=True)
class Scenario:
    """A clinical sentence, the context it describes, and what the engine must answer.

    given: keyword arguments for builders.context().
    verdict: the expected verdict, or a tuple of acceptable verdicts where docs/domain.md is open.
    max_dose_mg / cap_mg: the expected Decision.max_dose_mg / Decision.cap_mg (None: unchecked).
    present / absent: rule ids that must / must not be among the findings.
    messages: rule id -> text (or texts) its message must contain.
    sources: rule id -> the source keys its finding must cite.
    finding_caps: rule id -> the cap_mg that finding must carry.
    overridden: rule ids whose findings must be recorded as overridden.
    treatment_day: the expected Decision.treatment_day (UNCHECKED by default).
    check: any further check on the decision.
    """

    name: str
    given: Mapping[str, Any]
    verdict: Verdict | tuple[Verdict, ...]
    max_dose_mg: str | None = None
    cap_mg: str | None = None
    present: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    messages: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)
    sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    finding_caps: Mapping[str, str] = field(default_factory=dict)
    overridden: tuple[str, ...] = ()
    treatment_day: Any = UNCHECKED
    check: Callable[[Decision], None] | None = None


def run(scenario: Scenario) -> Decision:
    decision = decide(context(**scenario.given))
    found = [item.rule_id for item in decision.findings]
    explain = "; ".join(
        f"{item.rule_id}[{item.severity.value}{', overridden' if item.overridden else ''}"
        f"{'' if item.cap_mg is None else ', cap ' + str(item.cap_mg)}]: {item.message}"
        for item in decision.findings
    )
    context_text = f"verdict {decision.verdict.value}, max {decision.max_dose_mg}: {explain}"
    expected = scenario.verdict if isinstance(scenario.verdict, tuple) else (scenario.verdict,)
    assert decision.verdict in expected, context_text
    if scenario.max_dose_mg is not None:
        assert decision.max_dose_mg == Decimal(scenario.max_dose_mg), context_text
    if scenario.cap_mg is not None:
        assert decision.cap_mg == Decimal(scenario.cap_mg), context_text
    if not decision.allows_dose:
        assert decision.max_dose_mg == 0, context_text
    for rule_id in scenario.present:
        assert rule_id in found, f"{rule_id} missing; {context_text}"
    for rule_id in scenario.absent:
        assert rule_id not in found, f"{rule_id} unexpected; {context_text}"
    for rule_id, texts in scenario.messages.items():
        finding = decision.finding(rule_id)
        assert finding is not None, f"{rule_id} missing; {context_text}"
        for text in (texts,) if isinstance(texts, str) else texts:
            assert text in finding.message, f"{text!r} not in {finding.message!r}"
    for rule_id, sources in scenario.sources.items():
        finding = decision.finding(rule_id)
        assert finding is not None, f"{rule_id} missing; {context_text}"
        assert finding.sources == sources, f"{rule_id} cites {finding.sources}"
    for rule_id, cap in scenario.finding_caps.items():
        finding = decision.finding(rule_id)
        assert finding is not None, f"{rule_id} missing; {context_text}"
        assert finding.cap_mg == Decimal(cap), f"{rule_id} caps at {finding.cap_mg}"
    for rule_id in scenario.overridden:
        finding = decision.finding(rule_id)
        assert finding is not None, f"{rule_id} missing; {context_text}"
        assert finding.overridden, f"{rule_id} not recorded as overridden; {context_text}"
    if scenario.treatment_day is not UNCHECKED:
        assert decision.treatment_day == scenario.treatment_day, context_text
    if scenario.check is not None:
        scenario.check(decision)
    return decision


def table(scenarios: Sequence[Scenario]) -> Any:
    """pytest.mark.parametrize over the scenarios, each test named by its clinical sentence."""
    names = [item.name for item in scenarios]
    duplicates = {name for name in names if names.count(name) > 1}
    assert not duplicates, f"scenario names must be unique: {duplicates}"
    return pytest.mark.parametrize("scenario", scenarios, ids=names)
