"""The narcotics register of the demo clinic, as a page and as a PDF: time and SQL queries.

Prints, for the busiest product of the demo's Zurich clinic over a period (default: the last 31
days up to today), the median time of the register page and of its PDF over --repeat requests
through Django's request stack, and the queries each sends. The PDF is timed twice in one run: as
drawn now (openhat.pharmacy.register_pdf, fpdf2) and as it was before, the page's table laid out
by WeasyPrint with the print stylesheet (`--no-before` skips that slow part).

Run against the demo database (`openhat load_demo` first): python bench/pharmacy_register.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import UTC, datetime, timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openhat.settings")

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from openhat.clinics.middleware import SESSION_CLINIC_KEY  # noqa: E402
from openhat.clinics.models import Clinic, StaffMembership  # noqa: E402
from openhat.pharmacy import report_views  # noqa: E402
from openhat.pharmacy.models import LedgerEntry  # noqa: E402

STYLESHEET = "pharmacy/reports.css"
DOCUMENT = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"></head><body>'
    '{% include "pharmacy/reports/_register.html" %}</body></html>'
)


def weasyprint_register(register: object) -> bytes:
    """The register's PDF as it was made before: the page's table, laid out by WeasyPrint."""
    from django.contrib.staticfiles import finders
    from django.template import engines
    from weasyprint import CSS, HTML

    html = engines["django"].from_string(DOCUMENT).render({"register": register})
    stylesheet = finders.find(STYLESHEET)
    assert isinstance(stylesheet, str)
    with open(stylesheet, encoding="utf-8") as css:
        return HTML(string=html).write_pdf(stylesheets=[CSS(string=css.read())])


def measure(client: Client, url: str, repeat: int) -> tuple[float, int, int]:
    samples = []
    queries = 0
    size = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            samples.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured.captured_queries)
        size = len(response.content)
    return statistics.median(samples), queries, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clinic", default="ZRH")
    parser.add_argument("--days", type=int, default=31)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-before", action="store_true", help="skip the WeasyPrint timing")
    args = parser.parse_args()

    clinic = Clinic.objects.get(code=args.clinic)
    busiest = (
        LedgerEntry.objects.filter(clinic=clinic)
        .values("product_id")
        .annotate(entries=Count("pk"))
        .order_by("-entries")
        .first()
    )
    assert busiest is not None, "load the demo first: openhat load_demo"
    membership = (
        # A role with no second factor to sign in with, that may read the register.
        StaffMembership.objects.filter(clinic=clinic, role="pharmacy_technician", is_active=True)
        .select_related("user")
        .first()
    )
    assert membership is not None
    user: User = membership.user
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_CLINIC_KEY] = clinic.pk
    session.save()
    # Written out rather than core.clock.clinic_today, so the same script also runs against the
    # code before it (PYTHONPATH=<older checkout>/src; bench/README.md).
    until = datetime.now(UTC).astimezone(clinic.zone).date()
    since = until - timedelta(days=args.days - 1)
    query = f"?product={busiest['product_id']}&since={since}&until={until}"
    lines = LedgerEntry.objects.filter(
        clinic=clinic, product_id=busiest["product_id"], at__date__gte=since
    ).count()
    print(
        f"clinic {clinic.code}, product {busiest['product_id']}, {since} to {until}: ~{lines} lines"
    )
    client.get(f"/pharmacy/reports/register/{query}")  # warm up templates and fonts
    page = measure(client, f"/pharmacy/reports/register/{query}", args.repeat)
    pdf_url = f"/pharmacy/reports/register/pdf/{query}"
    pdf = measure(client, pdf_url, args.repeat)
    print(f"register page: {page[0]:.3f} s median, {page[1]} queries, {page[2]:,} bytes")
    print(f"register PDF (fpdf2): {pdf[0]:.3f} s median, {pdf[1]} queries, {pdf[2]:,} bytes")
    if not args.no_before:
        drawn = report_views.render_register_pdf
        report_views.render_register_pdf = weasyprint_register  # type: ignore[assignment]
        try:
            before = measure(client, pdf_url, 1)
        finally:
            report_views.render_register_pdf = drawn
        print(
            f"register PDF as before (WeasyPrint): {before[0]:.3f} s, {before[2]:,} bytes; "
            f"now {before[0] / pdf[0]:.1f}x faster"
        )
    print(f"load average: {os.getloadavg()[0]:.2f} (the machine is shared)")


if __name__ == "__main__":
    main()
