"""The dosing-safety rules engine: pure Python, no Django, no app imports (see .importlinter).

    protocol = load_protocol("ch-diaphin")
    decision = decide(SessionContext(protocol, orders, history, assessment, request, now))

Every number comes from a preset that cites its source; every decision explains itself and can be
replayed from its snapshot.
"""

from openhat.rules.context import (
    Administration,
    AdverseEventKind,
    AdverseEventNote,
    AdverseEventSeverity,
    Assessment,
    DoseRequest,
    DosingHistory,
    Drug,
    EarlierReading,
    Order,
    Override,
    Phase,
    Route,
    SessionContext,
    SessionWindow,
)
from openhat.rules.decide import decide
from openhat.rules.eligibility import (
    EligibilityFacts,
    EligibilityResult,
    EligibilityVerdict,
    PhysicianException,
    PriorTreatment,
    assess_eligibility,
    load_eligibility_preset,
)
from openhat.rules.errors import AdjustmentError, ContextError, PresetError, RulesError, UnitError
from openhat.rules.outcome import ENGINE_VERSION, Decision, Finding, Severity, Verdict
from openhat.rules.protocol import Protocol, load_protocol, loosen, tighten
from openhat.rules.snapshot import replay, replay_differences

__all__ = [
    "ENGINE_VERSION",
    "AdjustmentError",
    "Administration",
    "AdverseEventKind",
    "AdverseEventNote",
    "AdverseEventSeverity",
    "Assessment",
    "ContextError",
    "Decision",
    "DoseRequest",
    "DosingHistory",
    "Drug",
    "EarlierReading",
    "EligibilityFacts",
    "EligibilityResult",
    "EligibilityVerdict",
    "Finding",
    "Order",
    "Override",
    "Phase",
    "PhysicianException",
    "PresetError",
    "PriorTreatment",
    "Protocol",
    "Route",
    "RulesError",
    "SessionContext",
    "SessionWindow",
    "Severity",
    "UnitError",
    "Verdict",
    "assess_eligibility",
    "decide",
    "load_eligibility_preset",
    "load_protocol",
    "loosen",
    "replay",
    "replay_differences",
    "tighten",
]
