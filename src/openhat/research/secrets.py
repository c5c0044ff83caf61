"""Where a study's secret lives: outside the database, like the audit chain key (audit.keys).

The secret keys the study's pseudonyms and date shifts (research.pseudonyms). Whoever holds it and
the database can re-identify the study's rows, so it is kept apart from the database and its data
directory, by the clinic, and never given to the researchers.

- `OPENHAT_STUDY_SECRETS_DIR`: a directory (outside the data directory, readable only by the
  application's user) with one file per study, `<CLINIC>-<study key>.key`, whose first line is the
  secret in hex (at least 32 bytes). In development and the demo, when the variable is unset, the
  directory is `var/keys/studies/`; production without it refuses every export.
- A missing or unreadable file refuses the export with `study_secret_missing`; nothing is exported.
- Rotation (docs/research.md): `openhat research secret --study KEY --rotate` writes a new secret
  and keeps the old file beside it as `.retired-<time>`. Exports record the secret's id (a digest,
  never the secret), so a researcher sees that pseudonyms and shifts changed with the secret: rows
  of exports under different ids do not link, which is what a rotation after a leak is for.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from openhat.core.env import env_str
from openhat.core.errors import DomainError

SECRET_BYTES = 32


@dataclass(frozen=True)
class StudySecret:
    value: bytes

    @property
    def secret_id(self) -> str:
        return secret_id(self.value)


def secret_id(secret: bytes) -> str:
    """A short public name for a secret: a digest of it, so the id reveals nothing."""
    return hashlib.sha256(b"openhat study secret id\x00" + secret).hexdigest()[:12]


def secrets_dir() -> Path | None:
    configured = env_str("OPENHAT_STUDY_SECRETS_DIR")
    if configured:
        return Path(configured)
    if settings.PRODUCTION:
        return None
    return Path(settings.VAR_DIR) / "keys" / "studies"


def secret_path(clinic_code: str, study_key: str) -> Path | None:
    directory = secrets_dir()
    return None if directory is None else directory / f"{clinic_code}-{study_key}.key"


def _missing(study_key: str, why: str) -> DomainError:
    return DomainError(
        "study_secret_missing",
        f"The secret of study {study_key!r} is not available ({why}); nothing was exported. "
        "The clinic keeps it outside the database: see docs/research.md.",
        "study",
    )


def study_secret(clinic_code: str, study_key: str) -> StudySecret:
    """The study's secret, or DomainError study_secret_missing naming what is wrong."""
    path = secret_path(clinic_code, study_key)
    if path is None:
        raise _missing(study_key, "OPENHAT_STUDY_SECRETS_DIR is not set")
    try:
        lines = [line.strip() for line in path.read_text().splitlines() if line.strip()]
    except OSError:
        raise _missing(study_key, f"no file {path.name} in the study secrets directory") from None
    try:
        secret = bytes.fromhex(lines[0]) if lines else b""
    except ValueError:
        raise _missing(study_key, f"{path.name} is not hexadecimal") from None
    if len(secret) < SECRET_BYTES:
        raise _missing(study_key, f"{path.name} holds fewer than {SECRET_BYTES} bytes")
    return StudySecret(secret)


def write_secret(clinic_code: str, study_key: str, *, rotate: bool = False) -> StudySecret:
    """Make the study's secret file (0600, directory 0700). An existing secret is kept unless
    `rotate`, which moves it aside as `.retired-<UTC time>` and writes a new one."""
    path = secret_path(clinic_code, study_key)
    if path is None:
        raise _missing(study_key, "OPENHAT_STUDY_SECRETS_DIR is not set")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    if path.exists():
        if not rotate:
            return study_secret(clinic_code, study_key)
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        path.rename(path.with_name(f"{path.name}.retired-{stamp}"))
    # O_EXCL: two processes never overwrite each other's fresh secret.
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return study_secret(clinic_code, study_key)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(os.urandom(SECRET_BYTES).hex() + "\n")
    return study_secret(clinic_code, study_key)
