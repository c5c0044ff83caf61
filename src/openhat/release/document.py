"""A release as a readable A4 PDF (WeasyPrint): the notice against redisclosure first, then what
was sent, section by section, read back from the package (release.readable). Nothing is fetched
while rendering: the stylesheet is in the template and the fetcher allows data: URLs only."""

from __future__ import annotations

from django.template.loader import render_to_string

from openhat.release import notice
from openhat.release.models import InformationRelease
from openhat.release.readable import readable


def release_pdf(release: InformationRelease) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_to_string(
        "release/document.html",
        {
            "release": release,
            "patient": release.patient,
            "sections": readable(release.package)[1:],
            "notice": notice,
        },
    )
    fetch_only_data = URLFetcher(allowed_protocols=frozenset({"data"}))
    return bytes(HTML(string=html, url_fetcher=fetch_only_data).write_pdf())
