"""`openhat audit verify` as an operator runs it: exit status 0 when intact, non-zero on a break."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from openhat.audit.keys import chain_keys
from openhat.audit.models import AuditEvent
from openhat.patients.services import read_identity
from tests.conftest import Personas
from tests.database import TEST_APP_ROLE, as_superuser

pytestmark = pytest.mark.django_db(transaction=True)


def _database_url() -> str:
    """The test database, logged into as the application's role (as the server would be)."""
    db = settings.DATABASES["default"]
    host = quote(str(db["HOST"]), safe="") if db["HOST"] else "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    return f"postgresql://{TEST_APP_ROLE}{password}@{host}{port}/{connection.settings_dict['NAME']}"


def openhat(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("OPENHAT_", "DJANGO_")) and key not in {"DATABASE_URL", "SECRET_KEY"}
    }
    env.update(
        DATABASE_URL=_database_url(),
        OPENHAT_VAR_DIR=str(tmp_path),
        # The operator's chain key: the one the test process sealed its rows with.
        OPENHAT_CHAIN_KEY=chain_keys().current.hex(),
        TERM="dumb",
    )
    return subprocess.run(  # noqa: S603  (our own entry point, fixed arguments)
        [sys.executable, "-m", "openhat.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_exit_status_is_zero_when_intact_and_non_zero_on_a_break(
    personas: Personas, patient: Any, tmp_path: Path
) -> None:
    read_identity(actor=personas["nurse"], patient=patient)
    events = AuditEvent.objects.count()

    intact = openhat("audit", "verify", tmp_path=tmp_path)
    assert intact.returncode == 0, intact.stderr
    assert f"audit_event: {events} rows checked, intact" in intact.stdout
    assert "access_log: 1 rows checked, intact" in intact.stdout

    victim = AuditEvent.objects.filter(chain_key=personas.clinic.pk).order_by("chain_seq")[3]
    with as_superuser():
        AuditEvent.objects.filter(pk=victim.pk).update(actor_username="someone_else")

    broken = openhat("audit", "verify", tmp_path=tmp_path)
    assert broken.returncode != 0
    assert f"row id {victim.pk}," in broken.stderr
    assert f"position {victim.chain_seq}:" in broken.stderr
    assert f"row id {victim.pk}," in broken.stdout
