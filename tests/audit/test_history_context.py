"""Row history (pghistory) records who changed a record, from where and through which route."""

from __future__ import annotations

from typing import Any

import pghistory.models
import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from openhat.audit.codes import AuditCode
from openhat.audit.middleware import RequestContextMiddleware
from openhat.audit.models import AuditEvent
from openhat.patients.models import Patient
from openhat.patients.services import change_status, clinic_today
from tests.conftest import Personas

pytestmark = pytest.mark.django_db


def _latest_patient_event(patient: Patient) -> Any:
    event = patient.events.order_by("-pgh_id").first()  # type: ignore[attr-defined]
    assert event is not None
    return event


def test_a_page_request_that_changes_a_patient_records_its_context(
    personas: Personas, patient: Patient, client_for: Any
) -> None:
    physician = personas["physician"]
    client: Client = client_for("physician")
    url = f"/patients/{patient.client_code}/status/"
    response = client.post(
        url, {"to_status": "assessing", "note": "first assessment"}, REMOTE_ADDR="10.20.30.40"
    )
    assert response.status_code == 302, response.content[:500]

    event = _latest_patient_event(patient)
    assert event.status == "assessing"
    assert event.pgh_label == "update"
    context = event.pgh_context
    assert isinstance(context, pghistory.models.Context)
    assert context.metadata["user"] == physician.pk
    assert context.metadata["ip"] == "10.20.30.40"
    assert context.metadata["clinic"] == "ZRH"
    assert context.metadata["route"] == f"POST {url}"
    assert context.metadata["url"] == url

    # The audit event written by the same request carries the same origin.
    audit = AuditEvent.objects.filter(code=AuditCode.PATIENT_STATUS_CHANGED).latest("pk")
    assert (audit.ip, audit.route, audit.actor_id) == ("10.20.30.40", f"POST {url}", physician.pk)


def test_the_middleware_puts_user_ip_route_and_clinic_into_the_history(
    personas: Personas, patient: Patient
) -> None:
    """Independent of any page: the middleware around a view that calls a service."""
    physician = personas["physician"]
    request = RequestFactory().post("/somewhere/status/", REMOTE_ADDR="192.0.2.7")
    request.user = physician
    request.clinic = personas.clinic  # type: ignore[attr-defined]

    def view(request: HttpRequest) -> HttpResponse:
        change_status(
            actor=physician,
            patient=patient,
            to_status="assessing",
            effective_date=clinic_today(patient.clinic),
        )
        return HttpResponse("done")

    RequestContextMiddleware(view)(request)

    metadata = _latest_patient_event(patient).pgh_context.metadata
    assert metadata == {
        "user": physician.pk,
        "url": "/somewhere/status/",
        "clinic": "ZRH",
        "ip": "192.0.2.7",
        "route": "POST /somewhere/status/",
    }
    status_event = AuditEvent.objects.filter(code=AuditCode.PATIENT_STATUS_CHANGED).latest("pk")
    assert status_event.ip == "192.0.2.7"
    assert status_event.route == "POST /somewhere/status/"


def test_changes_outside_a_request_have_no_request_context(
    personas: Personas, patient: Patient
) -> None:
    change_status(
        actor=personas["physician"],
        patient=patient,
        to_status="assessing",
        effective_date=clinic_today(patient.clinic),
    )
    event = _latest_patient_event(patient)
    assert event.status == "assessing"
    assert event.pgh_context is None
