"""The audit trail, the access log, row history and clinical ledgers refuse UPDATE and DELETE in the
database itself, whoever sends the SQL (docs/domain.md §7 invariant 5)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pghistory.models
import pytest
from django.apps import apps
from django.db import DatabaseError, connection, models, transaction

from openhat.audit.models import AccessedRecord, AccessLog, AuditEvent
from openhat.audit.services import record_access
from openhat.community.models import CommunityLogEntry
from openhat.outcomes.models import PublicReport
from openhat.patients.models import IdentityPhoto, StatusChange
from openhat.patients.services import upload_photo
from openhat.research.models import ResearchExport
from tests.audit.images import png_bytes
from tests.outcomes.public_world import public_rows
from tests.research.world import research_rows

pytestmark = pytest.mark.django_db

PROTECTED_MESSAGE = "pgtrigger: Cannot update or delete rows from {table} table"


def _row_of(model: type[models.Model]) -> models.Model:
    row = model._default_manager.order_by("pk").first()
    assert row is not None, f"the fixtures should have made a {model.__name__} row"
    return row


def _first_text_column(model: type[models.Model]) -> str:
    for field in model._meta.concrete_fields:
        if isinstance(field, models.CharField | models.TextField) and not field.primary_key:
            return field.column
    raise AssertionError(f"{model.__name__} has no text column to overwrite")


def _assert_refused(sql: str, params: list[Any], table: str) -> None:
    with (
        pytest.raises(DatabaseError, match=PROTECTED_MESSAGE.format(table=table)),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)


@pytest.fixture
def protected_rows(personas: Any, patient: Any, monkeypatch: Any, tmp_path: Any) -> None:
    """At least one row in every append-only table."""
    record_access(actor=personas["nurse"], patient=patient, record=AccessedRecord.IDENTITY)
    upload_photo(actor=personas["nurse"], patient=patient, content=png_bytes())
    public_rows(personas)
    research_rows(personas, monkeypatch, tmp_path)


def _event_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if issubclass(m, pghistory.models.Event)]


def test_every_tracked_model_has_an_event_table() -> None:
    names = {m._meta.label for m in _event_models()}
    assert {
        "patients.PatientEvent",
        "patients.PatientIdentityEvent",
        "clinics.ClinicEvent",
        "clinics.StaffMembershipEvent",
    } <= names


APPEND_ONLY_MODELS: list[Callable[[], type[models.Model]]] = [
    lambda: AuditEvent,
    lambda: AccessLog,
    lambda: StatusChange,
    lambda: IdentityPhoto,
    lambda: apps.get_model("patients", "PatientEvent"),
    lambda: apps.get_model("patients", "PatientIdentityEvent"),
    lambda: apps.get_model("clinics", "ClinicEvent"),
    lambda: apps.get_model("clinics", "StaffMembershipEvent"),
    lambda: CommunityLogEntry,
    lambda: PublicReport,
    # (ResearchStudy is guarded the same way; an ORM delete of it stops first at the export's
    # protected foreign key, so the export stands for the pair here.)
    lambda: ResearchExport,
]
MODEL_IDS = [
    "audit_event",
    "access_log",
    "status_change",
    "identity_photo",
    "patient_history",
    "identity_history",
    "clinic_history",
    "membership_history",
    "community_log",
    "public_report",
    "research_export",
]


@pytest.mark.parametrize("get_model", APPEND_ONLY_MODELS, ids=MODEL_IDS)
def test_raw_update_is_refused_by_the_database(protected_rows: None, get_model: Any) -> None:
    model = get_model()
    row = _row_of(model)
    table = model._meta.db_table
    column = _first_text_column(model)
    _assert_refused(
        # Identifiers come from model metadata, never from input.
        f'UPDATE "{table}" SET "{column}" = "{column}" WHERE "{model._meta.pk.column}" = %s',  # noqa: S608
        [row.pk],
        table,
    )


@pytest.mark.parametrize("get_model", APPEND_ONLY_MODELS, ids=MODEL_IDS)
def test_raw_delete_is_refused_by_the_database(protected_rows: None, get_model: Any) -> None:
    model = get_model()
    row = _row_of(model)
    table = model._meta.db_table
    sql = f'DELETE FROM "{table}" WHERE "{model._meta.pk.column}" = %s'  # noqa: S608
    _assert_refused(sql, [row.pk], table)
    assert model.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("get_model", APPEND_ONLY_MODELS, ids=MODEL_IDS)
def test_orm_bulk_update_and_delete_are_refused(protected_rows: None, get_model: Any) -> None:
    model = get_model()
    table = model._meta.db_table
    column_field = next(
        f for f in model._meta.concrete_fields if f.column == _first_text_column(model)
    )
    refused = PROTECTED_MESSAGE.format(table=table)
    with pytest.raises(DatabaseError, match=refused), transaction.atomic():
        model.objects.all().update(**{column_field.name: "rewritten"})
    with pytest.raises(DatabaseError, match=refused), transaction.atomic():
        model.objects.all().delete()
    assert not model.objects.filter(**{column_field.name: "rewritten"}).exists()


def test_audit_event_content_cannot_be_rewritten(protected_rows: None) -> None:
    event = AuditEvent.objects.order_by("pk").first()
    assert event is not None
    _assert_refused(
        "UPDATE audit_auditevent SET data = '{\"rewritten\": true}'::jsonb WHERE id = %s",
        [event.pk],
        "audit_auditevent",
    )
    event.refresh_from_db()
    assert "rewritten" not in event.data
