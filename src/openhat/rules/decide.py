"""decide(context) -> Decision: whether and how much to dose now, with every reason.

Rules come from CLINIC.md §5; every number from the protocol preset. Hard limits (no valid order,
sessions per day, the daily maximum, the order's dose, an observation not signed off) cannot be
lifted; a physician override lifts the other named findings for one session.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from functools import lru_cache

from openhat.rules.context import (
    HAT_DRUGS,
    INJECTABLE_ROUTES,
    Administration,
    Drug,
    Order,
    Route,
    SessionContext,
)
from openhat.rules.errors import ContextError
from openhat.rules.missed import Episode, find_episode
from openhat.rules.outcome import (
    BLOCKING_ORDER,
    ENGINE_VERSION,
    Decision,
    Finding,
    Severity,
    Verdict,
)
from openhat.rules.protocol import Protocol

ZERO = Decimal(0)
ONE = Decimal(1)
TENTH = Decimal("0.1")
NOT_AGONISTS = frozenset({Drug.NALTREXONE_XR})
# Enum attribute access is slow on Python 3.11; decide() runs tens of thousands of times a second.
BLOCK, NOT_DUE, HOLD, REVIEW = Severity.BLOCK, Severity.NOT_DUE, Severity.HOLD, Severity.REVIEW
CAP, REDUCE, ADVISORY, INFO = Severity.CAP, Severity.REDUCE, Severity.ADVISORY, Severity.INFO
VERDICT_DOSE, VERDICT_DOSE_REDUCED, VERDICT_HOLD = Verdict.DOSE, Verdict.DOSE_REDUCED, Verdict.HOLD
DOSE_VERDICTS = frozenset({Verdict.DOSE, Verdict.DOSE_REDUCED})
NO_OVERRIDES: frozenset[str] = frozenset()
# Reduction findings and the preset area whose shares they apply.
REDUCTION_AREAS = {"sedation_reduce": "sedation", "breath_alcohol_reduce": "alcohol"}


@lru_cache(maxsize=4096)
def _mg(amount: Decimal) -> str:
    text = str(amount)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + " mg"


def floor_tenth(amount: Decimal) -> Decimal:
    return amount.quantize(TENTH, ROUND_FLOOR)  # positional: keyword parsing costs here


class _Deciding:
    """Collects findings and caps for one decision."""

    __slots__ = (
        "context",
        "findings",
        "lifted",
        "now",
        "numbers",
        "protocol",
        "request",
        "today",
        "treatment_day",
    )

    def __init__(self, context: SessionContext) -> None:
        self.context = context
        self.protocol: Protocol = context.protocol
        self.numbers = context.protocol.numbers
        self.request = context.request
        self.now: datetime = context.now
        # `now` was checked to be aware when the context was built.
        self.today = context.now.astimezone(context.zone).date()
        self.findings: list[Finding] = []
        self.lifted: frozenset[str] = (
            frozenset().union(*(item.rule_ids for item in context.overrides))
            if context.overrides
            else NO_OVERRIDES
        )
        self.treatment_day: int | None = None

    # --- findings ----------------------------------------------------------------------------

    def add(
        self,
        rule_id: str,
        severity: Severity,
        message: str,
        *,
        key: str | None = None,
        cap_mg: Decimal | None = None,
        overridable: bool = True,
        also: tuple[str, ...] = (),
    ) -> Finding:
        overridden = overridable and rule_id in self.lifted
        if key is None:
            finding = Finding(
                rule_id,
                severity,
                message,
                None,
                None,
                "",
                (),
                cap_mg,
                overridable,
                overridden,
                None,
            )
        else:
            value = self.protocol.values[key]
            loosened = self._loosened_text((key, *also)) if self.protocol.loosened_keys else None
            finding = Finding(
                rule_id,
                severity,
                message,
                key,
                value.value,
                value.unit,
                value.sources,
                cap_mg,
                overridable,
                overridden,
                loosened,
            )
        self.findings.append(finding)
        return finding

    def _loosened_text(self, keys: tuple[str, ...]) -> str | None:
        """Every loosened value among `keys`, said in words; None if none was loosened."""
        if not self.protocol.loosened_keys:
            return None
        texts = []
        for key in keys:
            value = self.protocol.values[key]
            loosening = value.loosening
            if loosening is not None:
                texts.append(
                    f"{key} loosened by the clinic from {loosening.previous} to {value.value} "
                    f"{value.unit}: {loosening.reason} (approved by {loosening.approved_by})"
                )
        return "; ".join(texts) if texts else None

    # --- the decision ------------------------------------------------------------------------

    def run(self) -> Decision:
        request = self.request
        order = self._order()
        if order is None:
            self._refused_overrides()
            return self._finish(None)
        self._window(order)
        if request.drug in HAT_DRUGS:
            self._hat_rules(order)
        else:
            history = self.context.history
            self._oral_rules(
                order, history.administrations[history.first_index_on_or_after(self.today) :]
            )
        if request.drug not in NOT_AGONISTS:
            self._assessment()
        self._refused_overrides()
        return self._finish(order)

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

    # --- supervised HAT doses (DAM, HDM) --------------------------------------------------------

    def _hat_rules(self, order: Order) -> None:
        request = self.request
        drug = request.drug
        today_hat = list(self.context.history.hat_doses_on(self.today))
        sessions_today = {item.session_id for item in today_hat}
        whole = self.protocol.whole
        look_back = whole["vigilance.first_days"] + 1
        episode = find_episode(
            self.context.history,
            self.today,
            whole["missed.retitrate_after_days"],
            look_back,
        )
        if episode.started_on is not None:
            self.treatment_day = (self.today - episode.started_on).days + 1
        history = self.context.history
        last = history.administrations[history.hat_indices[-1]] if history.hat_indices else None

        if request.top_up:
            if not today_hat:
                self.add(
                    "top_up_without_session",
                    NOT_DUE,
                    "A top-up needs a dose earlier in this session; there is none today.",
                    overridable=False,
                )
        else:
            self._session_count(order, len(sessions_today), "sessions.max_per_day")
            if last is not None:
                self._observation_signed_off(last)
                self._session_interval(last)

        self._daily_total(
            order, self.context.history.hat_sums_on(self.today).total_mg.get(drug, ZERO)
        )
        self._order_cap(order)
        if episode.titration_day:
            self._titration(episode, today_hat)
        else:
            if request.top_up:
                self.add(
                    "top_up_outside_titration",
                    HOLD,
                    "Top-ups within a session are for titration days; this is not one.",
                )
            self._next_day_caps(episode)
            self._missed_days(episode)
        self._drug_switch(episode, last)
        self._advisories(episode, today_hat)

    def _session_count(self, order: Order, done: int, key: str) -> None:
        protocol_limit = self.protocol.whole[key]
        limit = min(order.sessions_per_day, protocol_limit)
        if done >= limit:
            self.add(
                "sessions_per_day",
                NOT_DUE,
                f"All {limit} session(s) allowed today are done (order {order.sessions_per_day}, "
                f"protocol {protocol_limit}).",
                key=key,
                overridable=False,
            )

    def _observation_signed_off(self, last: Administration) -> None:
        if not last.observation_signed_off:
            self.add(
                "observation_open",
                NOT_DUE,
                "The observation after the last dose is not signed off yet; sign it off first.",
                overridable=False,
            )

    def _session_interval(self, last: Administration) -> None:
        key = "sessions.min_interval_minutes"
        minutes = self.numbers[key]
        due = last.at + self.protocol.durations[key]
        if self.now < due:
            waited = int((self.now - last.at).total_seconds() // 60)
            self.add(
                "session_interval",
                NOT_DUE,
                f"Only {waited} min since the last dose; sessions are at least {minutes} min apart "
                f"(due at {due.astimezone(self.context.zone):%H:%M}).",
                key=key,
            )

    def _daily_total(self, order: Order, given_today: Decimal) -> None:
        drug = self.request.drug
        key = f"{drug}.daily_max_mg" if drug in HAT_DRUGS else None
        protocol_max = self.numbers[key] if key is not None else None
        limit = (
            order.daily_max_mg if protocol_max is None else min(order.daily_max_mg, protocol_max)
        )
        remaining = limit - given_today
        name = drug.upper() if drug in HAT_DRUGS else drug
        if remaining <= 0:
            self.add(
                "daily_max",
                NOT_DUE,
                f"Today's {name} total of {_mg(given_today)} has reached the daily maximum of {_mg(limit)}.",
                key=key,
                overridable=False,
            )
            return
        self.add(
            "daily_max",
            CAP,
            f"No {name} given yet today; the daily maximum is {_mg(limit)}."
            if given_today == 0
            else f"{_mg(given_today)} {name} given today; daily maximum {_mg(limit)}: at most {_mg(remaining)} more.",
            key=key,
            cap_mg=remaining,
            overridable=False,
        )

    def _order_cap(self, order: Order) -> None:
        if order.dose_min_mg == order.dose_max_mg:
            text = f"The order is {_mg(order.dose_max_mg)} per session."
        else:
            text = f"The order allows {_mg(order.dose_min_mg)} to {_mg(order.dose_max_mg)} per session."
        self.add("order_dose", CAP, text, cap_mg=order.dose_max_mg, overridable=False)

    def _titration(self, episode: Episode, today_hat: list[Administration]) -> None:
        request = self.request
        drug = request.drug
        if episode.restarting:
            self.add(
                "retitration",
                ADVISORY,
                f"{episode.missed_days} days without a dose: titrate again as on the first day.",
                key="missed.retitrate_after_days",
            )
        if request.route not in INJECTABLE_ROUTES and request.route != Route.INHALED:
            key = f"{drug}.oral_first_dose_max_mg"
            if self.protocol.has(key) and not any(item.route == Route.ORAL for item in today_hat):
                cap = self.numbers[key]
                self.add(
                    "titration_oral_first_dose",
                    CAP,
                    f"First tablet dose on a titration day: at most {_mg(cap)}.",
                    key=key,
                    cap_mg=cap,
                )
            return
        # Injectable titration steps count injected (and inhaled) doses only: a tablet earlier
        # today does not make the first injection a later one.
        today_hat = [item for item in today_hat if item.route != Route.ORAL]
        if not today_hat:
            key = f"{drug}.first_dose_max_mg"
            cap = self.numbers[key]
            self.add(
                "titration_first_dose",
                CAP,
                f"First dose of titration: at most {_mg(cap)}.",
                key=key,
                cap_mg=cap,
            )
            return
        previous = today_hat[-1]
        if request.top_up:
            key = f"{drug}.top_up_max_mg"
            cap = self.numbers[key]
            self.add(
                "titration_top_up",
                CAP,
                f"Titration top-up if the last dose was tolerated: at most {_mg(cap)}.",
                key=key,
                cap_mg=cap,
            )
            wait_key = (
                f"{drug}.first_top_up_min_wait_minutes"
                if len(today_hat) == 1
                else f"{drug}.day1_min_interval_minutes"
            )
        else:
            key = f"{drug}.day1_single_dose_max_mg"
            cap = self.numbers[key]
            self.add(
                "titration_single_dose",
                CAP,
                f"Titration day: single doses at most {_mg(cap)}.",
                key=key,
                cap_mg=cap,
            )
            wait_key = f"{drug}.day1_min_interval_minutes"
        wait = self.numbers[wait_key]
        due = previous.at + self.protocol.durations[wait_key]
        if self.now < due:
            self.add(
                "titration_interval",
                NOT_DUE,
                f"Titration day: doses at least {wait} min apart; next at "
                f"{due.astimezone(self.context.zone):%H:%M}.",
                key=wait_key,
            )

    def _converted(self, amount: Decimal, source: Drug) -> Decimal:
        """An amount of `source` in mg of the requested drug, at the cautious end of the potency range."""
        target = self.request.drug
        if source == target:
            return amount
        if target == Drug.HDM:
            return amount / self.numbers["conversion.hdm_to_dam_high"]
        return amount * self.numbers["conversion.hdm_to_dam_low"]

    def _next_day_caps(self, episode: Episode) -> None:
        sums = episode.previous_sums
        drug = self.request.drug
        if len(sums.total_mg) == 1 and drug in sums.total_mg:
            total, largest = sums.total_mg[drug], sums.largest_mg[drug]
        else:  # the last day was (partly) the other drug: convert, at the cautious end
            total = sum((self._converted(mg, given) for given, mg in sums.total_mg.items()), ZERO)
            largest = max(self._converted(mg, given) for given, mg in sums.largest_mg.items())
        count = sums.doses
        if count > 2:
            key = f"{drug}.next_day_single_fraction_of_total"
            cap = floor_tenth(total * self.numbers[key])
            self.add(
                "next_day_share_of_total",
                CAP,
                f"After {count} injections totalling {_mg(floor_tenth(total))} on "
                f"{episode.last_dosing_day}, a single dose is at most {_mg(cap)}.",
                key=key,
                cap_mg=cap,
            )
        else:
            key = f"{drug}.next_day_increase_fraction"
            cap = floor_tenth(largest * (ONE + self.numbers[key]))
            self.add(
                "next_day_increase",
                CAP,
                f"After {count} injection(s) on {episode.last_dosing_day} (largest "
                f"{_mg(floor_tenth(largest))}), a dose may rise by at most {self.numbers[key] * 100:.0f}%: "
                f"at most {_mg(cap)}.",
                key=key,
                cap_mg=cap,
            )

    def _missed_days(self, episode: Episode) -> None:
        key = "missed.reduce_after_days"
        if episode.missed_days < self.numbers[key]:
            return
        fraction = self.numbers["missed.reduced_dose_fraction"]
        largest = max(self._converted(item.dose_mg, item.drug) for item in episode.previous_day)
        cap = floor_tenth(largest * fraction)
        self.add(
            "missed_days",
            REVIEW,
            f"{episode.missed_days} days without a dose: at most {_mg(cap)} ({fraction * 100:.0f}% of the last "
            f"stable dose of {_mg(floor_tenth(largest))}), and a physician reviews first.",
            key=key,
            cap_mg=cap,
            also=("missed.reduced_dose_fraction",),
        )

    def _drug_switch(self, episode: Episode, last: Administration | None) -> None:
        if last is None or last.drug == self.request.drug:
            return
        low = self.numbers["conversion.hdm_to_dam_low"]
        high = self.numbers["conversion.hdm_to_dam_high"]
        day_total = sum(
            (item.dose_mg for item in episode.previous_day if item.drug == last.drug), ZERO
        )
        if last.drug == Drug.DAM:
            range_text = (
                f"{_mg(floor_tenth(day_total / high))}-{_mg(floor_tenth(day_total / low))} HDM"
            )
        else:
            range_text = (
                f"{_mg(floor_tenth(day_total * low))}-{_mg(floor_tenth(day_total * high))} DAM"
            )
        self.add(
            "drug_switch",
            REVIEW,
            f"Switching from {last.drug.upper()} to {self.request.drug.upper()}: the last day's "
            f"{_mg(day_total)} {last.drug.upper()} is about {range_text} a day "
            f"(HDM:DAM 1:{low}-{high}); the physician confirms the dose.",
            key="conversion.hdm_to_dam_high",
            also=("conversion.hdm_to_dam_low",),
        )

    def _advisories(self, episode: Episode, today_hat: list[Administration]) -> None:
        key = "vigilance.first_days"
        if self.treatment_day is not None and self.treatment_day <= self.numbers[key]:
            self.add(
                "first_days_vigilance",
                ADVISORY,
                f"Day {self.treatment_day} since the (re)start: overdoses cluster in the first "
                f"{self.numbers[key]} days; watch closely.",
                key=key,
            )
        advisory_key = "dam.iv_advisory_daily_mg"
        if (
            self.request.drug == Drug.DAM
            and self.request.route == Route.IV
            and self.protocol.has(advisory_key)
        ):
            iv_today = sum(
                (
                    item.dose_mg
                    for item in today_hat
                    if item.drug == Drug.DAM and item.route == Route.IV
                ),
                ZERO,
            )
            threshold = self.numbers[advisory_key]
            planned = self.request.dose_mg if self.request.dose_mg is not None else ZERO
            if iv_today + planned > threshold:
                self.add(
                    "iv_above_diminishing_benefit",
                    ADVISORY,
                    f"IV DAM today would reach {_mg(iv_today + planned)}; above {_mg(threshold)} a day "
                    "further IV doses add little benefit.",
                    key=advisory_key,
                )

    # --- oral and other orders ---------------------------------------------------------------

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
                f"Methadone today has reached {_mg(limit)}, the limit beside diacetylmorphine.",
                key=key,
            )
            return
        self.add(
            "methadone_beside_dam",
            CAP,
            f"Beside diacetylmorphine, methadone is at most {_mg(limit)} a day: at most {_mg(remaining)} more.",
            key=key,
            cap_mg=remaining,
        )

    # --- the pre-dose assessment -------------------------------------------------------------

    def _assessment(self) -> None:
        assessment = self.context.assessment
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

    def _refused_overrides(self) -> None:
        if not self.lifted:
            return
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
