"""decide(context) -> Decision: whether and how much to dose now, with every reason.

Rules come from docs/domain.md §5; every number from the protocol preset. Hard limits (no valid order,
sessions per day, the daily maximum, the order's dose, an observation not signed off) cannot be
lifted; a physician override lifts the other named findings for one session.
"""

from __future__ import annotations

from decimal import Decimal

from openhat.rules.assessment import OralAndAssessmentRules
from openhat.rules.context import (
    HAT_DRUGS,
    Order,
    SessionContext,
)
from openhat.rules.deciding import (
    ADVISORY,
    BLOCK,
    CAP,
    DOSE_VERDICTS,
    HOLD,
    INFO,
    NOT_AGONISTS,
    NOT_DUE,
    ONE,
    REDUCE,
    REDUCTION_AREAS,
    VERDICT_DOSE,
    VERDICT_DOSE_REDUCED,
    VERDICT_HOLD,
    ZERO,
    floor_tenth,
    mg_text,
)
from openhat.rules.errors import ContextError
from openhat.rules.outcome import (
    BLOCKING_ORDER,
    ENGINE_VERSION,
    Decision,
)
from openhat.rules.titration import HatRules


class _Deciding(HatRules, OralAndAssessmentRules):
    """Runs the rules in order and settles the verdict."""

    __slots__ = ()

    def run(self) -> Decision:
        request = self.request
        self._check_sessions()
        order = self._order()
        if order is None:
            self._refused_overrides()
            return self._finish(None)
        self._window(order)
        if request.drug in HAT_DRUGS:
            self._hat_rules(order)
        else:
            if request.top_up:
                self.add(
                    "top_up_not_hat",
                    NOT_DUE,
                    f"Top-ups are for titrating DAM or HDM; a {request.drug.value} dose is a "
                    "session of its own.",
                    overridable=False,
                )
            history = self.context.history
            self._oral_rules(
                order, history.administrations[history.first_index_on_or_after(self.today) :]
            )
        if request.drug not in NOT_AGONISTS:
            self._assessment()
            self._adverse_events()
        self._override_doses()
        self._refused_overrides()
        return self._finish(order)

    def _check_sessions(self) -> None:
        """A history whose sessions hold more doses than a dose and its titration top-ups is
        refused: counting sessions would trust it (issue 12, item 18)."""
        for session_id, count, drug in self.context.history.crowded_sessions:
            if drug in HAT_DRUGS and drug.value not in self.protocol.drugs:
                continue  # given under rules this protocol does not have
            top_ups = (
                self.protocol.whole.get(f"{drug}.top_ups_per_session_max", 0)
                if drug in HAT_DRUGS
                else 0
            )
            if count > 1 + top_ups:
                raise ContextError(
                    "history.session_id",
                    f"session {session_id!r} holds {count} doses of {drug.value}; the protocol "
                    f"allows a dose and {top_ups} top-up(s) in one session",
                )

    def _override_doses(self) -> None:
        """Each override caps the dose at what the physician allowed (issue 12, item 4)."""
        for item in self.context.overrides:
            if item.allowed_dose_mg is not None:
                self.add(
                    "override_dose",
                    CAP,
                    f"The override by {item.physician} allows at most "
                    f"{mg_text(item.allowed_dose_mg)} in this session.",
                    cap_mg=item.allowed_dose_mg,
                    overridable=False,
                )

    def _order(self) -> Order | None:
        request = self.request
        if request.drug in HAT_DRUGS and request.drug not in self.protocol.drugs:
            self.add(
                "drug_not_in_protocol",
                BLOCK,
                f"The clinic's protocol ({self.protocol.key}) has no rules for {request.drug.upper()}: "
                "do not dose; ask the physician.",
                overridable=False,
            )
            return None
        for order in self.context.orders:
            if (
                order.drug == request.drug
                and request.route in order.routes
                and order.active_at(self.now)
            ):
                return order
        self.add(
            "no_valid_order",
            BLOCK,
            f"No active signed order for {request.drug.upper()} by the {request.route.upper()} "
            "route at this time: do not dose; ask the physician.",
            overridable=False,
        )
        return None

    def _window(self, order: Order) -> None:
        window = self.request.window
        if order.windows and window is not None and window not in order.windows:
            allowed = ", ".join(sorted(order.windows))
            self.add(
                "order_window",
                NOT_DUE,
                f"The order covers the {allowed} session(s), not the {window} session.",
                overridable=False,
            )

    def _refused_overrides(self) -> None:
        if not self.lifted:
            return
        present = {item.rule_id for item in self.findings}
        for rule_id in sorted(self.lifted - present):
            self.add(
                "override_unmatched",
                INFO,
                f"The override names '{rule_id}', which this decision does not contain: it "
                "lifts nothing.",
                overridable=False,
            )
        hard = {item.rule_id for item in self.findings if not item.overridable}
        for rule_id in sorted(self.lifted & hard):
            self.add(
                "override_not_allowed",
                INFO,
                f"An override cannot lift '{rule_id}'; it still applies.",
                overridable=False,
            )

    # --- verdict -----------------------------------------------------------------------------

    def _finish(self, order: Order | None) -> Decision:
        # One pass over the findings that are in force: their severities, caps and reductions.
        severities = set()
        caps = []
        reductions = []
        loosened = []
        for item in self.findings:
            if item.loosened:
                loosened.append(item.loosened)
            if item.overridden:
                continue
            severity = item.severity
            severities.add(severity)
            if item.cap_mg is not None:
                caps.append(item.cap_mg)
            if severity is REDUCE:
                reductions.append(item.rule_id)
        verdict = None
        for severity, blocking_verdict in BLOCKING_ORDER:
            if severity in severities:
                verdict = blocking_verdict
                break
        cap = self._cap(caps, reductions) if order is not None else ZERO
        reduced = bool(reductions)
        if verdict is None:
            if cap <= 0:
                verdict = VERDICT_HOLD
                self.add(
                    "nothing_allowed",
                    HOLD,
                    "The limits leave no dose that can be given now.",
                    overridable=False,
                )
            else:
                requested = self.request.dose_mg
                verdict = (
                    VERDICT_DOSE_REDUCED
                    if reduced or (requested is not None and requested > cap)
                    else VERDICT_DOSE
                )
        allows = verdict in DOSE_VERDICTS
        if allows and order is not None and cap < order.dose_min_mg:
            self.add(
                "below_order_minimum",
                ADVISORY,
                f"The largest dose allowed now, {mg_text(cap)}, is below the order's minimum of "
                f"{mg_text(order.dose_min_mg)}: give at most {mg_text(cap)} and tell the prescriber.",
                overridable=False,
            )
        if self.protocol.loosened_keys:
            observation = self._loosened_text(("observation.minutes",))
            if observation:
                loosened.append(observation)
        protocol = self.protocol
        return Decision(
            verdict,
            cap if allows else ZERO,
            cap,
            protocol.whole["observation.minutes"],
            tuple(self.findings),
            self.today,
            self.treatment_day,
            protocol.key,
            protocol.hash,
            tuple(loosened),
            ENGINE_VERSION,
            self.context,
        )

    def _cap(self, caps: list[Decimal], reductions: list[str]) -> Decimal:
        """The lowest cap; a clinical reduction then takes its share off the dose that would
        otherwise be given: the requested dose if lower, and after the day's remainder."""
        cap = min(caps) if caps else ZERO
        if reductions:
            requested = self.request.dose_mg
            if requested is not None and requested < cap:
                cap = requested
            for rule_id in reductions:
                area = REDUCTION_AREAS[rule_id]
                cap = cap * (ONE - self.numbers[f"{area}.reduce_by_fraction_min"])
        return max(floor_tenth(cap), ZERO)


def decide(context: SessionContext) -> Decision:
    """Whether and how much to dose now; pure, deterministic, and replayable from its snapshot."""
    if not isinstance(context, SessionContext):
        raise ContextError("context", "decide() takes a SessionContext")
    return _Deciding(context).run()
