"""The counsellor's day in pages: the worklist, the board's mark, the nurse's call, the forms."""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from openhat.audit.models import AccessedRecord, AccessLog
from openhat.core import clock
from openhat.dosing.windows import current_window
from openhat.interviews.models import CounsellorCall, Interview
from openhat.prescribing.services import sign_order
from tests.conftest import Personas, sign_in
from tests.dosing.board_history import dosed
from tests.dosing.conftest import formulary as formulary
from tests.dosing.conftest import station as station
from tests.interviews.helpers import answers, enrolled_since
from tests.prescribing.conftest import dam, totp_code

pytestmark = pytest.mark.django_db


def text(response: Any) -> str:
    return " ".join(html.unescape(response.content.decode()).split())


@pytest.fixture
def observing(personas: Personas, station: Any) -> Any:
    """A patient on DAM (treatment started today: intake due), in observation after a dose."""
    now = clock.now()
    patient = enrolled_since(personas, 0)
    physician = personas["physician"]
    sign_order(
        actor=physician,
        patient=patient,
        order=dam(starts_at=now - timedelta(days=3)),
        totp_code=totp_code(physician),
    )
    dosed(
        personas,
        station,
        patient,
        now - timedelta(minutes=3),
        window=current_window(personas.clinic, now),
        signed_off=False,
    )
    return patient


def _form(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"interviewed_on": ""}
    for code, value in answers(**changes).items():
        if isinstance(value, bool):
            value = "yes" if value else "no"
        data[f"a_{code}"] = "" if value is None else str(value)
    return data


def test_a_counsellor_lands_on_the_worklist_and_sees_who_is_in_observation(
    personas: Personas, observing: Any
) -> None:
    client = sign_in(Client(), personas["counsellor"])
    landed = client.get("/", follow=True)
    assert landed.redirect_chain[-1][0] == "/interviews/"
    page = text(landed)
    assert "Intake interview due" in page, page[page.find("<main") :][:3000]
    assert f"{observing.client_code}" in page
    assert "in observation" in page


def test_the_nurse_sees_the_mark_on_the_board_and_tells_the_counsellors(
    personas: Personas, observing: Any
) -> None:
    nurse = sign_in(Client(), personas["nurse"])
    board = nurse.get("/dosing/")
    assert f'data-testid="interview-mark-{observing.client_code}"' in board.content.decode()
    confirm = nurse.get(f"/interviews/patients/{observing.client_code}/call/?next=/dosing/")
    assert "Intake interview" in text(confirm)
    told = nurse.post(f"/interviews/patients/{observing.client_code}/call/", {"next": "/dosing/"})
    assert told.status_code == 302 and told["Location"] == "/dosing/"
    assert CounsellorCall.objects.filter(patient=observing, time_point="intake").exists()
    worklist = text(sign_in(Client(), personas["counsellor"]).get("/interviews/"))
    assert "nurse called" in worklist


def test_a_counsellor_records_the_interview_through_the_form(
    personas: Personas, observing: Any
) -> None:
    client = sign_in(Client(), personas["counsellor"])
    url = f"/interviews/patients/{observing.client_code}/intake/"
    assert client.get(url).status_code == 200
    data = _form()
    data["interviewed_on"] = clock.now().astimezone(personas.clinic.zone).date().isoformat()
    saved = client.post(url, data)
    assert saved.status_code == 302, text(saved)[:2000]
    interview = Interview.objects.get(patient=observing)
    assert interview.answers["housing_status"] == "shelter"
    assert interview.answers["shared_needles"] is False
    page = client.get(f"/interviews/patients/{observing.client_code}/")
    assert "street heroin days" in text(page)
    assert AccessLog.objects.filter(patient=observing, record=AccessedRecord.INTERVIEW).exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"a_street_heroin_days": "31"}, "At most 30 days"),
        ({"a_arrests": "-1"}, "cannot be negative"),
        ({"a_cannabis_days": "3,5"}, "whole number"),
    ],
)
def test_bad_answers_on_the_form_are_shown_and_nothing_is_written(
    personas: Personas, observing: Any, change: dict[str, str], message: str
) -> None:
    client = sign_in(Client(), personas["counsellor"])
    data = _form()
    data["interviewed_on"] = clock.now().astimezone(personas.clinic.zone).date().isoformat()
    data.update(change)
    refused = client.post(f"/interviews/patients/{observing.client_code}/intake/", data)
    assert refused.status_code == 400
    assert message in text(refused)
    assert not Interview.objects.exists()


def test_a_missed_interview_without_a_reason_is_refused_on_the_form(
    personas: Personas, observing: Any
) -> None:
    client = sign_in(Client(), personas["counsellor"])
    url = f"/interviews/patients/{observing.client_code}/intake/missed/"
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400
    assert "Say why the interview was missed" in text(refused)
    assert client.post(url, {"reason": "refused"}).status_code == 302
    assert Interview.objects.get(patient=observing).missed_reason == "refused"
