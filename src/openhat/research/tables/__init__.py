"""The research export's tables (docs/research.md lists them): each built from the clinic's
records of the included patients only, with pseudonyms and shifted or relative dates, and without
free text, identifiers, counselling notes or staff names."""

from __future__ import annotations

from openhat.research.tables.base import Column, Subjects, Table
from openhat.research.tables.build import build_tables

__all__ = ["Column", "Subjects", "Table", "build_tables"]
