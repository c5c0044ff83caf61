"""Pages of the pharmacy's registers and reports (read-only): HTML to read and print, CSV, PDF.

Each view checks VIEW_STOCK in the clinic being worked in, parses the query through
`openhat.pharmacy.reports` (so a page refuses exactly what the API refuses), and renders. A query
a person got wrong shows the page again with the message and status 400; another clinic's product
is not found (404).

The register's PDF is drawn by `openhat.pharmacy.register_pdf` (fpdf2, with Debian's DejaVu
fonts, which `make test` and `make demo` install when missing): the same columns as the printed
page, fetching nothing, in a fraction of the time an HTML layout took (bench/pharmacy_register.py).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from openhat.clinics.models import Clinic
from openhat.clinics.roles import Capability
from openhat.clinics.view_helpers import domain_errors_as_pages, working_membership
from openhat.core.clock import clinic_today
from openhat.core.errors import DomainError, NotFound, PermissionDenied
from openhat.pharmacy import reports
from openhat.pharmacy.jurisdictions import record_keeping
from openhat.pharmacy.models import Product
from openhat.pharmacy.register_pdf import fonts_available as register_pdf_fonts_available
from openhat.pharmacy.register_pdf import register_pdf as render_register_pdf

CSV_TYPE = "text/csv; charset=utf-8"

View = Callable[..., HttpResponse]


def report_page(view: View) -> View:
    """Signed in, GET only, VIEW_STOCK in the working clinic; access errors as the 403/404 page."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        working_membership(request, Capability.VIEW_STOCK)
        return view(request, *args, **kwargs)

    return login_required(require_GET(domain_errors_as_pages(wrapper)))


def _clinic(request: HttpRequest) -> Clinic:
    clinic = getattr(request, "clinic", None)
    assert clinic is not None  # working_membership in report_page refused otherwise
    return clinic


def _who(request: HttpRequest) -> str:
    return request.user.get_username()


def _products(clinic: Clinic) -> list[Product]:
    return list(Product.objects.filter(clinic=clinic).order_by("code"))


def _attachment(content: str | bytes, content_type: str, filename: str) -> HttpResponse:
    if isinstance(content, str):
        # A byte-order mark lets spreadsheet programs read the UTF-8 (ä, µ) correctly.
        content = "\ufeff" + content
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _refused(
    request: HttpRequest, template: str, context: dict[str, Any], error: DomainError
) -> HttpResponse:
    """The page again with the message: 404 for what does not exist, else 400."""
    if isinstance(error, (NotFound, PermissionDenied)):
        raise error
    return render(request, template, {**context, "error": error}, status=error.status_code)


@report_page
def index(request: HttpRequest) -> HttpResponse:
    clinic = _clinic(request)
    return render(
        request,
        "pharmacy/reports/index.html",
        {
            "products": _products(clinic),
            "today": clinic_today(clinic),
            "this_year": clinic_today(clinic).year,
        },
    )


# --- the narcotics register ---------------------------------------------------------------------


def _register(request: HttpRequest) -> reports.Register:
    clinic = _clinic(request)
    product = reports.report_product(clinic, request.GET.get("product"))
    period = reports.parse_period(clinic, request.GET.get("since"), request.GET.get("until"))
    return reports.narcotics_register(clinic, product, period, generated_by=_who(request))


def _register_form(request: HttpRequest) -> dict[str, Any]:
    return {
        "products": _products(_clinic(request)),
        "chosen_product": request.GET.get("product", ""),
        "since": request.GET.get("since", ""),
        "until": request.GET.get("until", ""),
    }


def _register_name(register: reports.Register, extension: str) -> str:
    period = register.period
    return (
        f"register-{register.clinic.code}-{register.product.code}-"
        f"{period.since:%Y-%m-%d}-{period.until:%Y-%m-%d}.{extension}"
    )


@report_page
def register(request: HttpRequest) -> HttpResponse:
    template = "pharmacy/reports/register.html"
    context = _register_form(request)
    if "product" not in request.GET:
        return render(request, template, context)
    try:
        found = _register(request)
    except DomainError as error:
        return _refused(request, template, context, error)
    return render(
        request,
        template,
        {
            **context,
            "register": found,
            "query": request.GET.urlencode(),
            "pdf": register_pdf_fonts_available(),
        },
    )


@report_page
def register_csv(request: HttpRequest) -> HttpResponse:
    try:
        found = _register(request)
    except DomainError as error:
        return _refused(request, "pharmacy/reports/register.html", _register_form(request), error)
    return _attachment(reports.register_csv(found), CSV_TYPE, _register_name(found, "csv"))


@report_page
def register_pdf(request: HttpRequest) -> HttpResponse:
    try:
        found = _register(request)
    except DomainError as error:
        return _refused(request, "pharmacy/reports/register.html", _register_form(request), error)
    if not register_pdf_fonts_available():
        return render(
            request,
            "core/error.html",
            {"status": 501, "message": "PDF output is not installed here; print the page."},
            status=501,
        )
    return _attachment(render_register_pdf(found), "application/pdf", _register_name(found, "pdf"))


# --- monthly consumption ------------------------------------------------------------------------


def _consumption(request: HttpRequest) -> reports.Consumption:
    clinic = _clinic(request)
    months = reports.parse_months(
        clinic, request.GET.get("year"), request.GET.get("since"), request.GET.get("until")
    )
    return reports.monthly_consumption(clinic, months, generated_by=_who(request))


def _consumption_form(request: HttpRequest) -> dict[str, Any]:
    return {
        "year": request.GET.get("year", ""),
        "since": request.GET.get("since", ""),
        "until": request.GET.get("until", ""),
    }


@report_page
def consumption(request: HttpRequest) -> HttpResponse:
    template = "pharmacy/reports/consumption.html"
    context = _consumption_form(request)
    try:
        found = _consumption(request)
    except DomainError as error:
        return _refused(request, template, context, error)
    return render(
        request, template, {**context, "consumption": found, "query": request.GET.urlencode()}
    )


@report_page
def consumption_csv(request: HttpRequest) -> HttpResponse:
    try:
        found = _consumption(request)
    except DomainError as error:
        return _refused(
            request, "pharmacy/reports/consumption.html", _consumption_form(request), error
        )
    months = found.months
    name = f"consumption-{found.clinic.code}-{months.first:%Y-%m}-{months.last:%Y-%m}.csv"
    return _attachment(reports.consumption_csv(found), CSV_TYPE, name)


# --- Inventory and losses (the US research pilot's, and every clinic's) ----------------------------------------------------


def _inventory(request: HttpRequest) -> reports.Inventory:
    clinic = _clinic(request)
    day = reports.parse_on_date(clinic, request.GET.get("on"))
    return reports.inventory_on(clinic, day, generated_by=_who(request))


def _inventory_form(request: HttpRequest) -> dict[str, Any]:
    return {
        "on": request.GET.get("on", ""),
        "keeping": record_keeping(_clinic(request).jurisdiction_preset),
    }


@report_page
def inventory(request: HttpRequest) -> HttpResponse:
    template = "pharmacy/reports/inventory.html"
    context = _inventory_form(request)
    try:
        found = _inventory(request)
    except DomainError as error:
        return _refused(request, template, context, error)
    return render(
        request, template, {**context, "inventory": found, "query": request.GET.urlencode()}
    )


@report_page
def inventory_csv(request: HttpRequest) -> HttpResponse:
    try:
        found = _inventory(request)
    except DomainError as error:
        return _refused(request, "pharmacy/reports/inventory.html", _inventory_form(request), error)
    name = f"inventory-{found.clinic.code}-{found.on:%Y-%m-%d}.csv"
    return _attachment(reports.inventory_csv(found), CSV_TYPE, name)


def _losses(request: HttpRequest) -> reports.LossReport:
    clinic = _clinic(request)
    period = reports.parse_open_period(clinic, request.GET.get("since"), request.GET.get("until"))
    return reports.loss_records(clinic, period, generated_by=_who(request))


def _losses_form(request: HttpRequest) -> dict[str, Any]:
    return {
        "since": request.GET.get("since", ""),
        "until": request.GET.get("until", ""),
        "keeping": record_keeping(_clinic(request).jurisdiction_preset),
    }


@report_page
def losses(request: HttpRequest) -> HttpResponse:
    template = "pharmacy/reports/losses.html"
    context = _losses_form(request)
    try:
        found = _losses(request)
    except DomainError as error:
        return _refused(request, template, context, error)
    return render(request, template, {**context, "report": found, "query": request.GET.urlencode()})


@report_page
def losses_csv(request: HttpRequest) -> HttpResponse:
    try:
        found = _losses(request)
    except DomainError as error:
        return _refused(request, "pharmacy/reports/losses.html", _losses_form(request), error)
    period = found.period
    span = f"{period.since:%Y-%m-%d}-{period.until:%Y-%m-%d}" if period else "all"
    name = f"loss-records-{found.clinic.code}-{span}.csv"
    return _attachment(reports.losses_csv(found), CSV_TYPE, name)
