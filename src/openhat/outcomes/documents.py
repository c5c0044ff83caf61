"""The outcomes report as an A4 PDF (WeasyPrint), and downloads.

As for the pilot planner's brief (pilot/documents.py): nothing is fetched while rendering; the
stylesheet is handed over as text, the plots are data: URLs, and the fetcher allows that protocol
only, so the PDF cannot reach out to any URL.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpResponse

PRINT_STYLESHEET = "outcomes/report-print.css"


def report_pdf(html: str) -> bytes:
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    fetch_only_data = URLFetcher(allowed_protocols=frozenset({"data"}))
    stylesheet = finders.find(PRINT_STYLESHEET)
    assert isinstance(stylesheet, str), PRINT_STYLESHEET
    css = CSS(string=Path(stylesheet).read_text(encoding="utf-8"), url_fetcher=fetch_only_data)
    document = HTML(string=html, url_fetcher=fetch_only_data).render(stylesheets=[css])
    return bytes(document.write_pdf())


def attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
