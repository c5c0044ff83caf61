"""The embedded PostgreSQL (pgserver) used when DATABASE_URL is unset.

Data lives in var/pg under the project root (or OPENHAT_VAR_DIR). The server keeps running between
commands so that `make demo` and `make test` reuse it; `openhat embedded-db stop` stops it.

The application connects as `openhat_app`, a login without superuser rights that owns no table
(core/database_roles.py); the server's superuser `postgres` owns the tables and runs the
migrations. Both log in over the server's own socket (trust, local connections only).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SUPERUSER = "postgres"
APP_ROLE = "openhat_app"


def var_dir() -> Path:
    configured = os.environ.get("OPENHAT_VAR_DIR", "").strip()
    return Path(configured).resolve() if configured else PROJECT_ROOT / "var"


def data_dir() -> Path:
    return var_dir() / "pg"


def _server() -> Any:
    # pgserver asks platformdirs for a runtime dir; on a headless machine without XDG_RUNTIME_DIR
    # that only warns, so keep the output readable.
    warnings.filterwarnings("ignore", module="platformdirs")
    import pgserver

    path = data_dir()
    path.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: leave the server running when this process exits, so the next command
    # (the test run after the demo, or a second `make demo`) reuses it instead of restarting.
    return pgserver.get_server(path, cleanup_mode=None)


def ensure_running() -> dict[str, Any]:
    """Start (or reuse) the embedded server and return Django connection settings for it: the
    application's role (owner_login() gives the owner's)."""
    server = _server()
    query = parse_qs(urlsplit(server.get_uri()).query)
    socket_dir = query.get("host", [str(data_dir())])[0]
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "openhat",
        "USER": APP_ROLE,
        "PASSWORD": "",
        "HOST": socket_dir,
        "PORT": "",
        "OPTIONS": {},
    }


def owner_login() -> dict[str, str]:
    """The login that owns the tables and migrates (settings.OPENHAT_DATABASE_OWNER)."""
    return {"USER": SUPERUSER, "PASSWORD": ""}


def ensure_database(settings: dict[str, Any]) -> None:
    """Create the application's role and database on the embedded server if they are not there
    yet, and give the role row access to tables made before it existed."""
    import psycopg
    from psycopg import sql

    from openhat.core.database_roles import ensure_role, grant_row_access

    name = settings["NAME"]
    with psycopg.connect(
        dbname="postgres", user=SUPERUSER, host=settings["HOST"], autocommit=True
    ) as connection:
        ensure_role(connection.cursor(), APP_ROLE)
        found = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if found is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with psycopg.connect(dbname=name, user=SUPERUSER, host=settings["HOST"]) as connection:
        lacking = connection.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
            "AND NOT has_table_privilege(%s, format('%%I.%%I', schemaname, tablename), 'SELECT')",
            [APP_ROLE],
        ).fetchone()
        if lacking and lacking[0]:
            grant_row_access(connection.cursor(), APP_ROLE)


def stop() -> None:
    if not (data_dir() / "postmaster.pid").exists():
        return
    server = _server()
    server.cleanup_mode = "stop"
    server.cleanup()
