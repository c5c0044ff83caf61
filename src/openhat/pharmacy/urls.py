"""Pharmacy pages: the board, stock movements, counts and reconciliation, the ledger viewer."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "pharmacy"

urlpatterns: list[URLPattern] = []
