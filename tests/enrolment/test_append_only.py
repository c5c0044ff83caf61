"""Assessments, licences, consents, revocations and enrolments are append-only in the database."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.utils import ProgrammingError

from openhat.enrolment.models import (
    Consent,
    ConsentRevocation,
    EligibilityAssessment,
    Enrolment,
    PatientLicence,
)
from openhat.enrolment.services import revoke_consent
from tests.enrolment.helpers import enrolled

pytestmark = pytest.mark.django_db

MODELS = [EligibilityAssessment, PatientLicence, Consent, ConsentRevocation, Enrolment]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_update_and_delete_fail_in_the_database(personas, patient, model):
    enrolment = enrolled(patient, personas["physician"])
    revoke_consent(
        actor=personas["physician"], consent=enrolment.treatment_consent, reason="withdrawn"
    )
    row = model.objects.first()
    table = model._meta.db_table
    for statement in (
        f"UPDATE {table} SET id = id WHERE id = %s",  # noqa: S608 (table from the model)
        f"DELETE FROM {table} WHERE id = %s",  # noqa: S608
    ):
        with pytest.raises(ProgrammingError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [row.pk])
    assert model.objects.filter(pk=row.pk).exists()


def test_the_orm_cannot_edit_an_assessment_either(personas, patient):
    assessment = enrolled(patient, personas["physician"]).assessment
    assessment.decision = "not_eligible"
    with pytest.raises(ProgrammingError), transaction.atomic():
        assessment.save()
    with pytest.raises(ProgrammingError), transaction.atomic():
        Consent.objects.update(note="edited")
    assessment.refresh_from_db()
    assert assessment.decision == "eligible"
