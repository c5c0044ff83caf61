"""Rules for oral and other orders, the pre-dose assessment (sedation, breath alcohol, signs),
and recent adverse events."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from openhat.rules.adverse_events import KIND_TEXT, AdverseEventNote
from openhat.rules.context import (
    Administration,
    Drug,
    Order,
)
from openhat.rules.deciding import (
    ADVISORY,
    CAP,
    HOLD,
    NOT_DUE,
    REDUCE,
    REDUCTION_AREAS,
    REVIEW,
    ZERO,
    DecisionBuilder,
    mg_text,
)
from openhat.rules.readings import HOLD_RULES

WATCH_HOURS = "adverse_events.watch_hours"
HOLD_LEVEL_KEYS = {"alcohol": "alcohol.hold_at_mg_per_l", "sedation": "sedation.hold_at_score"}
AREA_TEXT = {"alcohol": "breath alcohol", "sedation": "sedation score"}
AREA_UNIT = {"alcohol": " mg/L", "sedation": ""}


def _at_or_above(value: Decimal | int | None, level: Decimal) -> bool:
    return value is not None and value >= level


def _below(value: Decimal | int | None, level: Decimal) -> bool:
    return value is not None and value < level


class OralAndAssessmentRules(DecisionBuilder):
    __slots__ = ()

    def _oral_rules(self, order: Order, today_items: tuple[Administration, ...]) -> None:
        drug = self.request.drug
        same = [item for item in today_items if item.drug == drug]
        if not self.request.top_up:
            limit = order.sessions_per_day
            if len({item.session_id for item in same}) >= limit:
                self.add(
                    "sessions_per_day",
                    NOT_DUE,
                    f"All {limit} {drug} dose(s) ordered for today are given.",
                    overridable=False,
                )
        if same and not same[-1].observation_signed_off:
            self.add(
                "observation_open",
                NOT_DUE,
                f"The observation after the last {drug} dose is not signed off yet.",
                overridable=False,
            )
        given = sum((item.dose_mg for item in same), ZERO)
        self._daily_total(order, given)
        self._order_cap(order)
        if drug == Drug.METHADONE:
            self._methadone_beside_dam(order, given)

    def _methadone_beside_dam(self, order: Order, given_today: Decimal) -> None:
        beside_dam = any(
            item.drug == Drug.DAM and item.active_at(self.now) for item in self.context.orders
        )
        if not beside_dam:
            return
        key = "oral.methadone_max_mg_beside_dam"
        limit = self.numbers[key]
        remaining = limit - given_today
        if remaining <= 0:
            self.add(
                "methadone_beside_dam",
                HOLD,
                f"Methadone today has reached {mg_text(limit)}, the limit beside diacetylmorphine.",
                key=key,
            )
            return
        self.add(
            "methadone_beside_dam",
            CAP,
            f"Beside diacetylmorphine, methadone is at most {mg_text(limit)} a day: at most {mg_text(remaining)} more.",
            key=key,
            cap_mg=remaining,
        )

    # --- the pre-dose assessment -------------------------------------------------------------

    def _assessment(self) -> None:
        assessment = self.context.assessment
        if self.context.earlier_readings:
            self._carried_holds(assessment.breath_alcohol_mg_per_l, assessment.sedation_score)
        score = assessment.sedation_score
        if score is not None:
            held = False
            if score >= self.numbers["sedation.hold_at_score"]:
                held = not self.add(
                    "sedation_hold",
                    HOLD,
                    f"Sedation score {score}: hold the dose, stay with the patient, consider naloxone.",
                    key="sedation.hold_at_score",
                ).overridden
            # A lifted hold still reduces: the override takes away the hold, not the caution,
            # so a worse reading never allows more than a milder one.
            if not held and score >= self.numbers["sedation.reduce_at_score"]:
                self._reduction(
                    "sedation_reduce", f"Sedation score {score}", "sedation.reduce_at_score"
                )
        alcohol = assessment.breath_alcohol_mg_per_l
        if alcohol is not None:
            held = False
            if alcohol >= self.numbers["alcohol.hold_at_mg_per_l"]:
                held = not self.add(
                    "breath_alcohol_hold",
                    HOLD,
                    f"Breath alcohol {alcohol} mg/L: hold the dose and reassess later.",
                    key="alcohol.hold_at_mg_per_l",
                ).overridden
            if not held and alcohol >= self.numbers["alcohol.reduce_from_mg_per_l"]:
                self._reduction(
                    "breath_alcohol_reduce",
                    f"Breath alcohol {alcohol} mg/L",
                    "alcohol.reduce_from_mg_per_l",
                )
        if assessment.signs:
            self.add(
                "signs_recorded",
                ADVISORY,
                "Signs recorded before the dose: "
                + "; ".join(assessment.signs)
                + ". Judge them before dosing.",
            )

    def _carried_holds(self, alcohol: Decimal | None, score: int | None) -> None:
        """An earlier hold today stands until a reading taken at least the reassessment
        interval later clears it; a blank reading clears nothing (docs/domain.md §5)."""
        carried = self._carried_hold("alcohol", alcohol)
        if carried is not None:
            missing, message = carried
            if missing:
                self.add(
                    "breath_alcohol_reading_missing",
                    HOLD,
                    message,
                    key="alcohol.reassess_after_minutes",
                    overridable=False,
                )
            else:
                self.add(
                    "breath_alcohol_hold_stands",
                    HOLD,
                    message,
                    key="alcohol.reassess_after_minutes",
                )
        carried = self._carried_hold("sedation", score)
        if carried is not None:
            missing, message = carried
            if missing:
                self.add(
                    "sedation_reading_missing",
                    HOLD,
                    message,
                    key="sedation.reassess_after_minutes",
                    overridable=False,
                )
            else:
                self.add(
                    "sedation_hold_stands", HOLD, message, key="sedation.reassess_after_minutes"
                )

    def _carried_hold(self, area: str, current: Decimal | int | None) -> tuple[bool, str] | None:
        """(whether the reading is missing, the message) while an earlier hold stands; None
        when there is none, this reading holds by itself, or a later reading cleared it."""
        level = self.numbers[HOLD_LEVEL_KEYS[area]]
        if current is not None and current >= level:
            return None
        readings = self.context.earlier_readings
        hold_rule = HOLD_RULES[area]
        holds = [
            item
            for item in readings
            if hold_rule in item.held or _at_or_above(item.value(area), level)
        ]
        if not holds:
            return None
        hold = max(holds, key=lambda item: item.at)
        interval_key = f"{area}.reassess_after_minutes"
        due = hold.at + self.protocol.durations[interval_key]
        if any(item.at >= due and _below(item.value(area), level) for item in readings):
            return None  # an earlier reading already cleared it
        zone = self.context.zone
        what, unit = AREA_TEXT[area], AREA_UNIT[area]
        held_value = hold.value(area)
        held_text = what if held_value is None else f"{what} {held_value}{unit}"
        since = (
            f"Held at {hold.at.astimezone(zone):%H:%M} for {held_text}: only a new {what} "
            f"reading taken from {due.astimezone(zone):%H:%M} on "
            f"({self.numbers[interval_key]} min later) and below {level}{unit} clears the hold"
        )
        if current is None:
            return True, f"{since}. This assessment has no {what} reading; a blank is not a pass."
        reading_at = self.context.assessment.at or self.now
        if reading_at < due:
            return (
                False,
                f"{since}. This reading at {reading_at.astimezone(zone):%H:%M} is too soon.",
            )
        return None

    def _reduction(self, rule_id: str, what: str, key: str) -> None:
        area = REDUCTION_AREAS[rule_id]
        low = self.numbers[f"{area}.reduce_by_fraction_min"]
        high = self.numbers[f"{area}.reduce_by_fraction_max"]
        self.add(
            rule_id,
            REDUCE,
            f"{what}: reduce the dose by {low * 100:.0f}-{high * 100:.0f}%, or hold, and note why.",
            key=key,
            cap_mg=None,  # a share, applied in _finish
            also=(f"{area}.reduce_by_fraction_min", f"{area}.reduce_by_fraction_max"),
        )

    # --- recent adverse events ---------------------------------------------------------------

    def _adverse_events(self) -> None:
        """An adverse event within the watch window: a serious one not yet signed off by a
        physician needs their review before dosing; any other is an advisory to watch closely."""
        events = self.context.adverse_events
        if not events:
            return
        since = self.now - timedelta(hours=self.protocol.whole[WATCH_HOURS])
        recent = [event for event in events if event.at >= since]  # none is after now
        if not recent:
            return
        unreviewed = [event for event in recent if event.serious and not event.physician_signed_off]
        if unreviewed:
            latest = max(unreviewed, key=lambda event: event.at)
            more = len(unreviewed) - 1
            also = f" (and {more} more serious event{'s' if more > 1 else ''})" if more else ""
            self.add(
                "adverse_event_review",
                REVIEW,
                f"Adverse event not signed off: {self._event_text(latest)}{also}. "
                "A physician must review it and sign it off before the next dose.",
                key=WATCH_HOURS,
            )
            return
        latest = max(recent, key=lambda event: event.at)
        self.add(
            "recent_adverse_event",
            ADVISORY,
            f"Recent adverse event: {self._event_text(latest)}. Watch closely.",
            key=WATCH_HOURS,
        )

    def _event_text(self, event: AdverseEventNote) -> str:
        details = [event.severity.value.replace("_", "-")]
        if event.naloxone_given:
            details.append("naloxone given")
        if event.physician_signed_off:
            details.append("signed off by a physician")
        when = event.at.astimezone(self.context.zone).strftime("%Y-%m-%d %H:%M")
        return f"{KIND_TEXT[event.kind]} ({', '.join(details)}) at {when}"
