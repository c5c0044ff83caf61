"""The only writer of the pilot planner's tables: saving a scenario.

A scenario is checked by the model's own `validate` first (a scenario that cannot be planned is not
worth a link), written once with an unguessable share key, and audited in the same transaction.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

from openhat import planner
from openhat.audit.codes import AuditCode
from openhat.audit.services import record_event
from openhat.core import ratelimit
from openhat.core.errors import DomainError, NotFound
from openhat.core.idempotency import once
from openhat.outcomes.models import PublicReport
from openhat.pilot import quote
from openhat.pilot.models import TITLE_MAX_LENGTH, Scenario, ScenarioOrigin


class InvalidInputs(DomainError):
    """The model refused the inputs: the first problem as code/message/field, and all of them."""

    status_code = 422

    def __init__(self, problems: list[Any]) -> None:
        first = problems[0]
        super().__init__(first.code, first.message, first.field)
        self.problems = problems

    def as_dict(self) -> dict[str, Any]:
        return {
            **super().as_dict(),
            "errors": [
                {"code": p.code, "message": p.message, "field": p.field} for p in self.problems
            ],
        }


def checked_inputs(inputs: planner.LocalInputs) -> planner.LocalInputs:
    problems = planner.validate(inputs)
    if problems:
        raise InvalidInputs(list(problems))
    return inputs


def clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise DomainError(
            "scenario_title_required", "Give the scenario a title, e.g. the city.", "title"
        )
    if len(title) > TITLE_MAX_LENGTH:
        raise DomainError(
            "scenario_title_too_long",
            f"A title has at most {TITLE_MAX_LENGTH} characters.",
            "title",
        )
    return title


SAVE_OPERATION = "pilot.save_scenario"


VISITOR_SAVES_WINDOW_SECONDS = 3600


def check_visitor_may_save(address: str | None) -> None:
    """A public planner's visitors save without an account: at most so many an hour from one
    address (counted in PostgreSQL, core.ratelimit), so a script cannot fill the table."""
    limit = settings.OPENHAT_PLANNER_VISITOR_SAVES_PER_HOUR
    key = f"planner-visitor-save:{address or 'unknown'}"
    counted = ratelimit.count([key], VISITOR_SAVES_WINDOW_SECONDS)[key]
    if counted.count > limit:
        minutes = max(1, counted.retry_after_seconds() // 60)
        raise DomainError(
            "scenario_saves_paused",
            f"Too many scenarios were saved from this address this hour; try again in about "
            f"{minutes} minutes, or sign in.",
            None,
        )


def save_scenario(
    *,
    actor: User | None,
    title: str,
    inputs: planner.LocalInputs,
    origin: ScenarioOrigin,
    quoted_report: PublicReport | None = None,
    idempotency_key: str | None = None,
) -> Scenario:
    """Save a scenario under a new share key. A signed-in caller may send an idempotency key (the
    API does): a retry with it returns the first scenario instead of a second link. A quoted
    report is one version of a clinic's frozen public report (pilot.quote)."""
    title = clean_title(title)
    checked_inputs(inputs)

    def write() -> Scenario:
        scenario = Scenario.objects.create(
            share_key=secrets.token_urlsafe(32),
            title=title,
            inputs=inputs.to_dict(),
            parameters_version=planner.PARAMETERS_VERSION,
            origin=origin,
            quoted_report=quoted_report,
            created_by=actor,
        )
        record_event(
            AuditCode.PLANNER_SCENARIO_SAVED,
            actor=actor,
            target=scenario,
            data={
                "title": title,
                "origin": str(origin),
                "parameters_version": scenario.parameters_version,
                "quoted_report": quoted_choice(scenario) or None,
            },
        )
        return scenario

    if actor is not None:
        return once(actor, idempotency_key, SAVE_OPERATION, Scenario, write)
    with transaction.atomic():
        return write()


def scenario_by_key(share_key: str) -> Scenario:
    scenario = Scenario.objects.filter(share_key=share_key).first()
    if scenario is None:
        raise NotFound("scenario_not_found", "No scenario has this link.")
    return scenario


def scenario_inputs(scenario: Scenario) -> planner.LocalInputs:
    return planner.LocalInputs.from_dict(scenario.inputs)


def quoted_choice(scenario: Scenario) -> str:
    """The quoted report as the form names it ("ZRH/2026-11/v1"), or "" when none is quoted."""
    report = scenario.quoted_report
    if report is None:
        return ""
    return quote.choice_value(report.clinic.code, report.period, report.version)
