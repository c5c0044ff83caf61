"""A double click or a retried submit of the eligibility, licence and consent forms writes one row.

Each form carries a one-time key made when it is shown; the service keeps the first result under
that key (openhat.core.idempotency) and a second submit with the same key returns it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connections
from django.db.models import Model

from openhat.audit.models import AuditEvent
from openhat.core.errors import Conflict
from openhat.core.models import IdempotencyKey
from openhat.enrolment import services
from openhat.enrolment.models import Consent, EligibilityAssessment, PatientLicence
from openhat.patients.models import Patient
from openhat.patients.services import clinic_today
from tests.conftest import Personas
from tests.enrolment.helpers import facts, patient_referred_days_ago
from tests.enrolment.test_pages import ELIGIBLE_FORM

pytestmark = pytest.mark.django_db


def _text(response: Any) -> str:
    return response.content.decode()


def _key_on(page: str) -> str:
    found = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    assert found is not None, "the form carries a one-time key"
    return found.group(1)


def _licence_form(patient: Patient) -> dict[str, str]:
    today = clinic_today(patient.clinic)
    return {
        "number": "BAG-1",
        "authority": "Federal Office of Public Health",
        "valid_from": today.isoformat(),
        "valid_until": (today + timedelta(days=365)).isoformat(),
    }


def _consent_form(patient: Patient) -> dict[str, str]:
    return {"kind": "treatment", "given_on": clinic_today(patient.clinic).isoformat()}


def _assessment_form(patient: Patient) -> dict[str, str]:
    return {**ELIGIBLE_FORM, "action": "sign", "decision": "eligible"}


# (role, page path under the patient, form data, model whose rows are counted)
FORMS: dict[str, tuple[str, str, Callable[[Patient], dict[str, str]], type[Model]]] = {
    "eligibility": ("physician", "eligibility/", _assessment_form, EligibilityAssessment),
    "licence": ("nurse", "licence/", _licence_form, PatientLicence),
    "consent": ("counsellor", "consents/new/", _consent_form, Consent),
}


@pytest.mark.parametrize("name", FORMS)
def test_a_second_submit_of_the_same_form_writes_no_second_row(
    client_for: Any, patient: Patient, name: str
) -> None:
    role, path, data, model = FORMS[name]
    client = client_for(role)
    url = f"/patients/{patient.client_code}/{path}"
    key = _key_on(_text(client.get(url)))
    audit_before = AuditEvent.objects.count()

    first = client.post(url, {**data(patient), "idempotency_key": key})
    second = client.post(url, {**data(patient), "idempotency_key": key})

    assert first.status_code == 302, _text(first)[:2000]
    assert second.status_code == 302, _text(second)[:2000]
    assert second["Location"] == first["Location"]
    assert model.objects.filter(patient=patient).count() == 1
    assert AuditEvent.objects.count() == audit_before + 1, "the repeat is not audited twice"
    assert IdempotencyKey.objects.filter(key=key).count() == 1


@pytest.mark.parametrize("name", FORMS)
def test_each_showing_of_a_form_has_its_own_key_and_records_its_own_row(
    client_for: Any, patient: Patient, name: str
) -> None:
    role, path, data, model = FORMS[name]
    client = client_for(role)
    url = f"/patients/{patient.client_code}/{path}"
    keys = [_key_on(_text(client.get(url))) for _ in range(2)]
    assert keys[0] != keys[1]
    for key in keys:
        assert client.post(url, {**data(patient), "idempotency_key": key}).status_code == 302
    assert model.objects.filter(patient=patient).count() == 2


def test_the_key_survives_the_check_step_so_a_double_click_on_sign_signs_once(
    client_for: Any, patient: Patient
) -> None:
    client = client_for("physician")
    url = f"/patients/{patient.client_code}/eligibility/"
    key = _key_on(_text(client.get(url)))
    checked = client.post(url, {**ELIGIBLE_FORM, "action": "check", "idempotency_key": key})
    assert _key_on(_text(checked)) == key
    signing = {**ELIGIBLE_FORM, "action": "sign", "decision": "eligible", "idempotency_key": key}
    assert [client.post(url, signing).status_code for _ in range(2)] == [302, 302]
    assert list(EligibilityAssessment.objects.values_list("version", flat=True)) == [1]


def test_a_refused_sign_keeps_the_key_unused(client_for: Any, patient: Patient) -> None:
    """A decision the criteria contradict saves nothing; the corrected submit then signs."""
    client = client_for("physician")
    url = f"/patients/{patient.client_code}/eligibility/"
    key = _key_on(_text(client.get(url)))
    data = {**ELIGIBLE_FORM, "action": "sign", "idempotency_key": key}
    refused = client.post(
        url, {**data, "decision": "exception", "exception_reason": "Board decision."}
    )
    assert refused.status_code == 400 and "The criteria are met" in _text(refused)
    assert client.post(url, {**data, "decision": "eligible"}).status_code == 302
    assert EligibilityAssessment.objects.get().decision == "eligible"


def test_a_key_used_for_another_patient_is_refused(
    client_for: Any, patient: Patient, personas: Personas
) -> None:
    other = services.record_consent(
        actor=personas["nurse"],
        patient=patient_referred_days_ago(patient.clinic, personas["nurse"], 3),
        kind="treatment",
        given_on=clinic_today(patient.clinic),
        idempotency_key="consent-shared-key-1",
    )
    response = client_for("nurse").post(
        f"/patients/{patient.client_code}/consents/new/",
        {**_consent_form(patient), "idempotency_key": "consent-shared-key-1"},
    )
    assert response.status_code == 400
    assert "already used for another patient" in _text(response)
    assert list(Consent.objects.all()) == [other]


def test_a_key_used_for_a_licence_is_refused_for_a_consent(
    personas: Personas, patient: Patient
) -> None:
    nurse = personas["nurse"]
    today = clinic_today(patient.clinic)
    services.record_licence(
        actor=nurse,
        patient=patient,
        number="BAG-1",
        authority="FOPH",
        valid_from=today,
        valid_until=today + timedelta(days=30),
        idempotency_key="one-key-two-acts",
    )
    with pytest.raises(Conflict, match="already used for a different action"):
        services.record_consent(
            actor=nurse,
            patient=patient,
            kind="treatment",
            given_on=today,
            idempotency_key="one-key-two-acts",
        )
    assert not Consent.objects.exists()


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_simultaneous_submits_with_one_key_sign_one_assessment(
    personas: Personas, patient: Patient
) -> None:
    """Two submits arriving together: the second waits on the key's lock, then finds the first."""
    attempts = 4
    start = threading.Barrier(attempts)
    versions: list[int] = []
    failures: list[BaseException] = []
    guard = threading.Lock()

    def submit() -> None:
        try:
            start.wait(timeout=30)
            assessment = services.assess_eligibility(
                actor=personas["physician"],
                patient=patient,
                facts=facts(),
                decision="eligible",
                idempotency_key="eligibility-tablet-0001",
            )
            with guard:
                versions.append(assessment.version)
        except BaseException as error:  # asserted on below
            with guard:
                failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not failures
    assert versions == [1] * attempts
    assert EligibilityAssessment.objects.filter(patient=patient).count() == 1
