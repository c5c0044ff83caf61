"""Property tests of the adverse-event rule, on the random contexts of test_properties.py.

(a) with a serious adverse event in the watch window that no physician has signed off, no dose
    is allowed unless an override names adverse_event_review;
(b) recording adverse events never allows a larger dose than without them;
(c) a decision with adverse events replays from its snapshot unchanged.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from openhat.rules import AdverseEventNote, SessionContext, decide, replay
from openhat.rules.adverse_events import SERIOUS_KINDS, SERIOUS_SEVERITIES
from tests.rules.test_properties import PROPERTY, contexts, lifted

KINDS = ("overdose", "seizure", "allergic_reaction", "injection_site", "other")
SEVERITIES = ("mild", "moderate", "severe", "life_threatening")
WATCH = "adverse_events.watch_hours"


@st.composite
def notes(
    draw: st.DrawFn, context: SessionContext, serious_unsigned: bool = False
) -> AdverseEventNote:
    """A note within twice the watch window before now (so in view or not); if asked, a serious
    one in view that no physician signed off."""
    hours = context.protocol.whole[WATCH]
    reach = hours if serious_unsigned else 2 * hours
    age = timedelta(seconds=draw(st.integers(0, reach * 3600)))
    kind = draw(st.sampled_from(KINDS))
    severity = draw(st.sampled_from(SEVERITIES))
    naloxone = draw(st.booleans())
    if serious_unsigned and kind not in SERIOUS_KINDS and severity not in SERIOUS_SEVERITIES:
        naloxone = True
    return AdverseEventNote(
        at=context.now - age,
        kind=kind,  # type: ignore[arg-type]
        severity=severity,  # type: ignore[arg-type]
        naloxone_given=naloxone,
        physician_signed_off=False if serious_unsigned else draw(st.booleans()),
    )


@st.composite
def with_events(
    draw: st.DrawFn, serious_unsigned: bool = False
) -> tuple[SessionContext, SessionContext]:
    """(a context without adverse events, the same with some)."""
    base = draw(contexts())
    events = draw(st.lists(notes(base), max_size=3))
    if serious_unsigned:
        events.append(draw(notes(base, serious_unsigned=True)))
    return base, replace(base, adverse_events=tuple(draw(st.permutations(events))))


@PROPERTY
@given(with_events(serious_unsigned=True))
def test_an_unsigned_serious_event_allows_no_dose_unless_a_physician_lifts_it(
    pair: tuple[SessionContext, SessionContext],
) -> None:
    _, context = pair
    decision = decide(context)
    if "adverse_event_review" not in lifted(context):
        assert not decision.allows_dose
        assert decision.max_dose_mg == 0
    if decision.allows_dose:
        finding = decision.finding("adverse_event_review")
        assert finding is not None and finding.overridden


@PROPERTY
@given(with_events())
def test_adverse_events_never_allow_a_larger_dose(
    pair: tuple[SessionContext, SessionContext],
) -> None:
    without, with_them = pair
    assert decide(with_them).max_dose_mg <= decide(without).max_dose_mg


@PROPERTY
@given(with_events())
def test_a_decision_with_adverse_events_replays_from_its_snapshot(
    pair: tuple[SessionContext, SessionContext],
) -> None:
    _, context = pair
    decision = decide(context)
    snapshot = json.loads(json.dumps(decision.snapshot()))
    assert replay(snapshot).as_dict() == decision.as_dict()
