"""Pharmacy registers and reports: the narcotics register, consumption, US pilot records."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "pharmacy_reports"

urlpatterns: list[URLPattern] = []
