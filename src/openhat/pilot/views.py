"""The planner's pages under /planner/: the form, the brief (page and PDF), saved scenarios.

No page here reads anything about a patient, and none asks for a clinical role (pilot.access). The
form posts to itself; its buttons say what to do with valid inputs: show the brief, save it under
a link, download the brief as PDF or the scenario as JSON. Invalid inputs show the form again with
each of the model's refusals beside its field, and nothing is computed.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from openhat import planner
from openhat.audit.context import current_origin
from openhat.core.errors import DomainError, NotFound
from openhat.pilot import scenario_json, services
from openhat.pilot.access import acting_user, planner_is_public, planner_page
from openhat.pilot.brief import build_brief
from openhat.pilot.documents import attachment, brief_pdf, pdf_available
from openhat.pilot.forms import PlannerForm, initial_values
from openhat.pilot.models import Scenario, ScenarioOrigin
from openhat.pilot.quote import FIELD as QUOTE_FIELD

ACTIONS = ("show", "save", "pdf", "json", "edit")
MY_SCENARIOS_SHOWN = 20


def _form_page(
    request: HttpRequest, form: PlannerForm, status: int = 200, **extra: Any
) -> HttpResponse:
    user = acting_user(request)
    mine = (
        list(Scenario.objects.filter(created_by=user)[:MY_SCENARIOS_SHOWN])
        if user is not None
        else []
    )
    context = {"form": form, "mine": mine, "public": planner_is_public(), **extra}
    return render(request, "pilot/start.html", context, status=status)


def _origin(request: HttpRequest) -> ScenarioOrigin:
    return ScenarioOrigin.JSON if request.POST.get("origin") == "json" else ScenarioOrigin.FORM


def _file_name(title: str, extension: str) -> str:
    safe = "".join(c if c.isalnum() else "-" for c in title.lower()).strip("-")
    while "--" in safe:
        safe = safe.replace("--", "-")
    return f"planner-{safe[:60] or 'scenario'}.{extension}"


@require_http_methods(["GET", "HEAD", "POST"])
@planner_page
def start(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        source = request.GET.get("from")
        if source:
            try:
                scenario = _scenario(source)
            except NotFound as error:
                return _not_found(request, error)
            inputs = services.scenario_inputs(scenario)
            initial = {
                **initial_values(inputs),
                "scenario_title": scenario.title,
                QUOTE_FIELD: services.quoted_choice(scenario),
            }
        else:
            initial = initial_values(planner.LocalInputs.example_us_city())
        return _form_page(request, PlannerForm(initial=initial))
    form = PlannerForm(request.POST)
    action = request.POST.get("action", "show")
    if action not in ACTIONS:
        action = "show"
    if not form.is_valid() or form.local_inputs is None or action == "edit":
        if action == "edit":
            form = PlannerForm(initial=request.POST.dict())
            return _form_page(request, form, origin=_origin(request))
        return _form_page(request, form, status=400, origin=_origin(request))
    inputs = form.local_inputs
    title = " ".join(form.cleaned_data.get("scenario_title", "").split()) or _default_title(inputs)
    if action == "save":
        try:
            if acting_user(request) is None:
                services.check_visitor_may_save(current_origin().ip)
            scenario = services.save_scenario(
                actor=acting_user(request),
                title=title,
                inputs=inputs,
                origin=_origin(request),
                quoted_report=form.quoted_report,
            )
        except DomainError as error:
            form.note_problem(error.field or "", error.code, error.message)
            status = 429 if error.code == "scenario_saves_paused" else 400
            return _form_page(request, form, status=status)
        return redirect("pilot:scenario", share_key=scenario.share_key)
    if action == "json":
        text = scenario_json.dumps(title, inputs, planner.PARAMETERS_VERSION, form.quoted_report)
        return attachment(text.encode(), "application/json", _file_name(title, "json"))
    brief = build_brief(title, inputs, form.quoted_report, _site(request))
    if action == "pdf":
        return _pdf_response(request, brief, title)
    return render(
        request,
        "pilot/result.html",
        {"brief": brief, "form": form, "hidden": request.POST, "pdf": pdf_available()},
    )


def _site(request: HttpRequest) -> str:
    """This installation's address (scheme and host), for the quoted report's whole address."""
    return request.build_absolute_uri("/").rstrip("/")


def _default_title(inputs: planner.LocalInputs) -> str:
    place = str(getattr(inputs, "place", "") or "").strip()
    return place or "Unnamed scenario"


def _scenario(share_key: str) -> Scenario:
    return services.scenario_by_key(share_key)


def _not_found(request: HttpRequest, error: NotFound) -> HttpResponse:
    return render(request, "core/error.html", {"status": 404, "message": error.message}, status=404)


def _pdf_response(request: HttpRequest, brief: Any, title: str) -> HttpResponse:
    if not pdf_available():
        return render(
            request,
            "core/error.html",
            {"status": 501, "message": "PDF output is not installed here; print the page."},
            status=501,
        )
    return attachment(brief_pdf(request, brief), "application/pdf", _file_name(title, "pdf"))


def _shared(view: Any) -> Any:
    """A saved scenario by its link's key; an unknown key is the 404 page."""

    @require_safe
    @planner_page
    def wrapper(request: HttpRequest, share_key: str) -> HttpResponse:
        try:
            scenario = _scenario(share_key)
        except NotFound as error:
            return _not_found(request, error)
        return view(request, scenario)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@_shared
def scenario(request: HttpRequest, scenario: Scenario) -> HttpResponse:
    inputs = services.scenario_inputs(scenario)
    brief = build_brief(scenario.title, inputs, scenario.quoted_report, _site(request))
    return render(
        request,
        "pilot/result.html",
        {
            "brief": brief,
            "scenario": scenario,
            "pdf": pdf_available(),
            "outdated": scenario.parameters_version != planner.PARAMETERS_VERSION,
            "share_url": request.build_absolute_uri(),
            "public": planner_is_public(),
        },
    )


@_shared
def scenario_pdf(request: HttpRequest, scenario: Scenario) -> HttpResponse:
    brief = build_brief(
        scenario.title,
        services.scenario_inputs(scenario),
        scenario.quoted_report,
        _site(request),
    )
    return _pdf_response(request, brief, scenario.title)


@_shared
def scenario_export(request: HttpRequest, scenario: Scenario) -> HttpResponse:
    text = scenario_json.dumps(
        scenario.title,
        services.scenario_inputs(scenario),
        scenario.parameters_version,
        scenario.quoted_report,
    )
    return attachment(text.encode(), "application/json", _file_name(scenario.title, "json"))


@require_http_methods(["GET", "HEAD", "POST"])
@planner_page
def load(request: HttpRequest) -> HttpResponse:
    """A scenario file, uploaded or pasted, back into the form (checked, not yet saved)."""
    if request.method != "POST":
        return render(request, "pilot/load.html", {})
    upload = request.FILES.get("file")
    raw: str | bytes = (
        upload.read(scenario_json.MAX_BYTES + 1) if upload else request.POST.get("text", "")
    )
    try:
        loaded = scenario_json.load(raw)
    except DomainError as error:
        return render(
            request,
            "pilot/load.html",
            {"error": error, "text": request.POST.get("text", "")},
            status=400,
        )
    form = PlannerForm(
        data={
            **initial_values(loaded.inputs),
            "scenario_title": loaded.title,
            QUOTE_FIELD: loaded.quoted_choice,
        }
    )
    form.is_valid()  # the model's refusals, if any, are shown beside their fields
    scenario_json.check_quoted_sha256(form, loaded)
    return _form_page(
        request,
        form,
        status=200,
        origin="json",
        loaded=loaded,
        outdated=bool(loaded.parameters_version)
        and loaded.parameters_version != planner.PARAMETERS_VERSION,
    )
