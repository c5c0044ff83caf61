"""The dosing station over JSON (filled in by the dosing API module)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["dosing"])
