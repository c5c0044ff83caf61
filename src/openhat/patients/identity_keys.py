"""Comparison keys for identifying data: what two spellings of the same person have in common.

Kept apart from the models so the models (which store the keys) and the duplicate search (which
compares them) use one definition, and a migration can fill them for existing rows.
"""

from __future__ import annotations

import unicodedata


def name_key(legal_name: str) -> str:
    """'Müller-Lüdenscheidt,  Hans' and 'hans MULLER LUDENSCHEIDT' give the same key: case,
    accents, spacing, punctuation and the order of the name's parts are ignored."""
    decomposed = unicodedata.normalize("NFKD", legal_name or "")
    letters = "".join(
        char if char.isalnum() else " " for char in decomposed if not unicodedata.combining(char)
    )
    return " ".join(sorted(letters.casefold().split()))


def health_number_key(health_number: str) -> str:
    """'756.1234.5678.97' and '7561234567897' give the same key; blank stays blank."""
    return "".join(char for char in (health_number or "").upper() if char.isalnum())
