"""Models and migrations agree: `makemigrations --check` finds nothing to write.

A model changed without its migration would leave the database without a column, constraint or
trigger the code relies on (the database's backstops live in the migrations), so the suite refuses
it. The second test shows the check notices a change.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from openhat.pharmacy.models import LedgerEntry

pytestmark = pytest.mark.django_db


def pending_changes() -> str | None:
    """What `makemigrations --check --dry-run` would write, or None when models and migrations
    agree."""
    out = io.StringIO()
    try:
        call_command("makemigrations", check=True, dry_run=True, stdout=out, no_color=True)
    except SystemExit as exit_:
        assert exit_.code == 1, out.getvalue()
        return out.getvalue()
    return None


def test_models_and_migrations_agree() -> None:
    changes = pending_changes()

    assert changes is None, f"models differ from their migrations; run makemigrations:\n{changes}"


def test_a_model_change_without_its_migration_is_noticed(monkeypatch: pytest.MonkeyPatch) -> None:
    field = LedgerEntry._meta.get_field("reason")
    monkeypatch.setattr(field, "max_length", field.max_length + 1)

    changes = pending_changes()

    assert changes is not None and "reason" in changes and "ledgerentry" in changes.lower()
