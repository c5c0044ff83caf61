"""The database defends itself (core/database_roles.py): the application's role is no superuser
and owns no table, so it can neither TRUNCATE nor switch a trigger off; every append-only table has
a guard of our own that refuses UPDATE, DELETE and TRUNCATE whatever `pgtrigger.ignore` says."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from django.db import DatabaseError, connection, transaction

from openhat.audit.models import AccessedRecord, AccessLog, AuditEvent
from openhat.audit.services import record_access
from openhat.core.database_roles import (
    GUARD_FUNCTION,
    ROW_GUARD,
    TRUNCATE_GUARD,
    append_only_tables,
    as_owner,
    sql_with_identifiers,
)
from tests.database import TEST_APP_ROLE, as_superuser, current_role

pytestmark = pytest.mark.django_db

TABLES = append_only_tables()
PERMISSION_DENIED = "permission denied|must be owner"
GUARDED = "is append-only; {operation} refused"


def refused(statement: str, match: str, params: list[Any] | None = None) -> None:
    with (
        pytest.raises(DatabaseError, match=match),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, params)


def quoted(template: str, table: str) -> str:
    return sql_with_identifiers(template, table=table)


@pytest.fixture
def rows(personas: Any, patient: Any) -> None:
    record_access(actor=personas["nurse"], patient=patient, record=AccessedRecord.IDENTITY)


def test_the_tests_act_as_the_application_role_which_has_no_special_rights() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls "
            "FROM pg_roles WHERE rolname = current_user"
        )
        rights = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user"
        )
        owned = cursor.fetchone()[0]

    assert current_role() == TEST_APP_ROLE
    assert rights == (False, False, False, False, False)
    assert owned == 0


def test_the_list_of_append_only_tables_holds_the_trails_ledgers_and_history() -> None:
    expected = {
        "audit_auditevent",
        "audit_accesslog",
        "pharmacy_ledgerentry",
        "dosing_administration",
        "patients_statuschange",
        "patients_patientevent",
    }
    assert expected <= set(TABLES), expected - set(TABLES)


def test_every_append_only_table_carries_both_guards_enabled() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname, t.tgenabled, p.proname FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid "
            "WHERE t.tgname IN (%s, %s)",
            [ROW_GUARD, TRUNCATE_GUARD],
        )
        found = {(table, name): (enabled, function) for table, name, enabled, function in cursor}
    for table in TABLES:
        for name in (ROW_GUARD, TRUNCATE_GUARD):
            assert found.get((table, name)) == ("O", GUARD_FUNCTION), (table, name)


@pytest.mark.parametrize("table", TABLES)
def test_the_application_role_cannot_truncate_or_switch_triggers_off(table: str) -> None:
    refused(quoted("TRUNCATE {table}", table), PERMISSION_DENIED)
    refused(quoted("ALTER TABLE {table} DISABLE TRIGGER ALL", table), PERMISSION_DENIED)
    refused(quoted("ALTER TABLE {table} DISABLE TRIGGER " + ROW_GUARD, table), PERMISSION_DENIED)
    refused(quoted("DROP TRIGGER " + TRUNCATE_GUARD + " ON {table}", table), PERMISSION_DENIED)


@pytest.mark.parametrize("table", TABLES)
def test_truncate_is_refused_by_the_guard_even_for_a_superuser_with_triggers_on(
    table: str,
) -> None:
    with (
        pytest.raises(DatabaseError, match=GUARDED.format(operation="TRUNCATE")),
        as_superuser(triggers=True),
        connection.cursor() as cursor,
    ):
        cursor.execute(quoted("TRUNCATE {table} CASCADE", table))


def test_the_application_role_cannot_turn_every_trigger_off() -> None:
    refused("SET session_replication_role = replica", "permission denied")
    refused("SET LOCAL session_replication_role = replica", "permission denied")


@pytest.mark.parametrize("model", [AuditEvent, AccessLog], ids=lambda model: model.__name__)
def test_pgtrigger_ignore_does_not_open_the_guard_to_a_role_with_a_delete_grant(
    rows: None, model: Any
) -> None:
    """pgtrigger's own trigger steps aside for `pgtrigger.ignore` (any role may set it); ours
    does not. The application's role holds DELETE and UPDATE grants, and is still refused."""
    import pgtrigger

    table = model._meta.db_table
    row = model.objects.order_by("pk").first()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT has_table_privilege(current_user, %s, 'DELETE'), "
            "has_table_privilege(current_user, %s, 'UPDATE')",
            [table, table],
        )
        assert cursor.fetchone() == (True, True)
    with pgtrigger.ignore(f"{model._meta.label}:append_only"):
        refused(quoted("DELETE FROM {table} WHERE id = %s", table), "DELETE refused", [row.pk])
        refused(
            quoted("UPDATE {table} SET route = 'x' WHERE id = %s", table),
            "UPDATE refused",
            [row.pk],
        )
    assert model.objects.filter(pk=row.pk, route=row.route).exists()


def test_a_superuser_who_switches_triggers_off_can_tamper(rows: None) -> None:
    """The only way past the guards: what the tamper tests do, and the verifiers must catch."""
    row = AccessLog.objects.order_by("pk").first()
    with as_superuser(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_accesslog WHERE id = %s", [row.pk])
    assert not AccessLog.objects.filter(pk=row.pk).exists()
    assert current_role() == TEST_APP_ROLE


def test_migrations_run_as_the_owner_and_the_role_comes_back_after() -> None:
    with as_owner(), connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        assert current_role() != TEST_APP_ROLE
    assert current_role() == TEST_APP_ROLE


def test_a_real_login_as_the_application_role_is_refused_too() -> None:
    """Not only an assumed role: a connection that logs in as the application's role."""
    db = connection.settings_dict
    with psycopg.connect(
        dbname=db["NAME"],
        user=TEST_APP_ROLE,
        host=db["HOST"],
        port=db["PORT"] or None,
        autocommit=True,
    ) as login:
        assert login.execute("SELECT session_user::text").fetchone() == (TEST_APP_ROLE,)
        login.execute("SET lock_timeout = '5s'")
        for statement in (
            "TRUNCATE audit_accesslog",
            "SET session_replication_role = replica",
            "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL",
            "RESET ROLE; TRUNCATE audit_auditevent",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                login.execute(statement)
