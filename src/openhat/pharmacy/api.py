"""The pharmacy over JSON: stock, movements, counts, discrepancies and the ledger."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["pharmacy"])
