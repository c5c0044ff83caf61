"""The clinic's own full FHIR NDJSON export (research.bulk.clinic): a manager's, for the clinic."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from openhat.audit.codes import AuditCode
from openhat.audit.services import record_access, record_event
from openhat.clinics.access import require
from openhat.clinics.models import Clinic
from openhat.clinics.roles import Capability
from openhat.core.clock import clinic_today, now
from openhat.patients.models import Patient
from openhat.research.bulk.clinic import clinic_resources
from openhat.research.bulk.ndjson import MANIFEST, add_resources, bulk_manifest
from openhat.research.files import ExportFiles


def clinic_fhir_export(*, actor: User, clinic: Clinic) -> ExportFiles:
    require(actor, clinic, Capability.EXPORT_CLINIC_DATA)
    moment = now()
    patients = list(Patient.objects.filter(clinic=clinic, merged_into__isnull=True).order_by("pk"))
    files = ExportFiles()
    by_type, read = clinic_resources(patients, clinic_today(clinic, moment))
    add_resources(files, by_type)
    files.add(
        MANIFEST,
        bulk_manifest(
            files,
            transaction_time=moment,
            request=f"urn:openhat:clinic:{clinic.code}/$export",
            extra={"clinic": clinic.code, "patients": len(patients), "identifiable": True},
        ),
    )
    with transaction.atomic():
        for patient in patients:
            for record in dict.fromkeys(read[patient.pk]):
                record_access(actor=actor, patient=patient, record=record)
        record_event(
            AuditCode.CLINIC_FHIR_EXPORTED,
            actor=actor,
            clinic=clinic,
            data={"patients": len(patients), "counts": files.rows, "file_hashes": files.hashes()},
        )
    return files
