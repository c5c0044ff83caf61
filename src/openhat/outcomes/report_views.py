"""The clinic's outcomes report: the page, a CSV per table, and the whole report as a PDF.

Managers, physicians and auditors (Capability.VIEW_OUTCOMES) see every figure; a researcher
(Capability.VIEW_AGGREGATES) sees the same report with every count through small-cell suppression
and no per-patient detail (outcomes.cells). The report is aggregate only: it names no patient and
shows no client code, date of birth or free text, so no record access is logged.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from openhat.clinics.models import Clinic
from openhat.clinics.roles import Capability
from openhat.clinics.view_helpers import domain_errors_as_pages, working_membership
from openhat.core.clock import clinic_today
from openhat.core.errors import DomainError, NotFound
from openhat.outcomes.cells import Cells
from openhat.outcomes.cohort import episodes
from openhat.outcomes.documents import attachment, report_pdf
from openhat.outcomes.period import (
    Cohort,
    CohortDrug,
    Period,
    default_period,
    parse_cohort,
    parse_period,
)
from openhat.outcomes.plots import report_plots
from openhat.outcomes.report import OutcomesReport, outcomes_report
from openhat.outcomes.tables import Table, report_tables


@dataclass(frozen=True)
class Reader:
    clinic: Clinic
    aggregated: bool

    @property
    def cells(self) -> Cells:
        return Cells(self.aggregated, settings.OPENHAT_SMALL_CELL_MINIMUM)


def _working_reader(request: HttpRequest) -> Reader:
    """VIEW_OUTCOMES, or else VIEW_AGGREGATES (aggregated); anyone else is refused."""
    try:
        membership = working_membership(request, Capability.VIEW_OUTCOMES)
        return Reader(membership.clinic, aggregated=False)
    except DomainError:
        membership = working_membership(request, Capability.VIEW_AGGREGATES)
        return Reader(membership.clinic, aggregated=True)


def _query(request: HttpRequest, clinic: Clinic) -> tuple[Period, Cohort, dict[str, str]]:
    """The period and cohort asked for (the clinic's whole history when nothing is asked)."""
    today = clinic_today(clinic)
    values = {name: request.GET.get(name, "") for name in ("first", "last", "start_year", "drug")}
    if not values["first"] and not values["last"]:
        earliest = min((e.start for e in episodes(clinic)), default=None)
        period = default_period(today, earliest)
        values.update(first=period.first.isoformat(), last=period.last.isoformat())
    period = parse_period(values["first"], values["last"], today)
    return period, parse_cohort(values["start_year"], values["drug"], today), values


def _context(reader: Reader, values: dict[str, str]) -> dict[str, object]:
    return {
        "clinic": reader.clinic,
        "aggregated": reader.aggregated,
        "minimum": settings.OPENHAT_SMALL_CELL_MINIMUM,
        "values": values,
        "drugs": list(CohortDrug.LABELS.items()),
    }


def _report(reader: Reader, period: Period, cohort: Cohort) -> tuple[OutcomesReport, list[Table]]:
    report = outcomes_report(reader.clinic, period, cohort)
    return report, report_tables(report, reader.cells)


@login_required
@require_GET
@domain_errors_as_pages
def report_page(request: HttpRequest) -> HttpResponse:
    reader = _working_reader(request)
    values = {name: request.GET.get(name, "") for name in ("first", "last", "start_year", "drug")}
    try:
        period, cohort, values = _query(request, reader.clinic)
    except DomainError as error:
        context = {**_context(reader, values), "error": error}
        return render(request, "outcomes/report.html", context, status=400)
    report, tables = _report(reader, period, cohort)
    minimum = settings.OPENHAT_SMALL_CELL_MINIMUM if reader.aggregated else None
    context = {
        **_context(reader, values),
        "report": report,
        "tables": {table.key: table for table in tables},
        "plots": report_plots(report, minimum=minimum),
        "query": request.GET.urlencode(),
    }
    return render(request, "outcomes/report.html", context)


@login_required
@require_GET
@domain_errors_as_pages
def report_csv(request: HttpRequest, table: str) -> HttpResponse:
    reader = _working_reader(request)
    try:
        period, cohort, _ = _query(request, reader.clinic)
    except DomainError as error:
        return HttpResponse(
            f"{error.code}: {error.message}\n", status=400, content_type="text/plain"
        )
    _, tables = _report(reader, period, cohort)
    chosen = next((t for t in tables if t.key == table), None)
    if chosen is None:
        raise NotFound("no_such_table", "There is no such table in the outcomes report.")
    name = f"outcomes-{reader.clinic.code}-{chosen.key}-{period.first}-{period.last}.csv"
    return attachment(chosen.csv().encode("utf-8"), "text/csv; charset=utf-8", name)


@login_required
@require_GET
@domain_errors_as_pages
def report_pdf_view(request: HttpRequest) -> HttpResponse:
    reader = _working_reader(request)
    try:
        period, cohort, values = _query(request, reader.clinic)
    except DomainError as error:
        return HttpResponse(
            f"{error.code}: {error.message}\n", status=400, content_type="text/plain"
        )
    report, tables = _report(reader, period, cohort)
    minimum = settings.OPENHAT_SMALL_CELL_MINIMUM if reader.aggregated else None
    html = render_to_string(
        "outcomes/report_document.html",
        {
            **_context(reader, values),
            "report": report,
            "tables": {table.key: table for table in tables},
            "plots": report_plots(report, minimum=minimum),
        },
        request=request,
    )
    name = f"outcomes-{reader.clinic.code}-{period.first}-{period.last}.pdf"
    return attachment(report_pdf(html), "application/pdf", name)
