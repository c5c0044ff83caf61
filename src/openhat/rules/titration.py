"""Rules for supervised HAT doses (DAM, HDM): sessions, titration, next-day caps, missed days,
a switch of drug, and the advisories (docs/domain.md §5)."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from openhat.rules.context import (
    INJECTABLE_ROUTES,
    Administration,
    Drug,
    Order,
    Route,
)
from openhat.rules.deciding import (
    ADVISORY,
    CAP,
    HOLD,
    NOT_DUE,
    ONE,
    REVIEW,
    TENTH,
    ZERO,
    DecisionBuilder,
    floor_tenth,
    mg_text,
)
from openhat.rules.missed import Episode, find_episode


class HatRules(DecisionBuilder):
    __slots__ = ()

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
                self._top_up_checks(today_hat)
        else:
            self._session_count(order, len(sessions_today), "sessions.max_per_day")
            if last is not None:
                self._observation_signed_off(last)
                self._session_interval(last)

        self._hat_daily_total(order)
        self._order_cap(order)
        single_key = f"{drug}.single_dose_max_mg"
        if self.protocol.has(single_key):
            single = self.numbers[single_key]
            self.add(
                "single_dose_max",
                CAP,
                f"The protocol's single-dose maximum for {drug.upper()}: at most {mg_text(single)} "
                "in one dose, whatever the order.",
                key=single_key,
                cap_mg=single,
                overridable=False,
            )
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

    def _top_up_checks(self, today_hat: list[Administration]) -> None:
        """A top-up follows a dose of this session that was assessed after it and showed no
        signs of intoxication (S19), and no more top-ups than the protocol allows (S15)."""
        drug = self.request.drug
        previous = today_hat[-1]
        in_session = sum(1 for item in today_hat if item.session_id == previous.session_id)
        key = f"{drug}.top_ups_per_session_max"
        allowed = self.protocol.whole.get(key, 0)
        if in_session - 1 >= allowed:
            self.add(
                "top_ups_per_session",
                NOT_DUE,
                f"This session already holds {in_session} dose(s): the protocol allows "
                f"{allowed} top-up(s) of {drug.upper()} in one session. A further dose is a new "
                "session.",
                key=key if self.protocol.has(key) else None,
                overridable=False,
            )
        when = previous.at.astimezone(self.context.zone)
        score = previous.post_dose_sedation_score
        if score is None:
            self.add(
                "top_up_needs_assessment",
                NOT_DUE,
                f"The dose at {when:%H:%M} has no post-dose assessment yet: a top-up only after "
                "it, and only without signs of intoxication.",
                overridable=False,
            )
        elif score >= self.numbers["sedation.reduce_at_score"]:
            self.add(
                "top_up_after_intoxication",
                HOLD,
                f"The post-dose assessment of the dose at {when:%H:%M} scored sedation {score}: "
                "signs of intoxication, so no top-up.",
                key="sedation.reduce_at_score",
                overridable=False,
            )

    def _session_count(self, order: Order, done: int, key: str) -> None:
        protocol_limit = self.protocol.whole[key]
        limit = min(order.sessions_per_day, protocol_limit)
        if done < limit:
            return
        if order.sessions_per_day < protocol_limit:
            self.add(
                "sessions_per_day",
                NOT_DUE,
                f"All {limit} session(s) of the order are done today: the order allows "
                f"{order.sessions_per_day} a day (the protocol would allow {protocol_limit}).",
                overridable=False,
            )
            return
        self.add(
            "sessions_per_day",
            NOT_DUE,
            f"All {limit} session(s) allowed today are done: the protocol allows "
            f"{protocol_limit} a day (the order {order.sessions_per_day}).",
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
                    f"First tablet dose on a titration day: at most {mg_text(cap)}.",
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
            # Not lifted by an override unless the protocol marks it liftable (issue 12, item 4).
            liftable = self.protocol.whole.get(f"{drug}.first_dose_cap_liftable", 0) == 1
            self.add(
                "titration_first_dose",
                CAP,
                f"First dose of titration: at most {mg_text(cap)}.",
                key=key,
                cap_mg=cap,
                overridable=liftable,
            )
            return
        previous = today_hat[-1]
        if request.top_up:
            key = f"{drug}.top_up_max_mg"
            cap = self.numbers[key]
            self.add(
                "titration_top_up",
                CAP,
                f"Titration top-up if the last dose was tolerated: at most {mg_text(cap)}.",
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
                f"Titration day: single doses at most {mg_text(cap)}.",
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

    def _hat_daily_total(self, order: Order) -> None:
        """Every HAT dose given today counts against the daily maximum, the other drug's in mg of
        the requested drug at the cautious end of the potency range (counted as more)."""
        drug = self.request.drug
        totals = self.context.history.hat_sums_on(self.today).total_mg
        given = totals.get(drug, ZERO)
        counted: list[str] = []
        for other, amount in sorted(totals.items()):
            if other == drug:
                continue
            if drug == Drug.DAM:
                ratio = self.numbers["conversion.hdm_to_dam_high"]
                converted = amount * ratio
                how = f"1 mg HDM as {ratio} mg DAM"
            else:
                ratio = self.numbers["conversion.hdm_to_dam_low"]
                converted = amount / ratio
                how = f"{ratio} mg DAM as 1 mg HDM"
            given += converted
            counted.append(
                f"{mg_text(amount)} {other.upper()} given today counts as "
                f"{mg_text(floor_tenth(converted))} {drug.upper()} ({how}, the cautious end of "
                "the potency range)"
            )
        # Rounded up: the cautious reading counts a converted amount as more, never less.
        counted_total = given.quantize(TENTH, ROUND_CEILING) if counted else given
        self._daily_total(order, counted_total, "; ".join(counted))

    def _start_text(self, episode: Episode) -> str:
        """What the day count counts from, in words that a replay from the snapshot (which keeps
        only the look-back window) reproduces: the (re)start's date, or today's restart."""
        if episode.restarting:
            return f"the restart today after {episode.missed_days} days without a dose"
        return f"the (re)start on {episode.started_on}"

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
                f"After {count} injections totalling {mg_text(floor_tenth(total))} on "
                f"{episode.last_dosing_day}, a single dose is at most {mg_text(cap)}.",
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
                f"{mg_text(floor_tenth(largest))}), a dose may rise by at most {self.numbers[key] * 100:.0f}%: "
                f"at most {mg_text(cap)}.",
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
            f"{episode.missed_days} days without a dose: at most {mg_text(cap)} ({fraction * 100:.0f}% of the last "
            f"stable dose of {mg_text(floor_tenth(largest))}), and a physician reviews first.",
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
            range_text = f"{mg_text(floor_tenth(day_total / high))}-{mg_text(floor_tenth(day_total / low))} HDM"
        else:
            range_text = f"{mg_text(floor_tenth(day_total * low))}-{mg_text(floor_tenth(day_total * high))} DAM"
        self.add(
            "drug_switch",
            REVIEW,
            f"Switching from {last.drug.upper()} to {self.request.drug.upper()}: the last day's "
            f"{mg_text(day_total)} {last.drug.upper()} is about {range_text} a day "
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
                f"Day {self.treatment_day} since {self._start_text(episode)}: overdoses cluster "
                f"in the first {self.numbers[key]} days; watch closely.",
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
                    f"IV DAM today would reach {mg_text(iv_today + planned)}; above {mg_text(threshold)} a day "
                    "further IV doses add little benefit.",
                    key=advisory_key,
                )
