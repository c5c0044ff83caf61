"""Prescribing pages: new order with the second factor, refusals and loosening, changes,
suspend/resume/stop, the plan on the chart, and the clinic's order list with expiry flags."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from openhat.patients.models import Patient
from openhat.patients.services import clinic_today
from openhat.prescribing.models import OrderEvent, OrderLine, OrderVersion
from openhat.prescribing.services import sign_order
from tests.conftest import Personas
from tests.prescribing.conftest import dam, enrol, totp_code

pytestmark = pytest.mark.django_db


def _text(response: Any) -> str:
    return response.content.decode()


def order_form(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "drug": "dam",
        "routes": ["iv"],
        "dose_unit": "mg",
        "dose_min": "150",
        "dose_max": "200",
        "sessions_per_day": "2",
        "daily_max": "400",
        "phase": "maintenance",
        "windows": ["morning", "evening"],
        "reason": "maintenance",
    }
    data.update(changes)
    return data


@pytest.fixture
def enrolled_patient(patient: Patient) -> Patient:
    return enrol(patient)


def _post_new(client: Any, patient: Patient, data: dict[str, Any]) -> Any:
    return client.post(f"/patients/{patient.client_code}/orders/new/", data)


def test_physician_signs_with_a_fresh_code_and_the_chart_shows_the_plan(
    client_for: Any, enrolled_patient: Patient, personas: Personas
) -> None:
    client = client_for("physician")
    response = _post_new(
        client, enrolled_patient, order_form(totp_code=totp_code(personas["physician"]))
    )
    assert response.status_code == 302, _text(response)[:2000]
    version = OrderVersion.objects.get()
    assert version.dose_min_mg == 150 and version.windows == ["evening", "morning"]
    chart = _text(client.get(f"/patients/{enrolled_patient.client_code}/"))
    assert 'data-testid="plan-table"' in chart and "150\N{EN DASH}200 mg per session" in chart
    assert "max 400 mg a day" in chart and "signed" in chart


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"dose_unit": "mL"}, "Write the dose in mg"),
        ({"dose_min": "-5", "dose_max": ""}, "A dose cannot be negative."),
        ({"dose_min": "250", "dose_max": "200"}, "is above its maximum"),
        ({"starts_on": "+2", "ends_on": "+1"}, "The order ends before it starts."),
        ({"totp_code": ""}, "Enter the 6-digit code from your authenticator app to sign."),
        ({"totp_code": "000000"}, "That code is not valid"),
    ],
)
def test_bad_orders_get_a_clear_message_and_nothing_is_saved(
    client_for: Any,
    enrolled_patient: Patient,
    personas: Personas,
    changes: dict[str, Any],
    message: str,
) -> None:
    today = clinic_today(enrolled_patient.clinic)
    data = order_form(totp_code=totp_code(personas["physician"]))
    for key, value in changes.items():
        if isinstance(value, str) and value.startswith("+"):
            value = (today + timedelta(days=int(value[1:]))).isoformat()
        data[key] = value
    response = _post_new(client_for("physician"), enrolled_patient, data)
    assert response.status_code == 400
    assert message in _text(response)
    assert not OrderLine.objects.exists() and not OrderVersion.objects.exists()


def test_a_nurse_cannot_sign(
    client_for: Any, enrolled_patient: Patient, personas: Personas
) -> None:
    response = _post_new(
        client_for("nurse"), enrolled_patient, order_form(totp_code=totp_code(personas["nurse"]))
    )
    assert response.status_code == 403
    assert not OrderVersion.objects.exists()
    chart = _text(client_for("nurse").get(f"/patients/{enrolled_patient.client_code}/"))
    assert "New order" not in chart


def test_a_forbidden_order_shows_the_findings_and_signs_only_through_a_loosening(
    client_for: Any, enrolled_patient: Patient, personas: Personas
) -> None:
    client = client_for("physician")
    data = order_form(dose_max="", dose_min="500", daily_max="1500", sessions_per_day="3")
    data["totp_code"] = totp_code(personas["physician"])
    refused = _post_new(client, enrolled_patient, data)
    page = _text(refused)
    assert refused.status_code == 400
    assert 'data-testid="findings"' in page and "Sign through a loosening" in page
    assert not OrderVersion.objects.exists()

    data["loosening_reason"] = "High tolerance documented over years; specialist review."
    data["totp_code"] = totp_code(personas["physician"])
    signed = _post_new(client, enrolled_patient, data)
    assert signed.status_code == 302, _text(signed)[:3000]
    version = OrderVersion.objects.get()
    assert version.preset_loosenings
    assert "loosening" in _text(client.get(f"/patients/{enrolled_patient.client_code}/"))


def _signed(patient: Patient, physician: Any, **changes: Any) -> OrderVersion:
    return sign_order(
        actor=physician, patient=patient, order=dam(**changes), totp_code=totp_code(physician)
    )


def test_change_supersedes_and_keeps_the_old_version(
    client_for: Any, enrolled_patient: Patient, personas: Personas
) -> None:
    physician = personas["physician"]
    first = _signed(enrolled_patient, physician)
    client = client_for("physician")
    url = f"/patients/{enrolled_patient.client_code}/orders/{first.line_id}/change/"
    form = client.get(url).context["form"]
    assert form.initial["expected_version"] == 1 and form.initial["dose_min"] == "150"
    data = order_form(dose_min="160", expected_version="1", totp_code=totp_code(physician))
    response = client.post(url, data)
    assert response.status_code == 302, _text(response)[:2000]
    assert [v.number for v in OrderVersion.objects.order_by("number")] == [1, 2]
    first.refresh_from_db()
    assert first.dose_min_mg == 150
    assert "replaces v1" in _text(client.get(f"/patients/{enrolled_patient.client_code}/"))
    stale = client.post(url, {**data, "totp_code": totp_code(physician)})
    assert stale.status_code == 400 and "changed meanwhile" in _text(stale)
    assert OrderVersion.objects.count() == 2


def test_suspend_resume_and_stop(
    client_for: Any, enrolled_patient: Patient, personas: Personas
) -> None:
    physician = personas["physician"]
    line_id = _signed(enrolled_patient, physician).line_id
    client = client_for("physician")
    base = f"/patients/{enrolled_patient.client_code}/orders/{line_id}"
    assert client.post(f"{base}/suspend/", {"reason": ""}).status_code == 400
    assert client.post(f"{base}/suspend/", {"reason": "in hospital"}).status_code == 302
    no_code = client.post(f"{base}/resume/", {"reason": "back"})
    assert no_code.status_code == 400 and "6-digit code" in _text(no_code)
    resumed = client.post(f"{base}/resume/", {"reason": "back", "totp_code": totp_code(physician)})
    assert resumed.status_code == 302
    assert "Stopping cannot be undone." in _text(client.get(f"{base}/stop/"))
    assert client.post(f"{base}/stop/", {"reason": "moved away"}).status_code == 302
    assert list(OrderEvent.objects.values_list("kind", flat=True)) == [
        "suspended",
        "resumed",
        "stopped",
    ]
    again = client.post(f"{base}/suspend/", {"reason": "again"})
    assert again.status_code == 400 and "cannot be suspended" in _text(again)


def test_clinic_list_flags_orders_ending_soon(
    client_for: Any, enrolled_patient: Patient, personas: Personas
) -> None:
    _signed(enrolled_patient, personas["physician"], ends_at=timezone.now() + timedelta(days=2))
    page = _text(client_for("pharmacist").get("/orders/"))
    assert enrolled_patient.client_code in page
    assert 'data-testid="expiring-flag"' in page and 'data-testid="expiring-summary"' in page
    chart = _text(client_for("nurse").get(f"/patients/{enrolled_patient.client_code}/"))
    assert 'data-testid="expiring-flag"' in chart


def test_clinic_list_empty_state(client_for: Any) -> None:
    assert "No orders yet" in _text(client_for("nurse").get("/orders/"))


def test_a_referred_patient_gets_no_order(
    client_for: Any, patient: Patient, personas: Personas
) -> None:
    response = _post_new(
        client_for("physician"), patient, order_form(totp_code=totp_code(personas["physician"]))
    )
    assert response.status_code == 400 and "orders are written" in _text(response)
    assert not OrderVersion.objects.exists()


def test_a_second_submit_of_the_same_order_form_signs_one_order(
    client_for: Any, enrolled_patient: Patient, personas: Personas
) -> None:
    """A double click on "Sign the order" sends the same form twice: one order, and the second
    submit lands on the chart like the first instead of an error about a used code."""
    import re

    client = client_for("physician")
    form_page = _text(client.get(f"/patients/{enrolled_patient.client_code}/orders/new/"))
    key = re.search(r'name="idempotency_key" value="([^"]+)"', form_page)
    assert key is not None, "the order form carries a one-time key"
    data = order_form(totp_code=totp_code(personas["physician"]), idempotency_key=key.group(1))
    first = _post_new(client, enrolled_patient, data)
    second = _post_new(client, enrolled_patient, data)
    assert first.status_code == 302, _text(first)[:2000]
    assert second.status_code == 302, _text(second)[:2000]
    assert OrderLine.objects.filter(patient=enrolled_patient).count() == 1
    assert OrderVersion.objects.count() == 1
