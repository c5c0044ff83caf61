"""The ledger viewer: every entry with every column, newest first, filtered and paginated."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from openhat.clinics.roles import Capability
from openhat.clinics.view_helpers import domain_errors_as_pages
from openhat.core.errors import DomainError
from openhat.pharmacy import services
from openhat.pharmacy.forms import LedgerFilterForm
from openhat.pharmacy.models import LedgerEntry
from openhat.pharmacy.views.common import pharmacy_access

ENTRIES_PER_PAGE = 50


@login_required
@require_GET
@domain_errors_as_pages
def ledger(request: HttpRequest) -> HttpResponse:
    access = pharmacy_access(request, Capability.VIEW_DOSING_ROOM_STOCK)
    filters = {key: str(value) for key, value in request.GET.items() if key != "page" and value}
    form = LedgerFilterForm(
        filters or None, clinic=access.clinic, dosing_room_only=access.dosing_room_only
    )
    entries = LedgerEntry.objects.none()
    if not form.is_bound:
        entries = services.ledger(
            access.clinic, services.LedgerFilter(), dosing_room_only=access.dosing_room_only
        )
    elif form.is_valid():
        data = form.cleaned_data
        try:
            chosen = services.LedgerFilter(
                product_id=data["product"],
                lot_id=data["lot"],
                location_id=data["location"],
                kind=data["kind"],
                since=data["since"],
                until=data["until"],
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            entries = services.ledger(
                access.clinic, chosen, dosing_room_only=access.dosing_room_only
            )
    page = Paginator(
        entries.select_related("reverses", "witness", "actor"), ENTRIES_PER_PAGE
    ).get_page(request.GET.get("page"))
    query = urlencode(filters)
    return render(
        request,
        "pharmacy/ledger.html",
        {
            "form": form,
            "page": page,
            "filtered": bool(filters),
            "filter_query": query,
            **access.context(),
        },
        status=400 if form.errors else 200,
    )
