"""Pharmacy pages, split by area: board, movements, counts, ledger, catalogue."""
