"""Settings refuse to start on a missing or mistyped value, naming the variable (run in a fresh
interpreter, as an operator would start the server)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

VALID_SECRET = "k" * 20 + "9f3Q-x_7Lm2PzR8vT1wY"  # 40 characters
DUMMY_DATABASE = "postgresql://openhat@db.invalid:5432/openhat"


def production_env(**overrides: str) -> dict[str, str]:
    env = {
        "OPENHAT_MODE": "production",
        "SECRET_KEY": VALID_SECRET,
        "ALLOWED_HOSTS": "hat.example.org",
        "DATABASE_URL": DUMMY_DATABASE,
    }
    env.update(overrides)
    return env


def run_python(code: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("OPENHAT_", "DJANGO_", "PYTEST_"))
        and key not in {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CSRF_TRUSTED_ORIGINS"}
    }
    clean["OPENHAT_VAR_DIR"] = str(tmp_path)
    clean.update({key: value for key, value in env.items() if value is not None})
    return subprocess.run(  # noqa: S603  (our interpreter, fixed code)
        [sys.executable, "-c", code],
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def import_settings(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return run_python("import openhat.settings", env, tmp_path)


def _without(env: dict[str, str], name: str) -> dict[str, str]:
    return {key: value for key, value in env.items() if key != name}


REFUSED = {
    "production without SECRET_KEY": (_without(production_env(), "SECRET_KEY"), "SECRET_KEY"),
    "production with a short SECRET_KEY": (production_env(SECRET_KEY="short-key"), "at least 40"),
    "production without ALLOWED_HOSTS": (
        _without(production_env(), "ALLOWED_HOSTS"),
        "ALLOWED_HOSTS",
    ),
    "production without DATABASE_URL": (_without(production_env(), "DATABASE_URL"), "DATABASE_URL"),
    "production with debug on": (production_env(OPENHAT_DEBUG="1"), "OPENHAT_DEBUG"),
    "idle minutes not a number": (
        {"OPENHAT_SESSION_IDLE_MINUTES": "abc", "DATABASE_URL": DUMMY_DATABASE},
        "OPENHAT_SESSION_IDLE_MINUTES='abc' is not a whole number",
    ),
    "idle minutes zero": (
        {"OPENHAT_SESSION_IDLE_MINUTES": "0", "DATABASE_URL": DUMMY_DATABASE},
        "OPENHAT_SESSION_IDLE_MINUTES=0 is below the minimum",
    ),
    "idle minutes with a unit": (
        {"OPENHAT_SESSION_IDLE_MINUTES": "15m", "DATABASE_URL": DUMMY_DATABASE},
        "OPENHAT_SESSION_IDLE_MINUTES",
    ),
    "unknown mode": (
        {"OPENHAT_MODE": "bogus", "DATABASE_URL": DUMMY_DATABASE},
        "OPENHAT_MODE='bogus'",
    ),
    "mode in capitals": (
        {"OPENHAT_MODE": "PRODUCTION", "DATABASE_URL": DUMMY_DATABASE},
        "OPENHAT_MODE",
    ),
    "sqlite database": ({"DATABASE_URL": "sqlite:///x"}, "PostgreSQL"),
    "migration login without DATABASE_URL": (
        {"OPENHAT_MIGRATE_DATABASE_URL": "postgresql://owner@db.invalid:5432/openhat"},
        "OPENHAT_MIGRATE_DATABASE_URL needs DATABASE_URL",
    ),
    "migration login to another database": (
        {
            "DATABASE_URL": DUMMY_DATABASE,
            "OPENHAT_MIGRATE_DATABASE_URL": "postgresql://owner@db.invalid:5432/elsewhere",
        },
        "must name the same database",
    ),
    "migration login not PostgreSQL": (
        {"DATABASE_URL": DUMMY_DATABASE, "OPENHAT_MIGRATE_DATABASE_URL": "mysql://u@h/openhat"},
        "OPENHAT_MIGRATE_DATABASE_URL must point at PostgreSQL",
    ),
    "mysql database": ({"DATABASE_URL": "mysql://u@h/db"}, "PostgreSQL"),
    "failure limit not a number": (
        {"OPENHAT_LOGIN_FAILURE_LIMIT": "five", "DATABASE_URL": DUMMY_DATABASE},
        "OPENHAT_LOGIN_FAILURE_LIMIT",
    ),
    "secure cookies not yes/no": (
        {"OPENHAT_SECURE_COOKIES": "maybe", "DATABASE_URL": DUMMY_DATABASE},
        "OPENHAT_SECURE_COOKIES='maybe' is not a yes/no value",
    ),
    "empty host in the list": (
        production_env(ALLOWED_HOSTS="a.example,,b.example"),
        "ALLOWED_HOSTS",
    ),
}


@pytest.mark.parametrize(("env", "named"), list(REFUSED.values()), ids=list(REFUSED))
def test_a_bad_environment_is_refused_by_name(
    env: dict[str, str], named: str, tmp_path: Path
) -> None:
    result = import_settings(env, tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr


def test_a_valid_production_environment_starts_against_the_embedded_server(tmp_path: Path) -> None:
    db = settings.DATABASES["default"]
    if db["HOST"].startswith("/"):
        url = f"postgresql://{db['USER']}@{quote(db['HOST'], safe='')}/postgres"
    else:
        password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
        url = f"postgresql://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/postgres"
    code = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "from django.db import connection\n"
        "connection.ensure_connection()\n"
        "print(settings.DEBUG, settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE,"
        " settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS, settings.ALLOWED_HOSTS,"
        f" settings.SECRET_KEY == {VALID_SECRET!r})\n"
    )
    env = production_env(
        DATABASE_URL=url, DJANGO_SETTINGS_MODULE="openhat.settings", **production_keys(tmp_path)
    )
    result = run_python(code, env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == "False True True True 31536000 ['hat.example.org'] True"
    # Production never writes a development key.
    assert not (tmp_path / "development-secret-key").exists()


def test_development_defaults_and_a_chosen_idle_time(tmp_path: Path) -> None:
    code = (
        "import openhat.settings as s\n"
        "print(s.MODE, s.SESSION_COOKIE_AGE, s.SESSION_SAVE_EVERY_REQUEST, s.AXES_FAILURE_LIMIT,"
        " s.SESSION_COOKIE_SECURE)"
    )
    default = run_python(code, {"DATABASE_URL": DUMMY_DATABASE}, tmp_path)
    assert default.returncode == 0, default.stderr
    assert default.stdout.strip() == "development 900 True 5 False"
    chosen = run_python(
        code,
        {"DATABASE_URL": DUMMY_DATABASE, "OPENHAT_SESSION_IDLE_MINUTES": "30"},
        tmp_path,
    )
    assert chosen.stdout.strip() == "development 1800 True 5 False"


def test_development_never_uses_a_fixed_secret_key(tmp_path: Path) -> None:
    code = "import openhat.settings as s; print(s.SECRET_KEY)"
    first = run_python(code, {"DATABASE_URL": DUMMY_DATABASE}, tmp_path / "one")
    again = run_python(code, {"DATABASE_URL": DUMMY_DATABASE}, tmp_path / "one")
    other = run_python(code, {"DATABASE_URL": DUMMY_DATABASE}, tmp_path / "two")
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert len(key) >= 50
    assert again.stdout.strip() == key, "kept in the var directory across restarts"
    assert other.stdout.strip() != key, "generated per installation, never a constant"
    assert (tmp_path / "one" / "development-secret-key").stat().st_mode & 0o077 == 0


def production_keys(directory: Path) -> dict[str, str]:
    """A chain key file and an Ed25519 signing key, as production needs (docs/chains.md)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    chain = directory / "chain-key"
    chain.write_text("ab" * 32 + "\n")
    signing = directory / "signing-key.pem"
    signing.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return {
        "OPENHAT_CHAIN_KEY_FILE": str(chain),
        "OPENHAT_CHECKPOINT_SIGNING_KEY_FILE": str(signing),
    }


def test_production_refuses_to_start_without_the_chain_and_signing_keys(tmp_path: Path) -> None:
    setup = "import django; django.setup()"
    keys = production_keys(tmp_path)
    module = {"DJANGO_SETTINGS_MODULE": "openhat.settings"}
    without_chain = run_python(setup, production_env(**module), tmp_path)
    assert without_chain.returncode != 0
    assert "OPENHAT_CHAIN_KEY" in without_chain.stderr

    only_chain = production_env(**module, OPENHAT_CHAIN_KEY_FILE=keys["OPENHAT_CHAIN_KEY_FILE"])
    without_signing = run_python(setup, only_chain, tmp_path)
    assert without_signing.returncode != 0
    assert "OPENHAT_CHECKPOINT_SIGNING_KEY_FILE" in without_signing.stderr

    assert run_python(setup, production_env(**module, **keys), tmp_path).returncode == 0


def test_a_migration_login_makes_the_database_url_role_the_application_role(
    tmp_path: Path,
) -> None:
    code = (
        "import openhat.settings as s\n"
        "print(s.OPENHAT_DATABASE_OWNER.get('USER'), repr(s.OPENHAT_DATABASE_APP_ROLE),"
        " s.DATABASES['default']['USER'])"
    )
    separate = run_python(
        code,
        {
            "DATABASE_URL": "postgresql://hat_app:secret@db.invalid:5432/openhat",
            "OPENHAT_MIGRATE_DATABASE_URL": "postgresql://hat_owner:other@db.invalid:5432/openhat",
        },
        tmp_path,
    )
    assert separate.returncode == 0, separate.stderr
    assert separate.stdout.strip() == "hat_owner 'hat_app' hat_app"
    # Without a migration login, DATABASE_URL's role owns and serves (check --deploy warns).
    one_login = run_python(code, {"DATABASE_URL": DUMMY_DATABASE}, tmp_path)
    assert one_login.returncode == 0, one_login.stderr
    assert one_login.stdout.strip() == "None '' openhat"
