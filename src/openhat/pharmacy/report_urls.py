"""Pharmacy registers and reports: the narcotics register, consumption, US pilot records."""

from __future__ import annotations

from django.urls import path

from openhat.pharmacy import report_views as views

app_name = "pharmacy_reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("register/", views.register, name="register"),
    path("register/csv/", views.register_csv, name="register_csv"),
    path("register/pdf/", views.register_pdf, name="register_pdf"),
    path("consumption/", views.consumption, name="consumption"),
    path("consumption/csv/", views.consumption_csv, name="consumption_csv"),
    path("inventory/", views.inventory, name="inventory"),
    path("inventory/csv/", views.inventory_csv, name="inventory_csv"),
    path("losses/", views.losses, name="losses"),
    path("losses/csv/", views.losses_csv, name="losses_csv"),
]
