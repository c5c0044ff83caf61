"""The audit trail and access log pages."""

from __future__ import annotations

from typing import Any

import pytest

from openhat.audit.codes import AuditCode
from openhat.patients.models import Patient

pytestmark = pytest.mark.django_db


def test_manager_sees_the_clinics_events_newest_first(client_for: Any, patient: Patient) -> None:
    page = client_for("manager").get("/audit/").content.decode()
    assert f"{AuditCode.PATIENT_REGISTERED.value} · patient registered" in page
    assert "nurse_zrh" in page


def test_filter_by_code(client_for: Any, patient: Patient) -> None:
    client = client_for("manager")
    page = client.get(f"/audit/?code={AuditCode.PATIENT_STATUS_CHANGED.value}").content.decode()
    assert "No events of this kind" in page
    assert client.get("/audit/?code=not-a-number").status_code == 200


def test_access_log_lists_identity_views(client_for: Any, patient: Patient) -> None:
    client = client_for("manager")
    assert "No views recorded" in client.get("/audit/access-log/").content.decode()
    client_for("nurse").get(f"/patients/{patient.client_code}/")
    page = client.get("/audit/access-log/").content.decode()
    assert patient.client_code in page and "Identifying data" in page and "nurse_zrh" in page


def test_outsider_sees_only_their_own_clinic(
    client_for: Any, patient: Patient, other_patient: Patient
) -> None:
    page = client_for("outsider").get("/audit/").content.decode()
    assert "nurse_zrh" not in page and "manager_out" in page


@pytest.mark.parametrize("role", ["nurse", "physician", "researcher"])
def test_other_roles_may_not_read_the_audit_trail(client_for: Any, role: str) -> None:
    assert client_for(role).get("/audit/").status_code == 403
    assert client_for(role).get("/audit/access-log/").status_code == 403
