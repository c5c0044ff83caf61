"""A witness's or a station physician's password, typed on a colleague's screen, is no lever against
the person named: wrong ones count against the caller (user and address), never lock the named
person's sign-in, pause the caller's checks past a limit, and alert the clinic's managers.

Real requests: the JSON API with a nurse's bearer token, the station and pharmacy pages, and the
sign-in page for the person named.
"""

from __future__ import annotations

import html
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client

from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.clinics.roles import Role
from openhat.clinics.services import add_membership, create_api_token
from openhat.core.models import RateWindow
from tests.conftest import PASSWORD, Personas, make_user, sign_in
from tests.dosing.api_client import SEDATED, decided_over_http, expect, expect_error, post
from tests.dosing.conftest import formulary as formulary
from tests.dosing.conftest import station as station
from tests.prescribing.conftest import totp_code

pytestmark = pytest.mark.django_db

WRONG = "not the physician's password"


def bearer(personas: Personas, role: str, address: str = "10.1.1.1") -> Client:
    _, secret = create_api_token(actor=personas[role], name="station")
    return Client(headers={"Authorization": f"Bearer {secret}"}, REMOTE_ADDR=address)


def override_body(decision: dict[str, Any], password: str, code: str) -> dict[str, Any]:
    return {
        "decision_id": decision["id"],
        "rule_ids": ["sedation_reduce"],
        "allowed_dose_mg": "15",
        "reason": "tolerance documented at the previous clinic",
        "totp_code": code,
        "physician_username": "physician_zrh",
        "physician_password": password,
    }


def physician_signs_in(address: str = "10.9.9.9") -> int:
    response = Client(REMOTE_ADDR=address).post(
        "/accounts/login/", {"username": "physician_zrh", "password": PASSWORD}
    )
    return response.status_code


def events(code: AuditCode) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(code=code).order_by("pk"))


def test_a_nurse_token_cannot_lock_the_physician_out_and_is_paused_itself(
    personas: Personas, station: Any, settings: Any
) -> None:
    nurse = bearer(personas, "nurse")
    decision = decided_over_http(nurse, station.patient.pk, assessment=SEDATED)
    path = f"sessions/{decision['session_id']}/override"
    code = totp_code(personas["physician"])
    limit = settings.OPENHAT_WITNESS_FAILURE_LIMIT

    answers = [post(nurse, path, override_body(decision, WRONG, code)) for _ in range(limit)]

    assert [a.json()["code"] for a in answers[:-1]] == ["physician_sign_in_failed"] * (limit - 1)
    # The wrong password that reaches the limit already says the checks are paused.
    paused = expect_error(answers[-1], 429, "physician_checks_paused")
    assert "clinic manager has been told" in paused["message"]
    # The physician's own sign-in is untouched: nothing was counted against the account.
    assert physician_signs_in() == 302
    assert not AccessAttempt.objects.filter(username="physician_zrh").exists()
    # The caller's checks stay paused, even with the right password, and say for how long.
    again = post(nurse, path, override_body(decision, PASSWORD, code))
    expect_error(again, 429, "physician_checks_paused")
    assert 0 < int(again["Retry-After"]) <= settings.OPENHAT_WITNESS_FAILURE_MINUTES * 60
    # Every wrong password is audited in the clinic, and the pause once.
    failed = events(AuditCode.SECOND_PERSON_CHECK_FAILED)
    assert len(failed) == limit
    assert {(e.clinic_id, e.actor_id) for e in failed} == {
        (personas.clinic.pk, personas["nurse"].pk)
    }
    (pause,) = events(AuditCode.SECOND_PERSON_CHECKS_PAUSED)
    assert pause.data["by"] == ["user"] and pause.data["address"] == "10.1.1.1"


def test_another_nurse_elsewhere_can_still_call_the_physician(
    personas: Personas, station: Any, settings: Any
) -> None:
    settings.OPENHAT_WITNESS_FAILURE_LIMIT = 2
    first = bearer(personas, "nurse", "10.1.1.1")
    decision = decided_over_http(first, station.patient.pk, assessment=SEDATED)
    path = f"sessions/{decision['session_id']}/override"
    code = totp_code(personas["physician"])
    for _ in range(2):
        post(first, path, override_body(decision, WRONG, code))
    other_nurse = make_user("nurse_two_zrh")
    add_membership(actor=None, user=other_nurse, clinic=personas.clinic, role=Role.NURSE)
    _, secret = create_api_token(actor=other_nurse, name="second station")
    second = Client(headers={"Authorization": f"Bearer {secret}"}, REMOTE_ADDR="10.2.2.2")

    lifted = post(second, path, override_body(decision, PASSWORD, code))

    expect(lifted, 201)
    expect_error(
        post(first, path, override_body(decision, PASSWORD, code)), 429, "physician_checks_paused"
    )


def test_an_address_is_paused_when_its_callers_together_pass_its_limit(
    personas: Personas, station: Any, settings: Any
) -> None:
    """A clinic's stations share an address, so its limit is higher; callers there count together."""
    settings.OPENHAT_WITNESS_ADDRESS_FAILURE_LIMIT = 3
    nurse = bearer(personas, "nurse", "10.3.3.3")
    decision = decided_over_http(nurse, station.patient.pk, assessment=SEDATED)
    path = f"sessions/{decision['session_id']}/override"
    code = totp_code(personas["physician"])
    callers = []
    for index in range(3):
        user = make_user(f"nurse_{index}_zrh")
        add_membership(actor=None, user=user, clinic=personas.clinic, role=Role.NURSE)
        _, secret = create_api_token(actor=user, name="shared station")
        callers.append(
            Client(headers={"Authorization": f"Bearer {secret}"}, REMOTE_ADDR="10.3.3.3")
        )

    codes = [post(c, path, override_body(decision, WRONG, code)).json()["code"] for c in callers]

    assert codes == [
        "physician_sign_in_failed",
        "physician_sign_in_failed",
        "physician_checks_paused",
    ]
    expect_error(
        post(nurse, path, override_body(decision, PASSWORD, code)), 429, "physician_checks_paused"
    )
    (pause,) = events(AuditCode.SECOND_PERSON_CHECKS_PAUSED)
    assert pause.data["by"] == ["address"]


def test_the_manager_sees_the_pause_on_their_start_page(
    personas: Personas, station: Any, settings: Any
) -> None:
    settings.OPENHAT_WITNESS_FAILURE_LIMIT = 1
    nurse = bearer(personas, "nurse")
    decision = decided_over_http(nurse, station.patient.pk, assessment=SEDATED)
    post(
        nurse,
        f"sessions/{decision['session_id']}/override",
        override_body(decision, WRONG, totp_code(personas["physician"])),
    )
    manager = sign_in(Client(), personas["manager"])

    landing = manager.get("/", follow=True)

    assert landing.redirect_chain[-1][0] == "/staff/"
    page = html.unescape(landing.content.decode())
    assert "Witness checks paused for nurse_zrh" in page
    assert "tried: physician_zrh" in page and "Nobody's own sign-in was locked" in page


def test_a_witness_on_a_page_counts_against_the_caller_not_the_witness(
    personas: Personas, station: Any, settings: Any
) -> None:
    """The pharmacist's waste form: wrong witness passwords pause the pharmacist's checks, the
    form keeps its values, and the witness can still sign in."""
    settings.OPENHAT_WITNESS_FAILURE_LIMIT = 2
    pharmacist = sign_in(Client(REMOTE_ADDR="10.4.4.4"), personas["pharmacist"])
    form = {
        "stock": f"{station.solution.pk}:{station.formulary.dosing_room.pk}",
        "amount": "2",
        "unit": "ml",
        "reason": "spilled on the tray",
        "witness_username": "pharmacy_technician_zrh",
        "witness_password": "wrong",
        "idempotency_key": "waste-form-1",
    }
    first = pharmacist.post("/pharmacy/waste/", form)
    second = pharmacist.post("/pharmacy/waste/", {**form, "idempotency_key": "waste-form-2"})
    third = pharmacist.post(
        "/pharmacy/waste/", {**form, "witness_password": PASSWORD, "idempotency_key": "w-3"}
    )

    assert first.status_code == 400
    assert "username or password is wrong" in html.unescape(first.content.decode())
    for response in (second, third):
        page = html.unescape(response.content.decode())
        assert response.status_code == 400
        assert "these checks are paused" in page and 'name="witness_username"' in page
        assert "spilled on the tray" in page
    technician = Client().post(
        "/accounts/login/", {"username": "pharmacy_technician_zrh", "password": PASSWORD}
    )
    assert technician.status_code == 302


def test_a_disabled_colleague_never_passes_as_witness(personas: Personas, station: Any) -> None:
    technician = personas["pharmacy_technician"]
    technician.is_active = False
    technician.save(update_fields=["is_active"])
    nurse = bearer(personas, "nurse")
    decision = decided_over_http(nurse, station.patient.pk, assessment=SEDATED)

    answer = post(
        nurse,
        f"sessions/{decision['session_id']}/exceptions",
        {
            "kind": "refused",
            "notes": "",
            "witness_username": "pharmacy_technician_zrh",
            "witness_password": PASSWORD,
        },
    )

    expect_error(answer, 400, "witness_sign_in_failed")
    assert RateWindow.objects.get(key=f"second-person:user:{personas['nurse'].pk}").count == 1
