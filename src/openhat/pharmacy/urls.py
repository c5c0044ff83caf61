"""Pharmacy pages: the board, stock movements, counts and reconciliation, the ledger viewer."""

from __future__ import annotations

from django.urls import URLPattern, path

from openhat.pharmacy.views import board, catalogue, confirmed, counts, ledger, movements

app_name = "pharmacy"

urlpatterns: list[URLPattern] = [
    path("", board.board, name="board"),
    path("receive/", movements.receive, name="receive"),
    path("transfer/", movements.transfer, name="transfer"),
    path("reconstitute/", movements.reconstitute, name="reconstitute"),
    path("waste/", movements.waste, name="waste"),
    path("adjust/", movements.adjust, name="adjust"),
    path("destroy/", confirmed.destroy, name="destroy"),
    path("remove-expired/", movements.remove_expired, name="remove_expired"),
    path("entries/<int:entry_id>/", board.entry, name="entry"),
    path("entries/<int:entry_id>/reverse/", confirmed.reverse_entry, name="reverse"),
    path("entries/<int:entry_id>/return/", movements.dose_return, name="dose_return"),
    path("entries/<int:entry_id>/waste/", movements.dose_waste, name="dose_waste"),
    path("counts/", counts.count_list, name="counts"),
    path("counts/new/", counts.new_count, name="new_count"),
    path("counts/<int:count_id>/", counts.count_detail, name="count"),
    path("discrepancies/<int:discrepancy_id>/", counts.discrepancy, name="discrepancy"),
    path("ledger/", ledger.ledger, name="ledger"),
    path("products/", catalogue.products, name="products"),
    path(
        "products/<int:product_id>/reorder-level/",
        catalogue.reorder_level,
        name="reorder_level",
    ),
]
