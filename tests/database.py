"""The test suite's database logins (core/database_roles.py).

Test databases are created and migrated by the owner, as `openhat migrate` does. Then every test
connection logs in as the owner but assumes the application's role (Django's `assume_role`, which
runs `SET ROLE` on each new connection): every statement a test or the code under test sends is
checked against the application's rights, not the owner's. A test that plays a superuser (the
tamper tests) drops the assumed role on its own connection for one block (`as_superuser`), which
is what lets it tamper inside the test's transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, transaction

from openhat.core.database_roles import ensure_role, grant_row_access, sql_with_identifiers

# The role every test connection assumes: the embedded server's application role, and the same
# name on a server given by DATABASE_URL (created there by the owner when missing).
TEST_APP_ROLE = "openhat_app"


def log_in_as_owner() -> None:
    """Point the default connection at the owner's login, with no assumed role."""
    connection.close()
    connection.settings_dict.update(settings.OPENHAT_DATABASE_OWNER)
    connection.settings_dict.setdefault("OPTIONS", {}).pop("assume_role", None)


def assume_the_application_role() -> None:
    """After the test database is migrated: the role exists and holds row access there, and every
    connection from now on assumes it."""
    with connection.cursor() as cursor:
        ensure_role(cursor, TEST_APP_ROLE)
        grant_row_access(cursor, TEST_APP_ROLE)
    connection.close()
    connection.settings_dict.setdefault("OPTIONS", {})["assume_role"] = TEST_APP_ROLE


@contextmanager
def as_superuser(*, triggers: bool = False) -> Iterator[None]:
    """Run the block as the login (a superuser: the embedded server's, or CI's `postgres`), with
    every trigger off unless `triggers` (session_replication_role = replica: what a superuser
    does to get past the append-only guards). In a savepoint: an error inside rolls the block back
    and restores the role."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL ROLE NONE")
        if not triggers:
            cursor.execute("SET LOCAL session_replication_role = replica")
        yield
        if not triggers:
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        cursor.execute(sql_with_identifiers("SET LOCAL ROLE {role}", role=TEST_APP_ROLE))


def current_role() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        return str(cursor.fetchone()[0])
