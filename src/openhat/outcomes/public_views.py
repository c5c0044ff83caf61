"""The public report, served to anyone without signing in: the stored snapshot of a frozen
month (the latest version, or a named one) as a page and as a PDF, and the list of a clinic's
published months. Nothing here reads a record: only the stored report text
(outcomes.public_services.published). A month not frozen is a 404 page naming `report_not_frozen`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from openhat.core.errors import NotFound
from openhat.outcomes import public_services as services
from openhat.outcomes.public_present import present

PRINT_STYLESHEET = "outcomes/public-report.css"


def _public_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as error:
            return render(
                request,
                "outcomes/public/not_found.html",
                {
                    "error_code": error.code,
                    "message": error.message,
                    "clinic_code": kwargs.get("code"),
                    "period": kwargs.get("period"),
                },
                status=404,
            )

    return wrapper


@require_GET
@_public_errors
def index(request: HttpRequest, code: str) -> HttpResponse:
    clinic, periods = services.published_periods(code)
    return render(request, "outcomes/public/index.html", {"clinic": clinic, "periods": periods})


def _context(found: services.Published) -> dict[str, Any]:
    return {
        **present(found.content),
        "report": found.report,
        "versions": found.versions,
        "latest": found.report.version == found.versions[-1],
    }


@require_GET
@_public_errors
def report(
    request: HttpRequest, code: str, period: str, version: int | None = None
) -> HttpResponse:
    found = services.published(code, period, version)
    return render(request, "outcomes/public/report.html", _context(found))


@require_GET
@_public_errors
def report_pdf(
    request: HttpRequest, code: str, period: str, version: int | None = None
) -> HttpResponse:
    found = services.published(code, period, version)
    html = render_to_string("outcomes/public/report_document.html", _context(found))
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    name = f"openhat-{code}-{period}-v{found.report.version}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


def render_pdf(html: str) -> bytes:
    """WeasyPrint, fetching nothing: the stylesheet is handed over as text and the plot is inline."""
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    fetch_only_data = URLFetcher(allowed_protocols=frozenset({"data"}))
    stylesheet = finders.find(PRINT_STYLESHEET)
    assert isinstance(stylesheet, str), PRINT_STYLESHEET
    css = CSS(string=Path(stylesheet).read_text(encoding="utf-8"), url_fetcher=fetch_only_data)
    document = HTML(string=html, url_fetcher=fetch_only_data).render(stylesheets=[css])
    return bytes(document.write_pdf())
