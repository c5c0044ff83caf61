"""Products with their units and conversions, and each product's reorder level."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from openhat.clinics.roles import Capability
from openhat.clinics.view_helpers import acting_user, domain_errors_as_pages
from openhat.core.errors import DomainError
from openhat.pharmacy import services
from openhat.pharmacy.forms import ReorderLevelForm, quantity_text
from openhat.pharmacy.services.catalogue import set_reorder_level
from openhat.pharmacy.services.lookup import product_of
from openhat.pharmacy.views.common import PharmacyAccess, pharmacy_access


def _render(
    request: HttpRequest,
    access: PharmacyAccess,
    bound: tuple[int, ReorderLevelForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    rows: list[dict[str, Any]] = []
    for stock in services.product_totals(access.clinic):
        product = stock.product
        form = (
            bound[1]
            if bound and bound[0] == product.pk
            else ReorderLevelForm(
                initial={
                    "reorder_level_mg": quantity_text(product.reorder_level_mg).replace(",", "")
                },
                auto_id=f"id_p{product.pk}_%s",
            )
        )
        rows.append({"stock": stock, "product": product, "form": form})
    return render(
        request, "pharmacy/products.html", {"rows": rows, **access.context()}, status=status
    )


@login_required
@require_GET
@domain_errors_as_pages
def products(request: HttpRequest) -> HttpResponse:
    return _render(request, pharmacy_access(request, Capability.VIEW_STOCK))


@login_required
@require_POST
@domain_errors_as_pages
def reorder_level(request: HttpRequest, product_id: int) -> HttpResponse:
    access = pharmacy_access(request, Capability.MOVE_STOCK)
    product = product_of(access.clinic, product_id)
    form = ReorderLevelForm(request.POST, auto_id=f"id_p{product.pk}_%s")
    if form.is_valid():
        try:
            saved = set_reorder_level(
                actor=acting_user(request),
                clinic=access.clinic,
                product_id=product.pk,
                reorder_level_mg=form.cleaned_data["reorder_level_mg"],
            )
        except DomainError as error:
            form.add_error("reorder_level_mg", error.message)
        else:
            messages.success(
                request,
                f"{saved.name}: reorder level set to {quantity_text(saved.reorder_level_mg)} mg.",
            )
            return redirect("pharmacy:products")
    return _render(request, access, (product.pk, form), status=400)
