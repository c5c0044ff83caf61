"""The matrix cases of the urine-screen, harm-reduction and counselling-note routes (format:
tests/access/cases.py). Screens are read by the chart's readers and recorded by physicians, nurses
and counsellors; counselling notes are the counsellors' alone, and everyone else gets 404, as for
another clinic's record. Placeholder: {note_id}, a note a ZRH counsellor wrote (NotesWorld)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openhat.counselling.services import write_note
from tests.access.cases import ALL_ROLES, RouteCase

CHART_READERS = ALL_ROLES - {"researcher"}
SCREEN_RECORDERS = frozenset({"physician", "nurse", "counsellor"})
COUNSELLORS = frozenset({"counsellor"})
OK = frozenset({200})
CREATED = frozenset({201})
REDIRECT = frozenset({302})
NOT_FOUND = frozenset({404})

SCREEN_FORM = {
    "sampled_at": "{today}T00:01",
    "supervised": "no",
    "setting": "laboratory",
    "papaverine": "negative",
    "acetylcodeine": "positive",
}
CONTACT_FORM = {"given_at": "{today}T00:01", "naloxone_kits": "1", "hcv_test": "accepted"}

SCREENS_NOTES_PAGE_CASES = [
    RouteCase("screens:patient", "GET", "/screens/patients/{code}/", CHART_READERS, OK),
    RouteCase("screens:new_screen", "GET", "/screens/patients/{code}/new/", SCREEN_RECORDERS, OK),
    RouteCase(
        "screens:new_screen",
        "POST",
        "/screens/patients/{code}/new/",
        SCREEN_RECORDERS,
        REDIRECT,
        data=SCREEN_FORM,
    ),
    RouteCase(
        "screens:new_contact",
        "GET",
        "/screens/patients/{code}/harm-reduction/new/",
        SCREEN_RECORDERS,
        OK,
    ),
    RouteCase(
        "screens:new_contact",
        "POST",
        "/screens/patients/{code}/harm-reduction/new/",
        SCREEN_RECORDERS,
        REDIRECT,
        data=CONTACT_FORM,
    ),
    RouteCase(
        "counselling:notes",
        "GET",
        "/counselling/patients/{code}/",
        COUNSELLORS,
        OK,
        denied_status=NOT_FOUND,
    ),
    RouteCase(
        "counselling:new_note",
        "GET",
        "/counselling/patients/{code}/new/",
        COUNSELLORS,
        OK,
        denied_status=NOT_FOUND,
    ),
    RouteCase(
        "counselling:new_note",
        "POST",
        "/counselling/patients/{code}/new/",
        COUNSELLORS,
        REDIRECT,
        denied_status=NOT_FOUND,
        data={"body": "Matrix: talked about the week."},
    ),
    RouteCase(
        "counselling:note",
        "GET",
        "/counselling/notes/{note_id}/",
        COUNSELLORS,
        OK,
        denied_status=NOT_FOUND,
    ),
]


@dataclass(frozen=True)
class NotesWorld:
    note_id: int

    def placeholders(self) -> dict[str, str]:
        return {"{note_id}": str(self.note_id)}


def build_notes(personas: Any, patient: Any) -> NotesWorld:
    note = write_note(actor=personas["counsellor"], patient=patient, body="Matrix note.")
    return NotesWorld(note.pk)
