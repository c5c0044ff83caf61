"""Making a study's export (tables, or FHIR NDJSON), and reading one back to download.

Every export: the researcher's role is checked, the study and its secret are found (or the export
is refused with study_unknown / study_secret_missing before anything is read), the consents are
read for the clinic's today (research.consent_basis), the files are built in memory, and then
one transaction stores the ResearchExport (who, the study, the consent ids, the counts, each file's
SHA-256 and the zip) with its audit event. A failure anywhere leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction

from openhat.audit.codes import AuditCode
from openhat.audit.services import record_event
from openhat.clinics.access import require
from openhat.clinics.models import Clinic
from openhat.clinics.roles import Capability
from openhat.core.clock import clinic_today, now
from openhat.core.errors import Conflict, DomainError, NotFound
from openhat.research import dictionary
from openhat.research.bulk.ndjson import MANIFEST, add_resources, bulk_manifest
from openhat.research.bulk.research import research_resources
from openhat.research.consent_basis import LEFT_OUT_LABELS, ConsentBasis, consent_basis
from openhat.research.files import (
    ExportFiles,
    manifest,
    sha256,
    table_csv,
    table_parquet,
    zip_bytes,
)
from openhat.research.models import DateMode, ExportKind, ResearchExport, ResearchStudy
from openhat.research.secrets import study_secret
from openhat.research.studies import study_for
from openhat.research.tables import Table, build_tables
from openhat.research.tables.people import subjects_for

Step = Callable[[str], None]


@dataclass(frozen=True)
class ExportResult:
    record: ResearchExport
    files: ExportFiles


def _quiet(_step: str) -> None:
    return None


def _header(study: ResearchStudy, basis: ConsentBasis, day: str, secret_id: str) -> dict:
    return {
        "study": study.key,
        "study_name": study.name,
        "clinic": study.clinic.code,
        "export_day": day,
        "date_mode": study.date_mode,
        "secret_id": secret_id,
        "patients_included": len(basis.included),
        "patients_left_out": basis.left_out_total,
        "left_out_by_reason": {
            reason: {"count": count, "why": LEFT_OUT_LABELS[reason]}  # type: ignore[index]
            for reason, count in basis.left_out.items()
        },
    }


def _table_files(tables: list[Table], study: ResearchStudy, step: Step) -> ExportFiles:
    files = ExportFiles()
    for table in tables:
        step(f"writing {table.name}")
        files.add(f"{table.name}.csv", table_csv(table), rows=len(table.rows))
        files.add(f"{table.name}.parquet", table_parquet(table, study.date_mode), len(table.rows))
    heading = f"Data dictionary: study {study.key} ({study.get_date_mode_display().lower()})"
    files.add("data_dictionary.csv", dictionary.plain_csv(tables, study.date_mode))
    files.add("data_dictionary.md", dictionary.markdown(tables, study.date_mode, heading))
    files.add("redcap_data_dictionary.csv", dictionary.redcap_csv(tables, study.date_mode))
    return files


def make_export(
    *,
    actor: User,
    clinic: Clinic,
    study_key: str | None,
    kind: str = ExportKind.TABLES,
    on_step: Step = _quiet,
) -> ExportResult:
    require(actor, clinic, Capability.EXPORT_RESEARCH)
    study = study_for(clinic, study_key)
    if kind == ExportKind.FHIR_NDJSON and study.date_mode != DateMode.SHIFTED:
        raise DomainError(
            "study_dates_relative",
            f"Study {study.key} gives dates as days since the first dose; FHIR resources need "
            "dates, so this study's export is the tables (CSV and Parquet).",
            "kind",
        )
    secret = study_secret(clinic.code, study.key)
    moment = now()
    day = clinic_today(clinic, moment)
    on_step("reading consents")
    basis = consent_basis(clinic, study.name, day)
    subjects = subjects_for(basis, secret.value, study.date_mode)
    on_step("reading records")
    tables = build_tables(subjects, clinic)
    header = _header(study, basis, day.isoformat(), secret.secret_id)
    if kind == ExportKind.FHIR_NDJSON:
        on_step("validating FHIR resources")
        files = ExportFiles()
        add_resources(files, research_resources(tables))
        request = f"urn:openhat:clinic:{clinic.code}:study:{study.key}/$export"
        files.add(
            MANIFEST, bulk_manifest(files, transaction_time=moment, request=request, extra=header)
        )
    else:
        files = _table_files(tables, study, on_step)
        files.add(MANIFEST, manifest({**header, "made_at": moment.isoformat()}, files))
    on_step("recording the export")
    folder = f"{study.key}-{day.isoformat()}"
    archive = zip_bytes(files, folder, moment)
    with transaction.atomic():
        record = ResearchExport.objects.create(
            clinic=clinic,
            study=study,
            kind=kind,
            made_by=actor,
            made_at=moment,
            export_day=day,
            date_mode=study.date_mode,
            secret_id=secret.secret_id,
            included=len(basis.included),
            excluded=basis.left_out,
            consent_ids=basis.consent_ids,
            row_counts=files.rows,
            file_hashes=files.hashes(),
            archive_sha256=sha256(archive),
            archive_bytes=len(archive),
            archive=archive,
        )
        record_event(
            AuditCode.RESEARCH_EXPORT_MADE,
            actor=actor,
            clinic=clinic,
            target=record,
            data={
                "study": study.key,
                "kind": kind,
                "export_day": day.isoformat(),
                "secret_id": secret.secret_id,
                "included": len(basis.included),
                "left_out": basis.left_out,
                "consent_ids": basis.consent_ids,
                "row_counts": files.rows,
                "file_hashes": files.hashes(),
                "archive_sha256": record.archive_sha256,
            },
        )
    return ExportResult(record, files)


def exports_for(actor: User, clinic: Clinic) -> list[ResearchExport]:
    require(actor, clinic, Capability.EXPORT_RESEARCH)
    return list(
        ResearchExport.objects.filter(clinic=clinic)
        .select_related("study", "made_by")
        .defer("archive")
    )


def download_export(*, actor: User, clinic: Clinic, export_id: int) -> ResearchExport:
    """The export's zip for a researcher of its clinic, checked against its recorded hash."""
    require(actor, clinic, Capability.EXPORT_RESEARCH)
    record = (
        ResearchExport.objects.filter(clinic=clinic, pk=export_id).select_related("study").first()
    )
    if record is None:
        raise NotFound("export_not_found", "No such export in your clinic.")
    archive = bytes(record.archive)
    if sha256(archive) != record.archive_sha256:
        raise Conflict(
            "export_archive_altered",
            "This export's archive no longer matches its recorded hash; it is not served.",
        )
    with transaction.atomic():
        record_event(
            AuditCode.RESEARCH_EXPORT_DOWNLOADED,
            actor=actor,
            clinic=clinic,
            target=record,
            data={"study": record.study.key, "archive_sha256": record.archive_sha256},
        )
    return record
