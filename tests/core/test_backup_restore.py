"""`openhat backup` and `openhat restore`: a round trip through pg_dump and pg_restore, then every
verifier; a damaged or missing backup is refused with its code and changes nothing."""

from __future__ import annotations

import json
from datetime import date, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.core.backup import sha256_of
from openhat.core.verifiers import run_verifiers
from openhat.patients.models import Patient
from openhat.patients.services import clinic_today, register_patient
from openhat.patients.validation import IdentityInput
from openhat.pharmacy.formulary import Formulary, set_up_formulary
from openhat.pharmacy.models import LedgerEntry
from openhat.pharmacy.services import receive_stock
from tests.conftest import Personas

pytestmark = pytest.mark.django_db(transaction=True)


def _receive(personas: Personas, formulary: Formulary, lot_number: str) -> None:
    receive_stock(
        actor=personas["pharmacist"],
        clinic=personas.clinic,
        product_id=formulary.hdm.pk,
        location_id=formulary.safe.pk,
        lot_number=lot_number,
        supplier="Test supplier",
        expires_on=clinic_today(personas.clinic) + timedelta(days=365),
        receipt_document="DN-1",
        amount=500,
        unit="mg",
    )


def _register(personas: Personas, name: str) -> Patient:
    return register_patient(
        actor=personas["nurse"],
        clinic=personas.clinic,
        identity=IdentityInput(
            legal_name=name, date_of_birth=date(1980, 5, 17), health_number=f"HN-{name[-4:]}"
        ),
    )


def _backup(directory: Path) -> tuple[Path, Path]:
    call_command("backup", "--to", str(directory), stdout=StringIO())
    (manifest,) = directory.glob("openhat-*.json")
    (dump,) = directory.glob("openhat-*.dump")
    return manifest, dump


def _restore(path: Path, *options: str) -> str:
    output = StringIO()
    call_command("restore", str(path), *options, stdout=output)
    return output.getvalue()


def _refused(path: Path, *options: str) -> str:
    with pytest.raises(CommandError) as refused:
        _restore(path, *options)
    return str(refused.value)


def test_round_trip_restores_the_backup_and_every_verifier_passes(
    personas: Personas, tmp_path: Path
) -> None:
    formulary = set_up_formulary(actor=personas["pharmacist"], clinic=personas.clinic)
    _receive(personas, formulary, "LOT-BEFORE")
    kept = _register(personas, "Kept Before Backup 0001")
    manifest_path, dump = _backup(tmp_path)

    manifest = json.loads(manifest_path.read_text())
    assert manifest["sha256"] == sha256_of(dump)
    assert manifest["bytes"] == dump.stat().st_size
    assert manifest["dump"] == dump.name
    assert "audit.0001_initial" in manifest["migrations"]
    assert AuditEvent.objects.filter(code=AuditCode.BACKUP_MADE).count() == 1

    entries_at_backup = LedgerEntry.objects.count()
    patients_at_backup = set(Patient.objects.values_list("client_code", flat=True))
    added = _register(personas, "Added After Backup 0002")
    _receive(personas, formulary, "LOT-AFTER")
    assert LedgerEntry.objects.count() > entries_at_backup

    output = _restore(manifest_path, "--yes")

    assert set(Patient.objects.values_list("client_code", flat=True)) == patients_at_backup
    assert kept.client_code in patients_at_backup
    assert not Patient.objects.filter(client_code=added.client_code).exists()
    assert LedgerEntry.objects.count() == entries_at_backup
    assert not LedgerEntry.objects.filter(lot__lot_number="LOT-AFTER").exists()
    # The restore is recorded in the restored trail; the backup's own event came after the dump.
    assert AuditEvent.objects.filter(code=AuditCode.BACKUP_RESTORED).count() == 1
    assert AuditEvent.objects.filter(code=AuditCode.BACKUP_MADE).count() == 0
    assert "passed  openhat audit verify" in output
    assert "passed  openhat ledger verify" in output
    assert "Every verifier passed" in output
    assert all(result.passed for result in run_verifiers(stdout=StringIO()))


def test_a_damaged_or_truncated_dump_is_refused_and_nothing_changes(
    personas: Personas, tmp_path: Path
) -> None:
    _register(personas, "Before Backup 0003")
    manifest_path, dump = _backup(tmp_path)
    after = _register(personas, "After Backup 0004")
    original = dump.read_bytes()
    damaged = bytearray(original)
    damaged[len(damaged) // 2] ^= 0xFF
    dump.write_bytes(bytes(damaged))

    message = _refused(manifest_path, "--yes")

    assert message.startswith("backup_checksum_mismatch:")
    assert "nothing was restored" in message
    # Named by its dump, or by the directory it is in, the same backup is refused the same way.
    assert _refused(dump, "--yes").startswith("backup_checksum_mismatch:")
    assert _refused(tmp_path, "--yes").startswith("backup_checksum_mismatch:")

    # A cut-off dump whose manifest was rewritten to match: pg_restore cannot read it.
    dump.write_bytes(original[:100])
    manifest = json.loads(manifest_path.read_text())
    manifest.update(sha256=sha256_of(dump), bytes=dump.stat().st_size)
    manifest_path.write_text(json.dumps(manifest))
    assert _refused(manifest_path, "--yes").startswith("backup_unreadable:")

    assert Patient.objects.filter(client_code=after.client_code).exists()


def test_missing_files_a_foreign_manifest_a_newer_schema_and_no_confirmation_are_refused(
    personas: Personas, tmp_path: Path
) -> None:
    assert _refused(tmp_path / "nowhere.json", "--yes").startswith("backup_not_found:")
    assert _refused(tmp_path, "--yes").startswith("backup_not_found:")

    manifest_path, dump = _backup(tmp_path / "backups")
    after = _register(personas, "After Backup 0005")

    # Without --yes, and with no terminal to ask on.
    assert _refused(manifest_path).startswith("restore_not_confirmed:")

    manifest = json.loads(manifest_path.read_text())
    newer = {**manifest, "migrations": [*manifest["migrations"], "audit.9999_from_the_future"]}
    manifest_path.write_text(json.dumps(newer))
    assert _refused(manifest_path, "--yes").startswith("restore_schema_newer:")
    manifest_path.write_text(json.dumps(manifest))

    manifest_path.rename(tmp_path / "elsewhere.json")
    assert _refused(dump, "--yes").startswith("backup_manifest_missing:")
    (tmp_path / "elsewhere.json").rename(manifest_path)
    dump.unlink()
    assert _refused(manifest_path, "--yes").startswith("backup_dump_missing:")

    foreign = tmp_path / "foreign.json"
    foreign.write_text(json.dumps({"format": "something-else"}))
    assert _refused(foreign, "--yes").startswith("backup_manifest_invalid:")
    foreign.write_text("not json")
    assert _refused(foreign, "--yes").startswith("backup_manifest_invalid:")

    assert Patient.objects.filter(client_code=after.client_code).exists()


def test_a_backup_older_than_a_signed_checkpoint_restores_but_fails_verification_saying_why(
    personas: Personas, tmp_path: Path
) -> None:
    _register(personas, "Before Backup 0007")
    manifest_path, _dump = _backup(tmp_path)
    _register(personas, "After Backup 0008")
    call_command("checkpoint", "--reason", "after the backup", stdout=StringIO())

    message = _refused(manifest_path, "--yes")

    # The checkpoint signed the audit rows of the registration the backup lacks.
    assert message.startswith("restore_verify_failed:")
    assert "openhat audit verify" in message
    assert "1 signed checkpoint(s) were made after this backup" in message
    assert not Patient.objects.filter(identity__legal_name="After Backup 0008").exists()
