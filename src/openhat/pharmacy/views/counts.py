"""Counts and reconciliation: the list of counts, a blind count sheet for one location, the
count's reconciliation, and a discrepancy with the form that closes it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from openhat.audit.checkpoints import latest_checkpoint
from openhat.clinics.roles import Capability
from openhat.clinics.view_helpers import acting_user, domain_errors_as_pages
from openhat.core.errors import DomainError, NotFound
from openhat.pharmacy import services
from openhat.pharmacy.forms import CloseDiscrepancyForm, CountForm, CountLocationForm
from openhat.pharmacy.models import (
    Discrepancy,
    DiscrepancyClosure,
    Location,
    Lot,
    StockBalance,
    StockCount,
)
from openhat.pharmacy.services.counts import CountLinesRefused, counts_for
from openhat.pharmacy.services.lookup import location_of
from openhat.pharmacy.views.common import pharmacy_access, show_on_form, signed_witness


@login_required
@require_GET
@domain_errors_as_pages
def count_list(request: HttpRequest) -> HttpResponse:
    access = pharmacy_access(request, Capability.VIEW_STOCK)
    counts = counts_for(access.clinic)
    open_by_count: dict[int, int] = {}
    for discrepancy in services.open_discrepancies(access.clinic):
        count_id = discrepancy.count_line.count_id
        open_by_count[count_id] = open_by_count.get(count_id, 0) + 1
    rows = [{"count": count, "open": open_by_count.get(count.pk, 0)} for count in counts]
    return render(
        request,
        "pharmacy/count_list.html",
        {
            "rows": rows,
            "location_form": CountLocationForm(clinic=access.clinic),
            **access.context(),
        },
    )


def _held_lots(location: Location) -> list[Lot]:
    return [
        row.lot
        for row in StockBalance.objects.filter(location=location, balance_mg__gt=0)
        .select_related("lot__product")
        .order_by("product__code", "lot__expires_on", "lot__lot_number")
    ]


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def new_count(request: HttpRequest) -> HttpResponse:
    access = pharmacy_access(request, Capability.MOVE_STOCK)
    source = request.POST if request.method == "POST" else request.GET
    chooser = CountLocationForm(source if source.get("location") else None, clinic=access.clinic)
    location: Location | None = None
    if chooser.is_bound and chooser.is_valid():
        try:
            location = location_of(access.clinic, chooser.cleaned_data["location"])
        except DomainError as error:
            chooser.add_error("location", error.message)
    if location is None:
        return render(
            request,
            "pharmacy/count_new.html",
            {"chooser": chooser, "form": None, **access.context()},
            status=400 if chooser.is_bound or request.method == "POST" else 200,
        )
    form = CountForm(
        request.POST if request.method == "POST" else None,
        clinic=access.clinic,
        location=location,
        held=_held_lots(location),
    )
    if request.method == "POST" and form.is_valid():
        try:
            count = services.record_count(
                actor=acting_user(request),
                clinic=access.clinic,
                location_id=location.pk,
                occasion=form.cleaned_data["occasion"],
                lines=form.counted(),
                note=form.cleaned_data["note"],
                idempotency_key=form.key,
            )
        except CountLinesRefused as refused:
            # Each problem on its own lot's row, all of them at once.
            for problem in refused.problems:
                form.add_error(f"amount_{problem.index}", problem.message)
        except DomainError as error:
            show_on_form(form, error)
        else:
            opened = Discrepancy.objects.filter(count_line__count=count).count()
            if opened:
                messages.warning(
                    request,
                    f"Count saved. {opened} lot{'s' if opened != 1 else ''} differ"
                    f"{'s' if opened == 1 else ''} from the ledger: a discrepancy is open until "
                    "someone investigates and closes it.",
                )
            else:
                messages.success(request, "Count saved: every lot matches the ledger.")
            return redirect("pharmacy:count", count_id=count.pk)
    return render(
        request,
        "pharmacy/count_new.html",
        {"chooser": chooser, "form": form, "location": location, **access.context()},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_GET
@domain_errors_as_pages
def count_detail(request: HttpRequest, count_id: int) -> HttpResponse:
    access = pharmacy_access(request, Capability.VIEW_STOCK)
    count = (
        StockCount.objects.select_related("location")
        .filter(clinic=access.clinic, pk=count_id)
        .first()
    )
    if count is None:
        raise NotFound("unknown_count", "No such count in this clinic.", "count")
    previous, rows = services.reconciliation(count)
    return render(
        request,
        "pharmacy/count_detail.html",
        {
            "count": count,
            "previous": previous,
            "rows": rows,
            "differences": sum(1 for row in rows if row.difference_mg),
            "checkpoint": latest_checkpoint(reason=f"count {count.pk}"),
            **access.context(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors_as_pages
def discrepancy(request: HttpRequest, discrepancy_id: int) -> HttpResponse:
    capability = Capability.MOVE_STOCK if request.method == "POST" else Capability.VIEW_STOCK
    access = pharmacy_access(request, capability)
    found = (
        Discrepancy.objects.select_related("lot__product", "location", "count_line__count")
        .filter(clinic=access.clinic, pk=discrepancy_id)
        .first()
    )
    if found is None:
        raise NotFound("unknown_discrepancy", "No such discrepancy in this clinic.", "discrepancy")
    closure = (
        DiscrepancyClosure.objects.select_related("adjustment").filter(discrepancy=found).first()
    )
    form = CloseDiscrepancyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        adjust = form.cleaned_data["adjust"]
        try:
            services.close_discrepancy(
                actor=acting_user(request),
                clinic=access.clinic,
                discrepancy_id=found.pk,
                investigation_note=form.cleaned_data["investigation_note"],
                adjust=adjust,
                witness=signed_witness(request, form) if adjust else None,
                idempotency_key=form.key,
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            messages.success(
                request,
                f"Discrepancy {found.pk} closed"
                + (" and the difference booked as a witnessed adjustment." if adjust else "."),
            )
            return redirect("pharmacy:discrepancy", discrepancy_id=found.pk)
    context: dict[str, Any] = {
        "discrepancy": found,
        "line": found.count_line,
        "closure": closure,
        "form": form,
        **access.context(),
    }
    return render(
        request, "pharmacy/discrepancy.html", context, status=400 if form.is_bound else 200
    )
