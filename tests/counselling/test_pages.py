"""The counselling-note pages: a counsellor writes, reads and corrects; each page that shows a
note's text logs the read; anyone else gets 404, with nothing written or logged."""

from __future__ import annotations

from typing import Any

import pytest

from openhat.audit.models import AccessLog
from openhat.counselling.models import CounsellingNote
from openhat.counselling.services import write_note

pytestmark = pytest.mark.django_db

OTHERS = ["physician", "nurse", "pharmacist", "pharmacy_technician", "manager", "auditor",
          "researcher", "outsider"]  # fmt: skip


def _reads(personas: Any, role: str) -> int:
    return AccessLog.objects.filter(actor=personas[role], record="counselling_note").count()


def test_a_counsellor_writes_reads_and_corrects(
    personas: Any, patient: Any, client_for: Any
) -> None:
    counsellor = client_for("counsellor")
    base = f"/counselling/patients/{patient.client_code}/"
    assert "No counselling notes yet." in counsellor.get(base).content.decode()

    response = counsellor.post(f"{base}new/", {"body": "First talk about housing.",
                                               "idempotency_key": "note-page-0001"})  # fmt: skip
    assert response.status_code == 302
    first = CounsellingNote.objects.get()

    page = counsellor.get(f"{base}new/?corrects={first.pk}")
    assert "First talk about housing." in page.content.decode()
    counsellor.post(f"{base}new/", {"body": "Housing talk was on Monday.", "corrects": first.pk})
    fixed = CounsellingNote.objects.exclude(pk=first.pk).get()
    assert fixed.corrects_id == first.pk

    listing = counsellor.get(base).content.decode()
    assert "Corrected by a later note" in listing
    assert "Housing talk was on Monday." in listing
    one = counsellor.get(f"/counselling/notes/{first.pk}/").content.decode()
    assert "Corrected by" in one
    # the empty list, the correction form, its submit (which reads the note it corrects), the
    # list and the note: five reads, five rows
    assert _reads(personas, "counsellor") == 5


@pytest.mark.parametrize("role", OTHERS)
def test_anyone_else_gets_404_and_nothing_is_logged(
    personas: Any, patient: Any, client_for: Any, role: str
) -> None:
    note = write_note(actor=personas["counsellor"], patient=patient, body="Private words.")
    client = client_for(role)
    base = f"/counselling/patients/{patient.client_code}/"

    for response in (
        client.get(base),
        client.get(f"{base}new/"),
        client.post(f"{base}new/", {"body": "an attempt"}),
        client.get(f"/counselling/notes/{note.pk}/"),
        client.get(f"{base}new/?corrects={note.pk}"),
    ):
        assert response.status_code == 404
        assert "Private words." not in response.content.decode()
    assert CounsellingNote.objects.count() == 1
    assert _reads(personas, role) == 0


def test_bad_note_input_is_shown_on_the_form(personas: Any, patient: Any, client_for: Any) -> None:
    counsellor = client_for("counsellor")
    url = f"/counselling/patients/{patient.client_code}/new/"
    for data, status in (
        ({"body": ""}, 400),
        ({"body": "x" * 20001}, 400),
        ({"body": "ok", "session_on": "2999-01-01"}, 400),
        ({"body": "ok", "session_on": "yesterday"}, 400),
        ({"body": "ok", "corrects": "abc"}, 404),
        ({"body": "ok", "corrects": "999999"}, 404),
    ):
        assert counsellor.post(url, data).status_code == status, data
    assert not CounsellingNote.objects.exists()


def test_the_chart_links_notes_for_counsellors_only(patient: Any, client_for: Any) -> None:
    chart = f"/patients/{patient.client_code}/"
    assert "Counselling notes" in client_for("counsellor").get(chart).content.decode()
    assert "Counselling notes" not in client_for("nurse").get(chart).content.decode()
