"""Merging a duplicate record into the same person's record (issue 12, item 12): the service,
its API and its page."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import DatabaseError, transaction

from openhat.audit.codes import AuditCode
from openhat.audit.models import AccessedRecord, AccessLog, AuditEvent
from openhat.core.errors import DomainError
from openhat.patients.merging import merge_patients
from openhat.patients.models import Patient, PatientIdentity, PatientMerge, StatusChange
from openhat.patients.records import person_record_ids
from openhat.patients.services import register_patient
from openhat.patients.validation import IdentityInput
from openhat.prescribing.services import sign_order
from tests.api.conftest import send_json
from tests.conftest import Personas, confirmed_totp
from tests.prescribing.conftest import dam, enrol, totp_code

pytestmark = pytest.mark.django_db

REASON = "Same person: registered twice at intake, ID card checked."


def another(personas: Personas, name: str = "Second Record", clinic: Any = None) -> Patient:
    return register_patient(
        actor=personas.outsider if clinic is not None else personas["nurse"],
        clinic=clinic or personas.clinic,
        identity=IdentityInput(name, date(1988, 8, 8)),
    )


def merge(
    personas: Personas, duplicate: Patient, survivor: Patient, role: str = "physician", **kw: Any
) -> PatientMerge:
    actor = personas[role]
    return merge_patients(
        actor=actor,
        duplicate=duplicate,
        survivor=survivor,
        reason=kw.pop("reason", REASON),
        totp_code=kw.pop("totp_code", None) or totp_code(actor),
    )


def refused(
    personas: Personas, code: str, duplicate: Patient, survivor: Patient, **kw: Any
) -> None:
    merges, events = (
        PatientMerge.objects.count(),
        AuditEvent.objects.filter(code=AuditCode.PATIENTS_MERGED).count(),
    )
    with pytest.raises(DomainError) as caught:
        merge(personas, duplicate, survivor, **kw)
    assert caught.value.code == code, caught.value.as_dict()
    assert PatientMerge.objects.count() == merges
    assert AuditEvent.objects.filter(code=AuditCode.PATIENTS_MERGED).count() == events
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id is None or code == "already_merged"


@pytest.mark.parametrize("role", ["physician", "manager"])
def test_a_merge_marks_the_duplicate_and_keeps_everything(
    personas: Personas, patient: Patient, role: str
) -> None:
    duplicate = another(personas)
    rows_before = (
        Patient.objects.count(),
        PatientIdentity.objects.count(),
        StatusChange.objects.count(),
    )

    done = merge(personas, duplicate, patient, role)

    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == patient.pk
    assert (done.duplicate_id, done.survivor_id, done.actor_id) == (
        duplicate.pk,
        patient.pk,
        personas[role].pk,
    )
    assert done.reason == REASON
    assert done.second_factor_verified_at is not None
    # Nothing deleted: both records, identities and histories stay.
    assert (
        Patient.objects.count(),
        PatientIdentity.objects.count(),
        StatusChange.objects.count(),
    ) == rows_before
    event = AuditEvent.objects.get(code=AuditCode.PATIENTS_MERGED)
    assert event.data["duplicate"] == duplicate.client_code
    assert event.data["survivor"] == patient.client_code
    assert event.data["reason"] == REASON
    assert person_record_ids(patient) == [patient.pk, duplicate.pk]
    assert person_record_ids(duplicate) == [patient.pk, duplicate.pk]


def test_the_merge_record_cannot_be_changed_or_deleted(
    personas: Personas, patient: Patient
) -> None:
    done = merge(personas, another(personas), patient)
    for change in (
        lambda: PatientMerge.objects.filter(pk=done.pk).update(reason="changed my mind"),
        lambda: PatientMerge.objects.filter(pk=done.pk).delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            change()


@pytest.mark.parametrize("role", ["nurse", "counsellor", "pharmacist", "auditor"])
def test_only_physicians_and_managers_merge(
    personas: Personas, patient: Patient, role: str
) -> None:
    refused(personas, "role_not_allowed", another(personas), patient, role=role)


def test_a_merge_needs_the_second_factor_and_a_reason(personas: Personas, patient: Patient) -> None:
    duplicate = another(personas)
    confirmed_totp(personas["physician"])
    refused(personas, "second_factor_invalid", duplicate, patient, totp_code="000000")
    refused(personas, "merge_reason_required", duplicate, patient, reason="dup")
    with pytest.raises(DomainError) as caught:
        merge_patients(
            actor=personas["physician"],
            duplicate=duplicate,
            survivor=patient,
            reason=REASON,
            totp_code="",
        )
    assert caught.value.code == "second_factor_required"


def test_merges_that_make_no_sense_are_refused(personas: Personas, patient: Patient) -> None:
    duplicate, third = another(personas), another(personas, "Third Record")
    refused(personas, "merge_same_record", patient, patient)
    merge(personas, duplicate, patient)
    duplicate.refresh_from_db()
    refused(personas, "already_merged", duplicate, third)
    refused(personas, "survivor_is_merged", third, duplicate)


def test_a_duplicate_with_live_orders_is_refused(personas: Personas, patient: Patient) -> None:
    duplicate = enrol(another(personas))
    physician = personas["physician"]
    sign_order(actor=physician, patient=duplicate, order=dam(), totp_code=totp_code(physician))
    refused(personas, "duplicate_has_live_orders", duplicate, patient)


def test_records_merged_into_a_duplicate_follow_it(personas: Personas, patient: Patient) -> None:
    first, second = another(personas), another(personas, "Third Record")
    merge(personas, first, second)
    second.refresh_from_db()

    merge(personas, second, patient)

    first.refresh_from_db()
    assert first.merged_into_id == patient.pk  # one level deep, never a chain
    assert person_record_ids(patient) == [patient.pk, first.pk, second.pk]
    assert AuditEvent.objects.filter(code=AuditCode.PATIENTS_MERGED).last().data["followers"] == [
        first.client_code
    ]
    assert PatientMerge.objects.count() == 2


def test_a_merge_across_clinics_needs_the_role_in_both(
    personas: Personas, patient: Patient
) -> None:
    elsewhere = another(personas, clinic=personas.other_clinic)
    with pytest.raises(DomainError) as caught:
        merge(personas, elsewhere, patient)
    assert caught.value.status_code == 404
    assert not PatientMerge.objects.exists()


# --- API ---------------------------------------------------------------------------------------


def test_api_merge(client_for: Any, personas: Personas, patient: Patient) -> None:
    duplicate = another(personas)
    body = {"survivor": patient.client_code, "reason": REASON, "totp_code": "000000"}
    client = client_for("physician")

    wrong = send_json(client, "post", f"/api/patients/{duplicate.client_code}/merge", body)
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "second_factor_invalid"

    body["totp_code"] = totp_code(personas["physician"])
    done = send_json(client, "post", f"/api/patients/{duplicate.client_code}/merge", body)
    assert done.status_code == 200, done.json()
    assert done.json()["merged_into"] == patient.client_code

    again = send_json(
        client,
        "post",
        f"/api/patients/{duplicate.client_code}/merge",
        {**body, "totp_code": totp_code(personas["physician"])},
    )
    assert again.status_code == 409
    assert again.json()["code"] == "already_merged"

    nurse = send_json(
        client_for("nurse"),
        "post",
        f"/api/patients/{patient.client_code}/merge",
        {**body, "survivor": duplicate.client_code},
    )
    assert nurse.status_code == 403


# --- pages -------------------------------------------------------------------------------------


def test_page_confirms_with_both_records_then_merges(
    client_for: Any, personas: Personas, patient: Patient
) -> None:
    duplicate = another(personas)
    client = client_for("physician")
    url = f"/patients/{duplicate.client_code}/merge/"
    reads = AccessLog.objects.filter(record=AccessedRecord.IDENTITY).count()

    compare = client.post(url, {"survivor": patient.client_code.lower(), "reason": REASON})

    assert compare.status_code == 200
    page = compare.content.decode()
    assert 'data-testid="merge-confirmation"' in page
    assert "This cannot be undone" in page
    assert "Test Person" in page and "Second Record" in page
    assert not PatientMerge.objects.exists()
    # Both identities were shown: two logged reads.
    assert AccessLog.objects.filter(record=AccessedRecord.IDENTITY).count() == reads + 2

    confirm = {"survivor": patient.client_code, "reason": REASON, "confirmed": "True"}
    wrong = client.post(url, {**confirm, "totp_code": "000000"})
    assert wrong.status_code == 200
    assert 'data-testid="merge-confirmation"' in wrong.content.decode()
    assert "not valid" in wrong.content.decode()
    assert not PatientMerge.objects.exists()

    done = client.post(url, {**confirm, "totp_code": totp_code(personas["physician"])})
    assert done.status_code == 302
    assert done["Location"] == f"/patients/{patient.client_code}/"
    assert PatientMerge.objects.get().duplicate_id == duplicate.pk

    survivor_chart = client.get(f"/patients/{patient.client_code}/").content.decode()
    assert (
        'data-testid="merged-records"' in survivor_chart and duplicate.client_code in survivor_chart
    )
    duplicate_chart = client.get(f"/patients/{duplicate.client_code}/").content.decode()
    assert 'data-testid="merged-into"' in duplicate_chart
    assert "Merge into another record" not in duplicate_chart


def test_page_refuses_an_unknown_survivor_on_its_field(
    client_for: Any, personas: Personas, patient: Patient, other_patient: Patient
) -> None:
    duplicate = another(personas)
    response = client_for("physician").post(
        f"/patients/{duplicate.client_code}/merge/",
        {"survivor": other_patient.client_code, "reason": REASON},
    )
    assert response.status_code == 400
    assert "No such record in your clinics." in response.content.decode()
    assert other_patient.client_code not in response.content.decode().replace(
        f'value="{other_patient.client_code}"', ""
    )


def test_nurses_see_no_merge_button(client_for: Any, patient: Patient) -> None:
    page = client_for("nurse").get(f"/patients/{patient.client_code}/").content.decode()
    assert "Merge into another record" not in page
    assert client_for("nurse").get(f"/patients/{patient.client_code}/merge/").status_code == 403
