"""The dosing station's records: sessions and their steps, and adverse events."""

from openhat.dosing.models.adverse import (
    AdverseEvent,
    AdverseEventKind,
    AdverseEventOutcome,
    AdverseEventSeverity,
    AdverseEventSignOff,
    NaloxoneRoute,
)
from openhat.dosing.models.sessions import (
    ENDS_WITHOUT_DOSE,
    OPEN_STATES,
    Administration,
    AssessmentKind,
    DosePreparation,
    DosingSession,
    DosingState,
    ExceptionKind,
    ObservationSignOff,
    SessionAssessment,
    SessionDecision,
    SessionException,
    SessionOverride,
    SessionState,
)

__all__ = [
    "ENDS_WITHOUT_DOSE",
    "OPEN_STATES",
    "Administration",
    "AdverseEvent",
    "AdverseEventKind",
    "AdverseEventOutcome",
    "AdverseEventSeverity",
    "AdverseEventSignOff",
    "AssessmentKind",
    "DosePreparation",
    "DosingSession",
    "DosingState",
    "ExceptionKind",
    "NaloxoneRoute",
    "ObservationSignOff",
    "SessionAssessment",
    "SessionDecision",
    "SessionException",
    "SessionOverride",
    "SessionState",
]
