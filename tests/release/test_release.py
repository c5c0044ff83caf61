"""Release of information (release.services, POST /api/patients/{code}/releases): only the
covered categories leave, with the notice against redisclosure; an expired, revoked,
not-covering or other-recipient consent is refused with its code and writes nothing; each release
is recorded with a SHA-256 that matches the package, an audit event and access-log rows."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from openhat.audit.codes import AuditCode
from openhat.audit.models import AccessLog, AuditEvent
from openhat.core.errors import DomainError
from openhat.enrolment.services import revoke_consent
from openhat.patients.models import PatientIdentity
from openhat.release import notice
from openhat.release.models import InformationRelease
from openhat.release.services import release_information
from tests.dosing.conftest import formulary as formulary
from tests.dosing.conftest import station as station
from tests.fhir.record_world import PURPOSE, RECIPIENT, Record, full_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(personas: Any, station: Any) -> Record:
    return full_record(personas, station, covers=("dosing_records", "prescriptions", "identity"))


def _release(personas: Any, record: Record, role: str = "physician", **changes: Any) -> Any:
    values: dict[str, Any] = {
        "recipient": RECIPIENT,
        "purpose": PURPOSE,
        "categories": ["dosing_records"],
    }
    values.update(changes)
    return release_information(actor=personas[role], patient=record.patient, **values)


def _types(release: InformationRelease) -> set[str]:
    bundle = Bundle.model_validate_json(release.package)
    return {entry.resource.get_resource_type() for entry in bundle.entry or []}


def _counts() -> tuple[int, int, int]:
    return (
        InformationRelease.objects.count(),
        AuditEvent.objects.count(),
        AccessLog.objects.count(),
    )


def test_only_the_covered_categories_chosen_leave(personas: Any, record: Record) -> None:
    identity = PatientIdentity.objects.get(patient=record.patient)

    release = _release(personas, record)

    bundle = Bundle.model_validate_json(release.package)
    assert bundle.type == "document" and bundle.identifier.value == str(release.document_id)
    assert _types(release) == {
        "Composition",
        "Patient",
        "Consent",
        "MedicationAdministration",
        "Observation",
    }
    observations = [
        e.resource for e in bundle.entry or [] if e.resource.get_resource_type() == "Observation"
    ]
    assert {o.category[0].coding[0].code for o in observations} == {"exam"}  # no screens
    consents = [
        e.resource for e in bundle.entry or [] if e.resource.get_resource_type() == "Consent"
    ]
    assert [c.id for c in consents] == [f"consent-{record.release_consent.pk}"]
    assert identity.legal_name not in release.package
    assert identity.date_of_birth.isoformat() not in release.package
    assert release.categories == ["dosing_records"]
    assert release.consent_ids == [record.release_consent.pk]


def test_the_package_carries_the_notice_and_the_part_2_labels(
    personas: Any, record: Record
) -> None:
    release = _release(personas, record, categories=["identity", "prescriptions"])

    bundle = Bundle.model_validate_json(release.package)
    composition = bundle.entry[0].resource
    assert composition.get_resource_type() == "Composition"
    assert composition.section[0].title == "Notice against redisclosure"
    assert notice.STATEMENT in composition.section[0].text.div
    assert {s.code for s in bundle.meta.security} == {"42CFRPart2", "NORDSCLCD"}
    assert RECIPIENT in composition.title and PURPOSE in composition.title
    identity = PatientIdentity.objects.get(patient=record.patient)
    assert identity.legal_name in release.package  # identity was covered and chosen
    assert "MedicationRequest" in _types(release)
    assert "MedicationAdministration" not in _types(release)


def test_the_release_is_recorded_with_the_hash_of_its_package(
    personas: Any, record: Record
) -> None:
    before = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    release = _release(personas, record, categories=["dosing_records", "prescriptions"])

    assert release.package_sha256 == hashlib.sha256(release.package.encode()).hexdigest()
    event = AuditEvent.objects.get(code=AuditCode.INFORMATION_RELEASED)
    assert event.object_id == str(release.pk)
    assert event.data["package_sha256"] == release.package_sha256
    assert event.data["recipient"] == RECIPIENT
    assert event.data["categories"] == ["dosing_records", "prescriptions"]
    logged = sorted(AccessLog.objects.filter(pk__gt=before).values_list("record", flat=True))
    assert logged == ["consent", "dosing_record", "prescription"]
    with pytest.raises(DatabaseError), transaction.atomic():
        InformationRelease.objects.filter(pk=release.pk).update(recipient="someone else")


def test_the_api_answers_with_the_package_whose_hash_was_recorded(
    client_for: Any, record: Record
) -> None:
    response = client_for("manager").post(
        f"/api/patients/{record.patient.client_code}/releases",
        data=json.dumps(
            {"recipient": RECIPIENT.upper(), "purpose": PURPOSE, "categories": ["prescriptions"]}
        ),
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    digest = hashlib.sha256(response.content).hexdigest()
    release = InformationRelease.objects.get()
    assert digest == response["X-Package-SHA256"] == release.package_sha256
    assert response["X-Release-Id"] == str(release.pk)
    listed = client_for("manager").get(f"/api/patients/{record.patient.client_code}/releases")
    assert [row["package_sha256"] for row in listed.json()] == [digest]


def _refused(personas: Any, record: Record, code: str, **changes: Any) -> DomainError:
    counts = _counts()
    with pytest.raises(DomainError) as refused:
        _release(personas, record, **changes)
    assert refused.value.code == code, refused.value.message
    assert _counts() == counts, "a refused release wrote something"
    return refused.value


def test_a_category_the_consent_does_not_cover_is_refused(personas: Any, record: Record) -> None:
    error = _refused(
        personas,
        record,
        "release_category_not_covered",
        categories=["dosing_records", "medical_notes"],
    )
    assert "medical notes" in error.message


def test_every_category_refused_is_named(personas: Any, record: Record) -> None:
    revoke_consent(actor=personas["physician"], consent=record.release_consent, reason="asked")

    error = _refused(
        personas,
        record,
        "release_consent_revoked",  # the first refused, in the categories' order
        categories=["medical_notes", "dosing_records"],
    )

    assert "revoked the consent covering dosing records" in error.message
    assert "covers medical notes" in error.message


def test_another_recipient_or_purpose_is_refused(personas: Any, record: Record) -> None:
    error = _refused(personas, record, "release_not_consented", recipient="City police")
    assert "City police" in error.message
    _refused(personas, record, "release_purpose_not_consented", purpose="Insurance claim")


def test_a_revoked_consent_is_refused(personas: Any, record: Record) -> None:
    revoke_consent(actor=personas["physician"], consent=record.release_consent, reason="asked")

    _refused(personas, record, "release_consent_revoked")


def test_an_expired_consent_is_refused(
    personas: Any, record: Record, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(days=91))

    error = _refused(personas, record, "release_consent_expired")
    assert "expired" in error.message


def test_a_consent_not_yet_given_is_refused(
    personas: Any, record: Record, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() - timedelta(days=2))

    _refused(personas, record, "release_consent_not_yet_given")


def test_counselling_notes_only_in_a_counsellors_release(personas: Any, record: Record) -> None:
    _refused(personas, record, "release_notes_counsellors_only", categories=["counselling_notes"])


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"recipient": "  "}, "recipient_required"),
        ({"purpose": ""}, "purpose_required"),
        ({"categories": []}, "categories_required"),
        ({"categories": ["everything"]}, "release_category_unknown"),
        ({"recipient": "x" * 201}, "recipient_too_long"),
    ],
)
def test_bad_input_is_refused(
    personas: Any, record: Record, changes: dict[str, Any], code: str
) -> None:
    _refused(personas, record, code, **changes)


@pytest.mark.parametrize("role", ["nurse", "pharmacist", "auditor", "researcher"])
def test_roles_that_may_not_release(personas: Any, record: Record, role: str) -> None:
    counts = _counts()
    with pytest.raises(DomainError) as refused:
        _release(personas, record, role=role)
    assert (
        refused.value.code in {"forbidden", "permission_denied"} or "role" in refused.value.message
    )
    assert _counts() == counts


def test_a_second_click_with_the_same_key_releases_once(personas: Any, record: Record) -> None:
    first = _release(personas, record, idempotency_key="release-key-0001")
    second = _release(personas, record, idempotency_key="release-key-0001")

    assert first.pk == second.pk and InformationRelease.objects.count() == 1


def test_a_counsellor_releases_counselling_notes_under_their_own_consent(
    personas: Any, record: Record
) -> None:
    from openhat.counselling.services import write_note
    from openhat.enrolment.services import record_consent

    write_note(actor=personas["counsellor"], patient=record.patient, body="Talked about housing.")
    today = record.release_consent.given_on
    notes_consent = record_consent(
        actor=personas["counsellor"],
        patient=record.patient,
        kind="release_of_information",
        given_on=today,
        expires_on=today + timedelta(days=30),
        recipient=RECIPIENT,
        purpose=PURPOSE,
        covers=["counselling_notes"],
    )

    release = _release(
        personas, record, role="counsellor", categories=["dosing_records", "counselling_notes"]
    )

    assert release.consent_ids == [record.release_consent.pk, notes_consent.pk]
    assert "Talked about housing." in release.package
    assert AuditEvent.objects.filter(code=AuditCode.COUNSELLING_NOTES_RELEASED).count() == 1


def test_the_api_refuses_with_the_code_and_writes_nothing(client_for: Any, record: Record) -> None:
    client = client_for("physician")  # signing in is audited
    counts = _counts()

    response = client.post(
        f"/api/patients/{record.patient.client_code}/releases",
        data=json.dumps(
            {"recipient": "City police", "purpose": PURPOSE, "categories": ["identity"]}
        ),
        content_type="application/json",
    )

    assert 400 <= response.status_code < 500, response.content
    assert response.json()["code"] == "release_not_consented"
    assert _counts() == counts
