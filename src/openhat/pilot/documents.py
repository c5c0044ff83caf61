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
BRIEF_PAGES = 2
# Longer titles, limits or lists of sources can push the brief past two pages; it is then laid out
# again with smaller type (brief-print.css: body.compact, body.tight) rather than cut.
DENSITIES = ("", "compact", "tight")


def pdf_available() -> bool:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):  # the library, or the system's pango, is missing
        return False
    return True


def _stylesheet(fetcher: object) -> object:
    from weasyprint import CSS

    stylesheet = finders.find(PRINT_STYLESHEET)
    assert isinstance(stylesheet, str), PRINT_STYLESHEET
    return CSS(string=Path(stylesheet).read_text(encoding="utf-8"), url_fetcher=fetcher)


def render_pdf(
    html: str, *, most_pages: int | None = None, densities: tuple[str, ...] = ("",)
) -> bytes:
    """The PDF of `html`; with `most_pages`, the first density whose layout fits (else the last)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetch_only_data = URLFetcher(allowed_protocols=frozenset({"data"}))
    css = _stylesheet(fetch_only_data)
    document = None
    for density in densities:
        marked = html.replace('<body class="', f'<body class="{density} ', 1) if density else html
        document = HTML(string=marked, url_fetcher=fetch_only_data).render(stylesheets=[css])
        if most_pages is None or len(document.pages) <= most_pages:
            break
    assert document is not None
    return bytes(document.write_pdf())


def brief_pdf(request: HttpRequest | None, brief: Any) -> bytes:
    html = render_to_string("pilot/brief_document.html", {"brief": brief}, request=request)
    return render_pdf(html, most_pages=BRIEF_PAGES, densities=DENSITIES)


def attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
