"""Who may do what in the database: the owner migrates, the application's role serves.

- The **owner** owns every table and runs the migrations (`openhat migrate`; embedded: the
  server's superuser; with DATABASE_URL: OPENHAT_MIGRATE_DATABASE_URL, or DATABASE_URL itself when
  that is unset).
- The **application's role** (`openhat_app` in embedded mode; with DATABASE_URL, the role it
  names) is neither a superuser nor the owner of any table. It may read and write rows; it cannot
  TRUNCATE, disable a trigger, set `session_replication_role` or change the schema. After every
  migration the owner grants it row access (`grant_row_access`).
- Every append-only table gets a **guard** of our own besides pgtrigger's `append_only` trigger:
  pgtrigger's trigger steps aside when a session sets `pgtrigger.ignore`, a setting any role may
  set (PostgreSQL cannot restrict a custom setting that no extension defines), so ours reads no
  setting. It refuses UPDATE and DELETE on each row and TRUNCATE of the table, for every role;
  only the owner (ALTER TABLE ... DISABLE TRIGGER) or a superuser (session_replication_role) can
  switch it off, which the application's role cannot do.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.apps import apps
from django.db import connections
from psycopg import sql

# Named so they fire after pgtrigger's (PostgreSQL fires a table's triggers in name order), so a
# refusal names pgtrigger's rule first; when pgtrigger's steps aside, these still refuse.
ROW_GUARD = "table_guard_append_only"
TRUNCATE_GUARD = "table_guard_no_truncate"
GUARD_FUNCTION = "openhat_refuse_append_only_change"
GUARD_MESSAGE = "openhat: the table {table} is append-only; {operation} refused"

_GUARD_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {GUARD_FUNCTION}() RETURNS trigger
LANGUAGE plpgsql AS $guard$
BEGIN
    -- No setting turns this off: it reads none.
    RAISE EXCEPTION 'openhat: the table % is append-only; % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$guard$
"""

# The login's own tables: it only reads which migrations ran.
_READ_ONLY_TABLES = ("django_migrations",)

_ROLE_ATTRIBUTES = "NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"


def sql_with_identifiers(template: str, **identifiers: str) -> str:
    """`template` with each {name} replaced by a quoted identifier."""
    return (
        sql.SQL(template)  # templates are constants of this module
        .format(**{key: sql.Identifier(value) for key, value in identifiers.items()})
        .as_string()
    )


def append_only_tables() -> list[str]:
    """Every table with an `append_only` trigger (pgtrigger's Protect, pghistory's event tables)."""
    tables = set()
    for model in apps.get_models():
        triggers = getattr(model._meta, "triggers", ())
        if any(trigger.name == "append_only" for trigger in triggers):
            tables.add(model._meta.db_table)
    return sorted(tables)


def install_guards(cursor: Any) -> int:
    """Put the guard on every append-only table that lacks it; returns how many triggers were
    added. Run by the owner after each migration."""
    cursor.execute(_GUARD_FUNCTION_SQL)
    tables = append_only_tables()
    cursor.execute(
        "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE t.tgname IN (%s, %s) AND c.relname = ANY(%s) "
        "AND c.relnamespace = current_schema()::regnamespace",
        [ROW_GUARD, TRUNCATE_GUARD, tables],
    )
    present = set(cursor.fetchall())
    added = 0
    for table in tables:
        for name, when in (
            (ROW_GUARD, "BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW"),
            (TRUNCATE_GUARD, "BEFORE TRUNCATE ON {table} FOR EACH STATEMENT"),
        ):
            if (table, name) in present:
                continue
            cursor.execute(
                sql_with_identifiers(
                    "CREATE TRIGGER {name} " + when + " EXECUTE FUNCTION {function}()",
                    name=name,
                    table=table,
                    function=GUARD_FUNCTION,
                )
            )
            added += 1
    return added


def ensure_role(cursor: Any, role: str) -> None:
    """Create the application's login role if it is missing: no superuser, no CREATEDB, no
    CREATEROLE, no replication, no row-security bypass. Run by a role that may create roles."""
    cursor.execute(
        sql_with_identifiers(
            "DO $create$ BEGIN CREATE ROLE {role} LOGIN " + _ROLE_ATTRIBUTES + "; "
            "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $create$",
            role=role,
        )
    )


def grant_row_access(cursor: Any, role: str) -> None:
    """The application's role may read and write rows of every table in the schema (append-only
    tables refuse UPDATE and DELETE through their guard) and use its sequences; it may only read
    the migration history. No TRUNCATE, no ownership."""
    statements = [
        "GRANT USAGE ON SCHEMA public TO {role}",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        "REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {role}",
        "GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}",
    ]
    for statement in statements:
        cursor.execute(sql_with_identifiers(statement, role=role))
    for table in _READ_ONLY_TABLES:
        cursor.execute(
            sql_with_identifiers(
                "REVOKE INSERT, UPDATE, DELETE ON {table} FROM {role}", table=table, role=role
            )
        )


def after_migrate(using: str) -> None:
    """The owner's steps after every migration: guards on the append-only tables, and row access
    for the application's role (when it is not the owner itself)."""
    from django.conf import settings

    with connections[using].cursor() as cursor:
        install_guards(cursor)
        role = settings.OPENHAT_DATABASE_APP_ROLE
        if role:
            grant_row_access(cursor, role)


_LOGIN_KEYS = ("USER", "PASSWORD", "HOST", "PORT")


@contextmanager
def as_owner(using: str = "default") -> Iterator[None]:
    """Run the block as the owner (settings.OPENHAT_DATABASE_OWNER): migrations and flush.

    When the connection logs in as the owner and only assumes the application's role (the test
    suite does, so a test can act as either on one connection), the block drops the assumed role
    on that connection. Otherwise the connection is closed and reopened with the owner's login,
    and with the application's login after the block.
    """
    from django.conf import settings

    connection = connections[using]
    settings_dict = connection.settings_dict
    owner = dict(settings.OPENHAT_DATABASE_OWNER)
    same_login = all(settings_dict.get(key) == value for key, value in owner.items())
    if same_login:
        assumed = settings_dict.get("OPTIONS", {}).get("assume_role")
        if not assumed:
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute("SET ROLE NONE")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute(sql_with_identifiers("SET ROLE {role}", role=assumed))
        return
    if connection.in_atomic_block:
        raise RuntimeError("cannot switch to the owner's login inside a transaction")
    saved = {key: settings_dict.get(key) for key in _LOGIN_KEYS}
    connection.close()
    settings_dict.update(owner)
    try:
        yield
    finally:
        connection.close()
        settings_dict.update(saved)
