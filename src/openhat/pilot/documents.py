"""The brief as a two-page A4 PDF, and downloads.

WeasyPrint renders the same brief the page shows (pilot/_brief.html), with the brief's own print
stylesheet. As for the pharmacy's register, nothing is fetched while rendering: the stylesheet is
handed over as text, the plots are data: URLs, and the fetcher allows that protocol only, so the
PDF cannot reach out to any URL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

PRINT_STYLESHEET = "pilot/brief-print.css"


def pdf_available() -> bool:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):  # the library, or the system's pango, is missing
        return False
    return True


def render_pdf(html: str) -> bytes:
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    fetch_only_data = URLFetcher(allowed_protocols=frozenset({"data"}))
    stylesheet = finders.find(PRINT_STYLESHEET)
    assert isinstance(stylesheet, str), PRINT_STYLESHEET
    css = CSS(string=Path(stylesheet).read_text(encoding="utf-8"), url_fetcher=fetch_only_data)
    return HTML(string=html, url_fetcher=fetch_only_data).write_pdf(stylesheets=[css])


def brief_pdf(request: HttpRequest, brief: Any) -> bytes:
    html = render_to_string("pilot/brief_document.html", {"brief": brief}, request=request)
    return render_pdf(html)


def attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
