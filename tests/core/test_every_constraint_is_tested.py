"""Every database backstop is tested directly, and every one is in the migrated database.

A constraint in a model's `Meta.constraints` is the database's own refusal of a row the services
should never write (docs/domain.md §7). Each one has a case in a tests/<app>/test_backstops.py,
keyed by its name (tests/backstops.py: a copy of a valid row with one change is refused under that
name). So a new constraint brings its case, and a constraint dropped from a migration fails its
case. The second half looks in PostgreSQL's catalogue: each constraint the models declare exists
there, by name, kind and table, so a migration that drops one fails here even if the model keeps
it and no case happens to run.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection, models

from tests.database import as_superuser

pytestmark = pytest.mark.django_db

TESTS = Path(__file__).resolve().parents[1]


def declared() -> list[tuple[type[models.Model], models.BaseConstraint]]:
    """Every constraint of every OpenHAT model, in app and model order."""
    return [
        (model, constraint)
        for model in apps.get_models()
        if model._meta.app_config.name.startswith("openhat.")  # type: ignore[union-attr]
        for constraint in model._meta.constraints
    ]


def label(model: type[models.Model], constraint: models.BaseConstraint) -> str:
    return f"{model._meta.label}: {constraint.name}"


def case_files_text() -> str:
    return "\n".join(path.read_text() for path in sorted(TESTS.glob("**/test_backstops.py")))


def without_a_case(
    constraints: list[tuple[type[models.Model], models.BaseConstraint]], text: str
) -> list[str]:
    """The constraints whose name is not a quoted key in any backstop file's text."""
    return [
        label(model, constraint)
        for model, constraint in constraints
        if f'"{constraint.name}"' not in text
    ]


def test_every_constraint_has_a_backstop_case() -> None:
    missing = without_a_case(declared(), case_files_text())

    assert not missing, (
        f"{len(missing)} database constraint(s) without a direct case in a "
        "tests/<app>/test_backstops.py (a copy of a valid row that breaks exactly it is refused "
        "under its name; see tests/backstops.py):\n  " + "\n  ".join(missing)
    )


def test_a_constraint_without_a_case_is_listed() -> None:
    """The check can fail: a constraint whose name no backstop file holds is reported."""
    model, constraint = declared()[0]
    renamed = constraint.clone()
    renamed.name = "backstop_never_written"

    assert without_a_case([(model, renamed), (model, constraint)], case_files_text()) == [
        f"{model._meta.label}: backstop_never_written"
    ]


def test_the_suite_knows_constraints_of_every_kind() -> None:
    kinds = {type(constraint) for _, constraint in declared()}
    assert kinds == {models.CheckConstraint, models.UniqueConstraint}, (
        "a new kind of constraint: teach missing_from_the_database how PostgreSQL stores it"
    )


def _in_catalogue(table: str, constraint: models.BaseConstraint) -> bool:
    with connection.cursor() as cursor:
        if isinstance(constraint, models.UniqueConstraint) and (
            constraint.condition is not None or constraint.expressions
        ):
            # A partial or expression unique constraint is a unique index, not a table constraint.
            cursor.execute(
                "SELECT 1 FROM pg_index JOIN pg_class ON pg_class.oid = pg_index.indexrelid "
                "WHERE pg_class.relname = %s AND pg_index.indrelid = %s::regclass "
                "AND pg_index.indisunique",
                [constraint.name, table],
            )
        else:
            kind = "u" if isinstance(constraint, models.UniqueConstraint) else "c"
            cursor.execute(
                "SELECT 1 FROM pg_constraint WHERE conname = %s AND contype = %s "
                "AND conrelid = %s::regclass AND convalidated",
                [constraint.name, kind, table],
            )
        return cursor.fetchone() is not None


def missing_from_the_database() -> list[str]:
    return [
        label(model, constraint)
        for model, constraint in declared()
        if not _in_catalogue(model._meta.db_table, constraint)
    ]


def test_every_declared_constraint_is_in_the_migrated_database() -> None:
    missing = missing_from_the_database()

    assert not missing, (
        "constraint(s) the models declare but the migrated database lacks (a migration dropped "
        "or never made them):\n  " + "\n  ".join(missing)
    )


@pytest.mark.parametrize(
    ("statement", "name"),
    [
        # The one issue 13 names: the witness on waste, adjustment and destruction.
        (
            "ALTER TABLE pharmacy_ledgerentry DROP CONSTRAINT ledger_witnessed_kinds_have_witness",
            "pharmacy.LedgerEntry: ledger_witnessed_kinds_have_witness",
        ),
        (
            "DROP INDEX one_open_session_per_patient",
            "dosing.DosingSession: one_open_session_per_patient",
        ),
        (
            "ALTER TABLE audit_auditevent DROP CONSTRAINT audit_event_chain_position",
            "audit.AuditEvent: audit_event_chain_position",
        ),
    ],
)
def test_a_dropped_constraint_is_noticed(statement: str, name: str) -> None:
    """The check can fail: with one constraint dropped by the login that may (inside the test's
    transaction, rolled back after it), that constraint, and only it, is reported missing."""
    with as_superuser(triggers=True):
        with connection.cursor() as cursor:
            cursor.execute(statement)

        assert missing_from_the_database() == [name]
