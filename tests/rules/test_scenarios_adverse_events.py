"""Recent adverse events: the finding the engine raises at the next session.

An adverse event within adverse_events.watch_hours (local default 72 h, both presets) before now:
a serious one (overdose, seizure, allergic reaction; or severe or life-threatening; or naloxone
given) not signed off by a physician -> adverse_event_review (physician review, no dose until a
physician lifts it); any other -> recent_adverse_event (advisory, watch closely). None in the
window -> no finding. Now is 2026-06-10 13:00 in Zurich (CEST, UTC+2).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from openhat.rules import AdjustmentError, Decision, Verdict, decide, loosen, tighten
from tests.rules.builders import at, context, daily_doses, event, order, override, protocol
from tests.rules.scenarios import Scenario, run, table

# A stable patient on a fixed 200 mg order; yesterday 600 mg, so today's dose is at most 200 mg.
STABLE = daily_doses(-60, -1, "200")
NALTREXONE = (order("naltrexone_xr", ("im",), dose="380", sessions=1, daily_max="380"),)
METHADONE = (order("methadone", ("oral",), dose="80", sessions=1, daily_max="80"),)
YESTERDAY = at(-1, "09:40")
OVERDOSE = event(YESTERDAY, "overdose", "severe", naloxone=True)
OVERDOSE_SIGNED = event(YESTERDAY, "overdose", "severe", naloxone=True, signed_off=True)
WATCH = "adverse_events.watch_hours"
REVIEWED = ("adverse_event_review",)
ADVISED = ("recent_adverse_event",)
BOTH = (*REVIEWED, *ADVISED)


def _keyed(rule_id: str) -> Callable[[Decision], None]:
    """The finding cites the watch window: its key, 72 h, and that an override lifts it."""

    def check(decision: Decision) -> None:
        finding = decision.finding(rule_id)
        assert finding is not None
        assert finding.preset_key == WATCH
        assert finding.preset_value == 72 and finding.unit == "h"
        assert finding.overridable

    return check


SCENARIOS = [
    # --- nothing in the window -----------------------------------------------------------------
    Scenario(
        "no adverse event: a 200 mg dose as usual",
        dict(history=STABLE),
        Verdict.DOSE,
        max_dose_mg="200",
        absent=BOTH,
    ),
    Scenario(
        "a serious event 72 h and 1 min ago is out of view",
        dict(history=STABLE, adverse_events=(event(at(-3, "12:59"), naloxone=True),)),
        Verdict.DOSE,
        max_dose_mg="200",
        absent=BOTH,
    ),
    Scenario(
        "a mild event a week ago is out of view",
        dict(history=STABLE, adverse_events=(event(at(-7, "09:00"), "injection_site", "mild"),)),
        Verdict.DOSE,
        absent=BOTH,
    ),
    # --- advisory -------------------------------------------------------------------------------
    Scenario(
        "a mild injection-site problem yesterday is an advisory: watch closely",
        dict(history=STABLE, adverse_events=(event(YESTERDAY, "injection_site", "mild"),)),
        Verdict.DOSE,
        max_dose_mg="200",
        present=ADVISED,
        absent=REVIEWED,
        messages={
            "recent_adverse_event": (
                "injection-site problem (mild) at 2026-06-09 09:40",
                "Watch closely",
            )
        },
        sources={"recent_adverse_event": ("local",)},
        check=_keyed("recent_adverse_event"),
    ),
    Scenario(
        "a moderate other adverse event without naloxone is an advisory",
        dict(history=STABLE, adverse_events=(event(YESTERDAY, "other", "moderate"),)),
        Verdict.DOSE,
        max_dose_mg="200",
        present=ADVISED,
        absent=REVIEWED,
        messages={"recent_adverse_event": "other adverse event (moderate)"},
    ),
    Scenario(
        "an overdose with naloxone signed off by a physician is an advisory and the dose is allowed",
        dict(history=STABLE, adverse_events=(OVERDOSE_SIGNED,)),
        Verdict.DOSE,
        max_dose_mg="200",
        present=ADVISED,
        absent=REVIEWED,
        messages={
            "recent_adverse_event": (
                "overdose or respiratory depression",
                "severe, naloxone given, signed off by a physician",
                "2026-06-09 09:40",
            )
        },
    ),
    Scenario(
        "with a signed-off overdose and a later mild event the advisory names the later one",
        dict(
            history=STABLE,
            adverse_events=(event(at(0, "08:10"), "injection_site", "mild"), OVERDOSE_SIGNED),
        ),
        Verdict.DOSE,
        present=ADVISED,
        absent=REVIEWED,
        messages={"recent_adverse_event": "injection-site problem (mild) at 2026-06-10 08:10"},
    ),
    # --- physician review -----------------------------------------------------------------------
    Scenario(
        "an overdose with naloxone not signed off needs a physician's review: no dose",
        dict(history=STABLE, adverse_events=(OVERDOSE,)),
        Verdict.PHYSICIAN_REVIEW,
        max_dose_mg="0",
        cap_mg="200",
        present=REVIEWED,
        absent=ADVISED,
        messages={
            "adverse_event_review": (
                "overdose or respiratory depression (severe, naloxone given) at 2026-06-09 09:40",
                "physician must review it and sign it off before the next dose",
            )
        },
        sources={"adverse_event_review": ("local",)},
        check=_keyed("adverse_event_review"),
    ),
    Scenario(
        "a physician override naming adverse_event_review lifts it for this session",
        dict(history=STABLE, adverse_events=(OVERDOSE,), overrides=(override(*REVIEWED),)),
        Verdict.DOSE,
        max_dose_mg="200",
        overridden=REVIEWED,
        absent=ADVISED,
    ),
    Scenario(
        "an override of another finding does not lift the review",
        dict(history=STABLE, adverse_events=(OVERDOSE,), overrides=(override("sedation_hold"),)),
        Verdict.PHYSICIAN_REVIEW,
        max_dose_mg="0",
        present=REVIEWED,
    ),
    Scenario(
        "a serious event exactly 72 h ago is still in view",
        dict(history=STABLE, adverse_events=(event(at(-3, "13:00")),)),
        Verdict.PHYSICIAN_REVIEW,
        present=REVIEWED,
    ),
    Scenario(
        "a serious event at this very minute is in view",
        dict(history=STABLE, adverse_events=(event(at(0, "13:00")),)),
        Verdict.PHYSICIAN_REVIEW,
        present=REVIEWED,
    ),
    Scenario(
        "a mild seizure is serious by its kind",
        dict(history=STABLE, adverse_events=(event(YESTERDAY, "seizure", "mild"),)),
        Verdict.PHYSICIAN_REVIEW,
        present=REVIEWED,
        messages={"adverse_event_review": "seizure (mild)"},
    ),
    Scenario(
        "a moderate allergic reaction is serious by its kind",
        dict(history=STABLE, adverse_events=(event(YESTERDAY, "allergic_reaction", "moderate"),)),
        Verdict.PHYSICIAN_REVIEW,
        present=REVIEWED,
        messages={"adverse_event_review": "allergic reaction (moderate)"},
    ),
    Scenario(
        "a severe injection-site problem is serious by its severity",
        dict(history=STABLE, adverse_events=(event(YESTERDAY, "injection_site", "severe"),)),
        Verdict.PHYSICIAN_REVIEW,
        present=REVIEWED,
    ),
    Scenario(
        "a life-threatening other event is serious by its severity",
        dict(history=STABLE, adverse_events=(event(YESTERDAY, "other", "life_threatening"),)),
        Verdict.PHYSICIAN_REVIEW,
        present=REVIEWED,
        messages={"adverse_event_review": "other adverse event (life-threatening)"},
    ),
    Scenario(
        "a mild event where naloxone was given is serious",
        dict(history=STABLE, adverse_events=(event(YESTERDAY, "other", "mild", naloxone=True),)),
        Verdict.PHYSICIAN_REVIEW,
        present=REVIEWED,
    ),
    Scenario(
        "an unsigned serious event outweighs a later mild one, and the review names it",
        dict(
            history=STABLE,
            adverse_events=(OVERDOSE, event(at(0, "08:10"), "injection_site", "mild")),
        ),
        Verdict.PHYSICIAN_REVIEW,
        present=REVIEWED,
        absent=ADVISED,
        messages={"adverse_event_review": "at 2026-06-09 09:40"},
    ),
    Scenario(
        "two unsigned serious events: the review names the latest and counts the other",
        dict(history=STABLE, adverse_events=(OVERDOSE, event(at(0, "08:10"), "seizure"))),
        Verdict.PHYSICIAN_REVIEW,
        messages={
            "adverse_event_review": ("seizure (severe) at 2026-06-10 08:10", "and 1 more serious")
        },
    ),
    Scenario(
        "three unsigned serious events: the review counts the other two",
        dict(
            history=STABLE,
            adverse_events=(OVERDOSE, event(at(-2, "18:00")), event(at(0, "08:10"), "seizure")),
        ),
        Verdict.PHYSICIAN_REVIEW,
        messages={"adverse_event_review": "and 2 more serious events"},
    ),
    Scenario(
        "an event given in UTC is shown at the clinic's local time",
        dict(history=STABLE, adverse_events=(event(datetime(2026, 6, 9, 7, 40, tzinfo=UTC)),)),
        Verdict.PHYSICIAN_REVIEW,
        messages={"adverse_event_review": "at 2026-06-09 09:40"},
    ),
    Scenario(
        "a sedation hold is stronger than the review, and both are reported",
        dict(history=STABLE, sedation=4, adverse_events=(OVERDOSE,)),
        Verdict.HOLD,
        present=("sedation_hold", *REVIEWED),
    ),
    Scenario(
        "the ca-ioat preset watches 72 h too",
        dict(history=STABLE, preset="ca-ioat", adverse_events=(event(at(-2, "13:30")),)),
        Verdict.PHYSICIAN_REVIEW,
        present=REVIEWED,
        check=_keyed("adverse_event_review"),
    ),
    # --- other drugs ----------------------------------------------------------------------------
    Scenario(
        "oral methadone after an unsigned overdose needs the physician too",
        dict(
            orders=METHADONE,
            drug="methadone",
            route="oral",
            request_mg="80",
            adverse_events=(OVERDOSE,),
        ),
        Verdict.PHYSICIAN_REVIEW,
        present=REVIEWED,
    ),
    Scenario(
        "extended-release naltrexone is not an agonist: no adverse-event finding",
        dict(
            orders=NALTREXONE,
            drug="naltrexone_xr",
            route="im",
            request_mg="380",
            adverse_events=(OVERDOSE,),
        ),
        Verdict.DOSE,
        absent=BOTH,
    ),
    Scenario(
        "without a valid order only the order is reported",
        dict(orders=(order(suspended=True),), adverse_events=(OVERDOSE,)),
        Verdict.NO_VALID_ORDER,
        absent=BOTH,
    ),
]


@table(SCENARIOS)
def test_adverse_events(scenario: Scenario) -> None:
    run(scenario)


# --- the clinic's watch window -------------------------------------------------------------------


def test_a_clinic_may_watch_longer() -> None:
    week = tighten(protocol(), WATCH, 168)
    five_days_ago = (event(at(-5, "09:00")),)
    assert decide(context(history=STABLE, adverse_events=five_days_ago)).allows_dose
    decision = decide(context(history=STABLE, preset=week, adverse_events=five_days_ago))
    assert decision.verdict is Verdict.PHYSICIAN_REVIEW


def test_watching_shorter_is_a_loosening_that_the_finding_reports() -> None:
    with pytest.raises(AdjustmentError):
        tighten(protocol(), WATCH, 24)
    day = loosen(protocol(), WATCH, 24, reason="seen daily by the physician", approved_by="Dr. A")
    assert decide(context(history=STABLE, preset=day, adverse_events=(OVERDOSE,))).allows_dose
    decision = decide(context(history=STABLE, preset=day, adverse_events=(event(at(0, "08:00")),)))
    finding = decision.finding("adverse_event_review")
    assert finding is not None and finding.loosened is not None
    assert "from 72 to 24 h" in finding.loosened
