"""Pharmacy registers and reports over JSON."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["pharmacy reports"])
