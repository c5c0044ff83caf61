"""The community log: entries, their validation, corrections, the summary and the page."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import DatabaseError, transaction
from django.test import Client

from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.community import services
from openhat.community.models import CommunityLogEntry
from openhat.core.clock import clinic_today
from openhat.core.errors import DomainError, PermissionDenied
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def _entry(personas: Any, role: str = "manager", **changes: Any) -> CommunityLogEntry:
    fields: dict[str, Any] = {
        "occurred_on": clinic_today(personas.clinic) - timedelta(days=2),
        "category": "incident",
        "description": "Two people argued loudly at the tram stop opposite.",
        "action_taken": "A nurse went out and calmed things down.",
    }
    fields.update(changes)
    return services.record_entry(actor=personas[role], clinic=personas.clinic, **fields)


@pytest.mark.parametrize("role", ["manager", "physician", "nurse", "counsellor"])
def test_staff_who_meet_the_neighbourhood_record_entries(personas: Any, role: str) -> None:
    entry = _entry(personas, role)

    event = AuditEvent.objects.get(code=AuditCode.COMMUNITY_LOG_RECORDED)
    assert event.object_id == str(entry.pk)
    assert "tram" not in str(event.data)  # the audit trail names the entry, not its text


@pytest.mark.parametrize("role", ["pharmacist", "pharmacy_technician", "auditor", "researcher"])
def test_other_roles_do_not(personas: Any, role: str) -> None:
    with pytest.raises(PermissionDenied):
        _entry(personas, role)
    assert not CommunityLogEntry.objects.exists()


@pytest.mark.parametrize(
    "text",
    ["{code} was seen dealing", "saw {lower} outside", "client {spaced} shouted", "{bare} again"],
)
def test_a_client_code_of_the_clinics_patients_is_refused(
    personas: Any, patient: Any, text: str
) -> None:
    code = patient.client_code  # ZRH-0001
    number = code.split("-")[1]
    filled = text.format(
        code=code, lower=code.lower(), spaced=f"ZRH {int(number)}", bare=f"ZRH{number}"
    )
    for field in ("description", "action_taken"):
        with pytest.raises(DomainError) as refused:
            _entry(personas, **{field: filled})
        assert refused.value.code == "client_code_in_text"
        assert refused.value.field == field
    assert not CommunityLogEntry.objects.exists()


def test_a_number_that_is_no_patients_code_is_accepted(personas: Any, patient: Any) -> None:
    _entry(personas, description="Bus 31 and tram 4 stop at ZRH-9999 Langstrasse")


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"description": "  "}, "description_missing"),
        ({"action_taken": ""}, "action_taken_missing"),
        ({"description": "x" * 1001}, "description_too_long"),
        ({"category": "rumour"}, "unknown_category"),
        ({"occurred_on": date(2999, 1, 1)}, "date_out_of_range"),
    ],
)
def test_bad_input_is_refused(personas: Any, changes: dict[str, Any], code: str) -> None:
    with pytest.raises(DomainError) as refused:
        _entry(personas, **changes)
    assert refused.value.code in {code, "occurred_in_future"}
    assert not CommunityLogEntry.objects.exists()


def test_tomorrow_is_in_the_future(personas: Any) -> None:
    with pytest.raises(DomainError) as refused:
        _entry(personas, occurred_on=clinic_today(personas.clinic) + timedelta(days=1))
    assert refused.value.code == "occurred_in_future"


def test_a_correction_replaces_the_entry_in_the_counts(personas: Any) -> None:
    today = clinic_today(personas.clinic)
    wrong = _entry(personas, category="incident", occurred_on=today.replace(day=1))
    _entry(personas, category="meeting", occurred_on=today.replace(day=1), corrects=wrong)

    months = services.summary(personas.clinic, today.replace(day=1), today)

    assert months[-1].counts == {"incident": 0, "complaint": 0, "meeting": 1}
    with pytest.raises(DomainError) as twice:
        _entry(personas, corrects=wrong)
    assert twice.value.code == "entry_already_corrected"
    with pytest.raises(DatabaseError), transaction.atomic():
        CommunityLogEntry.objects.filter(pk=wrong.pk).update(category="complaint")


def test_the_summary_counts_by_month_and_category_with_empty_months(personas: Any) -> None:
    today = clinic_today(personas.clinic)
    first = services.months_back(today, 2)
    _entry(personas, occurred_on=first, category="complaint")
    _entry(personas, occurred_on=first + timedelta(days=1), category="complaint")
    _entry(personas, occurred_on=today, category="meeting")

    months = services.summary(personas.clinic, first, today)

    assert [m.month for m in months] == [
        f"{first:%Y-%m}",
        f"{services.months_back(today, 1):%Y-%m}",
        f"{today:%Y-%m}",
    ]
    assert months[0].counts == {"incident": 0, "complaint": 2, "meeting": 0}
    assert months[1].total == 0
    assert months[2].counts["meeting"] == 1
    with pytest.raises(DomainError):
        services.summary(personas.clinic, today, first)


def test_the_page_shows_an_empty_state_then_asks_to_confirm_before_saving(personas: Any) -> None:
    client = sign_in(Client(), personas["nurse"])
    assert 'data-testid="community-empty"' in client.get("/community/").content.decode()
    form = {
        "occurred_on": clinic_today(personas.clinic).isoformat(),
        "category": "meeting",
        "description": "Evening meeting with the residents' association.",
        "action_taken": "Agreed a phone number for complaints.",
    }

    review = client.post("/community/new/", {**form, "action": "review"})
    assert review.status_code == 200
    assert 'data-testid="confirm-entry"' in review.content.decode()
    assert not CommunityLogEntry.objects.exists()

    saved = client.post("/community/new/", {**form, "action": "save"})
    assert saved.status_code == 302
    assert CommunityLogEntry.objects.get().category == "meeting"
    assert "residents" in client.get("/community/").content.decode()


def test_the_form_says_what_is_wrong(personas: Any, patient: Any) -> None:
    client = sign_in(Client(), personas["manager"])
    page = client.get("/community/new/").content.decode()
    assert "Name no patient" in page  # the help says it before anyone types

    response = client.post(
        "/community/new/",
        {
            "occurred_on": "2026-02-30",
            "category": "",
            "description": f"{patient.client_code} shouted",
            "action_taken": "",
            "action": "review",
        },
    )

    text = response.content.decode()
    assert response.status_code == 400
    assert "Write YYYY-MM-DD." in text and "Choose a category." in text
    assert "Say what was done." in text
    client_code = client.post(
        "/community/new/",
        {
            "occurred_on": clinic_today(personas.clinic).isoformat(),
            "category": "complaint",
            "description": f"{patient.client_code} shouted",
            "action_taken": "Talked.",
            "action": "save",
        },
    )
    assert client_code.status_code == 400
    assert "Remove the client code" in client_code.content.decode()
    assert not CommunityLogEntry.objects.exists()
