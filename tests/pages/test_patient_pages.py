"""Patient pages: list and search, registration, chart, identity, status and photo."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from openhat.audit.models import AccessedRecord, AccessLog
from openhat.patients.models import IdentityPhoto, Patient, PatientIdentity
from tests.conftest import Personas

pytestmark = pytest.mark.django_db


def png(size: tuple[int, int] = (16, 16)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (90, 120, 150)).save(buffer, format="PNG")
    return SimpleUploadedFile("face.png", buffer.getvalue(), content_type="image/png")


def new_patient_form(client: Any) -> dict[str, str]:
    """The fields of a freshly rendered new-patient form, with its one-time key."""
    form = client.get("/patients/new/").context["form"]
    return {
        "legal_name": "Test Person New",
        "date_of_birth": "1984-07-01",
        "sex": "male",
        "health_number": "ABC-123",
        "idempotency_key": form.initial["idempotency_key"],
    }


# --- list -----------------------------------------------------------------------------------


def test_empty_clinic_says_so_and_offers_registration(client_for: Any) -> None:
    page = client_for("nurse").get("/patients/").content.decode()
    assert "No patients yet" in page and "New patient" in page


def test_roles_that_cannot_register_get_no_button(client_for: Any) -> None:
    page = client_for("pharmacist").get("/patients/").content.decode()
    assert "No patients yet" in page and "New patient" not in page


def test_search_by_number_and_status(client_for: Any, patient: Patient) -> None:
    client = client_for("nurse")
    assert patient.client_code in client.get("/patients/?q=1").content.decode()
    assert patient.client_code in client.get("/patients/?q=zrh-0001").content.decode()
    assert patient.client_code in client.get("/patients/?status=referred").content.decode()
    no_match = client.get("/patients/?status=enrolled").content.decode()
    assert patient.client_code not in no_match and "No patient matches" in no_match
    assert "No patient matches" in client.get("/patients/?q=9999").content.decode()


def test_a_bad_status_filter_is_ignored_not_an_error(client_for: Any, patient: Patient) -> None:
    response = client_for("nurse").get("/patients/?status=<script>&q=" + "9" * 50)
    assert response.status_code == 200


def test_list_never_shows_names(client_for: Any, patient: Patient) -> None:
    assert "Test Person" not in client_for("nurse").get("/patients/").content.decode()


def test_researchers_have_no_patient_list(client_for: Any) -> None:
    assert client_for("researcher").get("/patients/").status_code == 403


# --- registration -----------------------------------------------------------------------------


def test_register_a_patient(client_for: Any, personas: Personas) -> None:
    client = client_for("nurse")
    response = client.post("/patients/new/", new_patient_form(client))
    created = Patient.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/patients/{created.client_code}/"
    )
    assert created.client_code == "ZRH-0001" and created.identity.legal_name == "Test Person New"
    chart = client.get(response["Location"]).content.decode()
    assert "registered as referred" in chart


def test_submitting_the_same_form_twice_registers_once(client_for: Any) -> None:
    client = client_for("nurse")
    data = new_patient_form(client)
    first = client.post("/patients/new/", data)
    second = client.post("/patients/new/", data)
    assert Patient.objects.count() == 1
    assert first["Location"] == second["Location"]
    # A newly rendered form is a new registration, not a replay of the first: the same person
    # again is a possible duplicate (nothing registered), another person is registered.
    again = client.post("/patients/new/", new_patient_form(client))
    assert again.status_code == 409 and "may already be registered" in again.content.decode()
    assert Patient.objects.count() == 1
    another = client.post(
        "/patients/new/",
        {**new_patient_form(client), "legal_name": "Test Other", "health_number": "XYZ-789"},
    )
    assert another.status_code == 302 and another["Location"] != first["Location"]
    assert Patient.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"legal_name": ""}, "legal_name", "This field is required"),
        ({"legal_name": "x" * 201}, "legal_name", "at most 200 characters"),
        ({"date_of_birth": ""}, "date_of_birth", "This field is required"),
        ({"date_of_birth": "17.05.1975"}, "date_of_birth", "Enter a valid date"),
        (
            {"date_of_birth": (date.today() + timedelta(days=2)).isoformat()},
            "date_of_birth",
            "cannot be in the future",
        ),
        ({"date_of_birth": "1890-01-01"}, "date_of_birth", "before 1900"),
        ({"date_of_birth": "1850-01-01"}, "date_of_birth", "Choose a date from"),
        ({"sex": "dragon"}, "sex", "Select a valid choice"),
        ({"health_number": "#!?"}, "health_number", "A health number has at most 40"),
        ({"health_number": "1" * 41}, "health_number", "at most 40 characters"),
        ({"idempotency_key": "short"}, None, "idempotency key"),
    ],
)
def test_bad_registration_input_is_explained_and_saves_nothing(
    client_for: Any, change: dict[str, str], field: str | None, message: str
) -> None:
    client = client_for("nurse")
    data = {**new_patient_form(client), **change}
    response = client.post("/patients/new/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    if field:
        assert message in " ".join(response.context["form"].errors[field])
    assert not Patient.objects.exists()


def test_pharmacists_cannot_register(client_for: Any) -> None:
    assert client_for("pharmacist").get("/patients/new/").status_code == 403


# --- chart and identity -------------------------------------------------------------------------


def test_chart_shows_identity_and_logs_the_view(
    client_for: Any, personas: Personas, patient: Patient
) -> None:
    page = client_for("nurse").get(f"/patients/{patient.client_code}/").content.decode()
    assert "Test Person" in page and "1975-05-17" in page and "756.1234.5678.97" in page
    assert "Status history" in page and "Referred" in page
    for section in ("Eligibility", "Consents", "Orders", "Dosing"):
        assert section in page
    assert "No photo yet" in page
    entry = AccessLog.objects.get()
    assert entry.actor == personas["nurse"] and entry.record == AccessedRecord.IDENTITY
    assert entry.patient == patient


def test_chart_without_identity_rights_shows_and_logs_nothing_identifying(
    client_for: Any, patient: Patient
) -> None:
    page = client_for("pharmacist").get(f"/patients/{patient.client_code}/").content.decode()
    assert patient.client_code in page
    assert "Test Person" not in page and "1975-05-17" not in page
    assert not AccessLog.objects.exists()


def test_another_clinics_patient_is_not_found(client_for: Any, other_patient: Patient) -> None:
    for path in ("/", "/identity/", "/status/", "/photo", "/photo/upload/"):
        response = client_for("manager").get(f"/patients/{other_patient.client_code}{path}")
        assert response.status_code == 404, path
        assert "Other Person" not in response.content.decode()


def test_unknown_code_is_a_friendly_404(client_for: Any) -> None:
    response = client_for("nurse").get("/patients/ZRH-9999/")
    assert response.status_code == 404 and "Not found" in response.content.decode()


def test_edit_identity(client_for: Any, patient: Patient) -> None:
    client = client_for("nurse")
    form = client.get(f"/patients/{patient.client_code}/identity/")
    assert 'value="Test Person"' in form.content.decode()
    response = client.post(
        f"/patients/{patient.client_code}/identity/",
        {
            "legal_name": "  Test   Person  Renamed ",
            "date_of_birth": "1975-05-18",
            "sex": "other",
            "health_number": "",
        },
    )
    assert response.status_code == 302
    identity = PatientIdentity.objects.get(patient=patient)
    assert identity.legal_name == "Test Person Renamed" and identity.date_of_birth == date(
        1975, 5, 18
    )


def test_edit_identity_rejects_a_future_birth_date_and_keeps_the_old_one(
    client_for: Any, patient: Patient
) -> None:
    response = client_for("nurse").post(
        f"/patients/{patient.client_code}/identity/",
        {
            "legal_name": "Test Person",
            "date_of_birth": (date.today() + timedelta(days=3)).isoformat(),
            "sex": "female",
            "health_number": "",
        },
    )
    assert response.status_code == 400 and "cannot be in the future" in response.content.decode()
    assert PatientIdentity.objects.get(patient=patient).date_of_birth == date(1975, 5, 17)


# --- status -------------------------------------------------------------------------------------


def test_status_form_offers_only_allowed_next_statuses(client_for: Any, patient: Patient) -> None:
    page = client_for("physician").get(f"/patients/{patient.client_code}/status/").content.decode()
    assert 'value="assessing"' in page and 'value="exited"' in page
    assert 'value="enrolled"' not in page.split('name="to_status"')[1].split("</select>")[0]


def test_change_status(client_for: Any, patient: Patient) -> None:
    client = client_for("physician")
    response = client.post(f"/patients/{patient.client_code}/status/", {"to_status": "assessing"})
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.status == "assessing"
    chart = client.get(f"/patients/{patient.client_code}/").content.decode()
    assert "Referred → Assessing" in chart


def test_illegal_transition_is_explained(client_for: Any, patient: Patient) -> None:
    response = client_for("physician").post(
        f"/patients/{patient.client_code}/status/", {"to_status": "enrolled"}
    )
    assert response.status_code == 400
    assert "cannot become enrolled" in " ".join(response.context["form"].errors["to_status"])
    patient.refresh_from_db()
    assert patient.status == "referred"


def test_future_effective_date_is_refused(client_for: Any, patient: Patient) -> None:
    response = client_for("physician").post(
        f"/patients/{patient.client_code}/status/",
        {
            "to_status": "assessing",
            "effective_date": (date.today() + timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 400 and "cannot be in the future" in response.content.decode()


def test_an_exit_is_confirmed_before_it_is_saved(client_for: Any, patient: Patient) -> None:
    client = client_for("physician")
    path = f"/patients/{patient.client_code}/status/"
    asked = client.post(path, {"to_status": "exited", "exit_reason": "transfer", "note": "moved"})
    assert asked.status_code == 200 and "Confirm the exit" in asked.content.decode()
    assert "Transfer to another clinic" in asked.content.decode()
    patient.refresh_from_db()
    assert patient.status == "referred"
    done = client.post(
        path,
        {"to_status": "exited", "exit_reason": "transfer", "note": "moved", "confirmed": "True"},
    )
    assert done.status_code == 302
    patient.refresh_from_db()
    assert patient.status == "exited" and patient.exit_reason == "transfer"


def test_an_exit_without_reason_is_refused_after_confirmation(
    client_for: Any, patient: Patient
) -> None:
    response = client_for("physician").post(
        f"/patients/{patient.client_code}/status/", {"to_status": "exited", "confirmed": "True"}
    )
    assert (
        response.status_code == 400
        and "Choose the reason for the exit" in response.content.decode()
    )


def test_over_long_note_is_refused(client_for: Any, patient: Patient) -> None:
    response = client_for("physician").post(
        f"/patients/{patient.client_code}/status/", {"to_status": "assessing", "note": "n" * 2001}
    )
    assert response.status_code == 400 and "at most 2000 characters" in response.content.decode()


def test_nurses_cannot_change_status(client_for: Any, patient: Patient) -> None:
    assert (
        client_for("nurse")
        .post(f"/patients/{patient.client_code}/status/", {"to_status": "assessing"})
        .status_code
        == 403
    )
    patient.refresh_from_db()
    assert patient.status == "referred"


# --- photo --------------------------------------------------------------------------------------


def test_upload_and_view_a_photo(client_for: Any, patient: Patient) -> None:
    client = client_for("nurse")
    response = client.post(f"/patients/{patient.client_code}/photo/upload/", {"photo": png()})
    assert response.status_code == 302
    chart = client.get(f"/patients/{patient.client_code}/").content.decode()
    assert f'src="/patients/{patient.client_code}/photo"' in chart
    photo = client.get(f"/patients/{patient.client_code}/photo")
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"
    assert photo["Cache-Control"] == "no-store"
    assert photo.content == bytes(IdentityPhoto.objects.get().content)
    assert AccessLog.objects.filter(record=AccessedRecord.PHOTO).count() == 1


def test_a_file_that_is_not_an_image_is_refused(client_for: Any, patient: Patient) -> None:
    fake = SimpleUploadedFile(
        "face.png", b"#!/bin/sh\necho not an image\n", content_type="image/png"
    )
    response = client_for("nurse").post(
        f"/patients/{patient.client_code}/photo/upload/", {"photo": fake}
    )
    assert response.status_code == 400
    assert "not a readable JPEG, PNG or WebP image" in response.content.decode()
    assert not IdentityPhoto.objects.exists()


def test_an_image_of_another_type_is_refused(client_for: Any, patient: Patient) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="GIF")
    gif = SimpleUploadedFile("face.gif", buffer.getvalue(), content_type="image/gif")
    response = client_for("nurse").post(
        f"/patients/{patient.client_code}/photo/upload/", {"photo": gif}
    )
    assert response.status_code == 400 and "Only JPEG, PNG or WebP" in response.content.decode()


def test_a_photo_too_large_is_refused(client_for: Any, patient: Patient, settings: Any) -> None:
    settings.OPENHAT_PHOTO_MAX_BYTES = 10_000
    buffer = io.BytesIO()
    Image.effect_noise((200, 200), 80).convert("RGB").save(buffer, format="PNG")
    assert len(buffer.getvalue()) > 10_000
    big = SimpleUploadedFile("face.png", buffer.getvalue(), content_type="image/png")
    response = client_for("nurse").post(
        f"/patients/{patient.client_code}/photo/upload/", {"photo": big}
    )
    assert response.status_code == 400 and "larger than 9 KB" in response.content.decode()
    assert not IdentityPhoto.objects.exists()


def test_no_file_chosen(client_for: Any, patient: Patient) -> None:
    response = client_for("nurse").post(f"/patients/{patient.client_code}/photo/upload/", {})
    assert response.status_code == 400 and "This field is required" in response.content.decode()


def test_pages_carry_no_inline_script_or_style(client_for: Any, patient: Patient) -> None:
    """The CSP forbids inline code; a page that relied on it would break in the browser."""
    page = client_for("nurse").get(f"/patients/{patient.client_code}/").content.decode()
    assert "<script>" not in page and " style=" not in page and "<style" not in page


@pytest.mark.parametrize(
    "path", ["/patients/new/", "/patients/{code}/identity/", "/patients/{code}/status/"]
)
def test_an_empty_post_shows_required_fields(client_for: Any, patient: Patient, path: str) -> None:
    response = client_for("physician").post(path.replace("{code}", patient.client_code), {})
    assert response.status_code == 400 and "This field is required" in response.content.decode()


def test_the_status_page_sends_enrolment_to_the_enrolment_page(
    client_for, personas, patient
) -> None:
    from openhat.patients.services import change_status, clinic_today

    change_status(
        actor=personas["physician"],
        patient=patient,
        to_status="assessing",
        effective_date=clinic_today(patient.clinic),
    )
    page = client_for("physician").get(f"/patients/{patient.client_code}/status/")
    text = page.content.decode()
    assert 'value="enrolled"' not in text
    assert f"/patients/{patient.client_code}/enrol/" in text


def test_pages_show_times_in_the_clinics_time_zone(client_for, patient) -> None:
    from openhat.patients.models import StatusChange

    recorded = StatusChange.objects.filter(patient=patient).get().at
    local = recorded.astimezone(patient.clinic.zone)
    text = client_for("nurse").get(f"/patients/{patient.client_code}/").content.decode()
    assert local.strftime("%Y-%m-%d %H:%M") in text
    if local.utcoffset():  # Zurich is never at UTC+0, so the UTC reading must not be shown
        assert recorded.strftime("%Y-%m-%d %H:%M") not in text
