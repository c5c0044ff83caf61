"""The pilot planner over JSON: save a scenario under a link, read it back as the document a
scenario file holds, and read the model's result for it.

Registered in openhat/api.py under /api/planner. Like the pages it asks for no clinical role: any
signed-in user or API token may call it (OPENHAT_PLANNER_PUBLIC opens the pages, not the API).
Refused inputs answer 422 with the first problem as code/message/field and all of them in
`errors`, the model's codes unchanged; nothing is computed or saved.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Header, Router, Status

from openhat import planner
from openhat.clinics.api import caller
from openhat.core.errors import DomainError
from openhat.core.idempotency import IDEMPOTENCY_HELP, key_from_header
from openhat.outcomes.models import PublicReport
from openhat.patients.schemas import ErrorOut
from openhat.pilot import quote, scenario_json, services
from openhat.pilot.brief import DRAWS, SEED, planned
from openhat.pilot.inputs_data import local_inputs_from
from openhat.pilot.models import Scenario, ScenarioOrigin
from openhat.pilot.schemas import (
    InputsIn,
    PlannerErrorOut,
    PlanOut,
    ScenarioDocumentOut,
    ScenarioIn,
    ScenarioOut,
)

router = Router(tags=["planner"])
ERRORS: dict[int, Any] = {400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: PlannerErrorOut}
KEY = Header(default=None, alias="Idempotency-Key")
SHARE_KEY = "/scenarios/{share_key}"


def _inputs(payload: InputsIn) -> planner.LocalInputs:
    try:
        inputs = local_inputs_from(payload.inputs)
    except DomainError as error:
        raise services.InvalidInputs([error]) from None
    return services.checked_inputs(inputs)


@router.get("/example", response={200: dict[str, Any]}, summary="The worked example's inputs")
def example(request: HttpRequest) -> dict[str, Any]:
    return planner.LocalInputs.example_us_city().to_dict()


@router.get(
    f"{SHARE_KEY}/plan",
    response={200: PlanOut, **ERRORS},
    summary=f"The model's result for a saved scenario ({DRAWS} draws, seed {SEED}: the same "
    "numbers as its page and PDF)",
)
def pilot_plan(request: HttpRequest, share_key: str) -> Any:
    scenario = services.scenario_by_key(share_key)
    inputs = services.scenario_inputs(scenario)
    result = planned(inputs)
    own = {"tornado", "quoted_report"}
    found = scenario.quoted_report
    return {
        **{name: getattr(result, name) for name in PlanOut.model_fields if name not in own},
        "tornado": result.tornado,
        "quoted_report": None
        if found is None
        else _quote_out(quote.quote(found, inputs, request.build_absolute_uri("/").rstrip("/"))),
    }


def _quote_out(found: quote.Quote) -> dict[str, Any]:
    return {**asdict(found), "source": found.source}


def _quoted(payload: ScenarioIn) -> PublicReport | None:
    given = payload.quoted_report
    if given is None:
        return None
    return quote.report_for(quote.choice_value(given.clinic, given.period, given.version))


def _scenario_out(scenario: Scenario) -> dict[str, Any]:
    key = {"share_key": scenario.share_key}
    return {
        "share_key": scenario.share_key,
        "title": scenario.title,
        "parameters_version": scenario.parameters_version,
        "created_at": scenario.created_at,
        "page": reverse("pilot:scenario", kwargs=key),
        "pdf": reverse("pilot:scenario_pdf", kwargs=key),
        "json_file": reverse("pilot:scenario_export", kwargs=key),
        "plan": reverse("api:pilot_plan", kwargs=key),
    }


@router.post(
    "/scenarios",
    response={201: ScenarioOut, **ERRORS},
    summary="Save a scenario under an unguessable link (its page, PDF and JSON file)",
    description=IDEMPOTENCY_HELP,
)
def save(request: HttpRequest, payload: ScenarioIn, idempotency_key: str | None = KEY) -> Any:
    scenario = services.save_scenario(
        actor=caller(request),
        title=payload.title,
        inputs=_inputs(payload),
        origin=ScenarioOrigin.API,
        quoted_report=_quoted(payload),
        idempotency_key=key_from_header(idempotency_key),
    )
    return Status(201, _scenario_out(scenario))


@router.get(
    SHARE_KEY,
    response={200: ScenarioDocumentOut, **ERRORS},
    summary="A saved scenario as the document a scenario file holds",
)
def read(request: HttpRequest, share_key: str) -> Any:
    scenario = services.scenario_by_key(share_key)
    return scenario_json.document(
        scenario.title,
        services.scenario_inputs(scenario),
        scenario.parameters_version,
        scenario.quoted_report,
    )
