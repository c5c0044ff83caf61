"""Loading instruments and EQ-5D-5L value sets into the database: the only writers of both.

The shipped instrument files (interviews/instruments/*.toml) are loaded after every migrate
(interviews.apps), so a fresh database and a new release both hold every shipped version. A
version already loaded and unchanged is left alone; changed while no interview answers it, it is
updated; changed once answered, it is refused (`instrument_version_in_use`): its answers mean
what the version said, so a change is a new version (the database trigger holds the same line).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from django.contrib.auth.models import User
from django.db import transaction

from openhat.audit.codes import AuditCode
from openhat.audit.services import record_event
from openhat.core.errors import Conflict, DomainError
from openhat.interviews.definition import Definition, InstrumentFileError, parse, read_file
from openhat.interviews.eq5d import ValueSetFileError, read_value_set
from openhat.interviews.models import EQ5DValueSet, Instrument, Interview

INSTRUMENT_DIR = Path(__file__).with_name("instruments")


def shipped_files() -> list[Path]:
    return sorted(INSTRUMENT_DIR.glob("*.toml"))


def load_shipped_instruments() -> list[Instrument]:
    return [load_definition(read_file(path)) for path in shipped_files()]


def load_definition(definition: Definition, *, actor: User | None = None) -> Instrument:
    """Store one instrument version; see the module's docstring for what happens to a change."""
    with transaction.atomic():
        current = (
            Instrument.objects.select_for_update()
            .filter(key=definition.key, version=definition.version)
            .first()
        )
        if current is not None and current.sha256 == definition.sha256:
            return current
        if current is not None and Interview.objects.filter(instrument=current).exists():
            raise Conflict(
                "instrument_version_in_use",
                f"{definition.key} version {definition.version} already has answers and cannot "
                f"change; give the changed instrument version {definition.version + 1}.",
                "version",
            )
        fields = {
            "title": definition.title,
            "recall_days": definition.recall_days,
            "definition": definition.raw,
            "sha256": definition.sha256,
        }
        if current is None:
            current = Instrument.objects.create(
                key=definition.key, version=definition.version, **fields
            )
        else:
            Instrument.objects.filter(pk=current.pk).update(**fields)
            current.refresh_from_db()
        record_event(
            AuditCode.INSTRUMENT_LOADED,
            actor=actor,
            target=current,
            data={"key": current.key, "version": current.version, "sha256": current.sha256},
        )
        return current


def load_instrument_text(text: str, *, actor: User | None = None) -> Instrument:
    """An instrument file's text (TOML), checked, then stored as load_definition does."""
    import tomllib

    try:
        raw = tomllib.loads(text)
        definition = parse(raw)
    except (tomllib.TOMLDecodeError, InstrumentFileError) as error:
        raise DomainError("instrument_file_invalid", str(error), "file") from None
    return load_definition(definition, actor=actor)


def definition_of(instrument: Instrument) -> Definition:
    return parse(instrument.definition, str(instrument))


def load_value_set(text: str, *, actor: User | None = None) -> EQ5DValueSet:
    """Store a value set from its JSON file; the same key again is refused unless identical."""
    try:
        checked = read_value_set(text)
    except ValueSetFileError as error:
        raise DomainError("value_set_file_invalid", str(error), "file") from None
    digest = hashlib.sha256(json.dumps(checked, default=str, sort_keys=True).encode()).hexdigest()
    with transaction.atomic():
        existing = EQ5DValueSet.objects.filter(key=checked["key"]).first()
        if existing is not None:
            if existing.sha256 == digest:
                return existing
            raise Conflict(
                "value_set_key_in_use",
                f"A different value set is loaded as {checked['key']!r}; load it under a new key.",
                "key",
            )
        value_set = EQ5DValueSet.objects.create(sha256=digest, **checked)
        record_event(
            AuditCode.EQ5D_VALUE_SET_LOADED,
            actor=actor,
            target=value_set,
            data={"key": value_set.key, "source": value_set.source, "sha256": digest},
        )
        return value_set
