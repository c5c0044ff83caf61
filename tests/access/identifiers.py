"""The identifier walk: every route, as every role, must log each identifier it returns.

The role x route matrix (tests/test_role_matrix.py) sends every route of the app, page or API
(enumerated from Django's URL resolver and the API's OpenAPI paths, so a new route is covered as
soon as it exists), as every ZRH persona and the outsider. After each answer, `check_answer` looks
in the response's bytes for the identifiers held by any patient of the test world:

  * the legal name (and the surname alone), the health number, the date of birth in the formats a
    page or a document could print it, on the identity, in an eligibility assessment's facts;
  * every patient licence number;
  * the bytes of every identity photo (raw, and base64 for an inline image).

Each identifier found must be matched by an access-log row written during that request for the
signed-in user, one of the patients holding that identifier, and that route ("METHOD /path"); and
only roles that may see identity (Capability.VIEW_IDENTITY) may get one at all. A denied answer
(401, 403, 404, 405) must hold none.

`give_every_patient_distinct_identifiers` makes the attribution sharp: the test builders register
every ZRH patient as the same "Test Person", so the world's patients are given a name, a date of
birth, a health number, a licence and a photo of their own first. (Eligibility facts and licences
are append-only, so a date of birth or licence number the builders share stays shared: it is
attributed to every patient holding it, and a log row for any of them satisfies it.)

Nothing is skipped silently: the matrix fails for a route without a case (its test 1), and every
case, reads and writes alike, carries what it needs (placeholders, a body). The routes not walked
are listed there by name: API_ROUTES_WITHOUT_CASES (ninja's API root, OpenAPI schema and docs page,
which hold no clinic data) and IGNORED_PATH_PREFIXES (static files).

The figures (answers walked, denied, with identifiers, logged) are printed at the end of a run
without pytest-xdist (tests/conftest.py, pytest_terminal_summary).
"""

from __future__ import annotations

import base64
import io
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import User
from PIL import Image

from openhat.audit.models import AccessLog
from openhat.clinics.access import membership_for
from openhat.clinics.roles import Capability, role_can
from openhat.enrolment import services as enrolment_services
from openhat.enrolment.facts import facts_from_json
from openhat.enrolment.models import EligibilityAssessment, PatientLicence
from openhat.patients.models import IdentityPhoto, Patient, PatientIdentity
from openhat.patients.services import clinic_today, upload_photo
from tests.enrolment.helpers import facts

DENIED = frozenset({401, 403, 404, 405})
# Invented surnames: no page prints them unless it prints a patient's name.
SURNAMES = (
    "Quintavalle",
    "Vantablack",
    "Oxleyridge",
    "Thistlewood",
    "Marblecombe",
    "Ravensholt",
    "Fennimore",
    "Glasspointe",
    "Wrenfield",
    "Brackenhall",
)
FIRST_BIRTHDAY = date(1958, 2, 23)

# The walk's figures: answers walked, denied, with identifiers, and logged.
TALLY: Counter[str] = Counter()


def date_texts(day: date) -> set[str]:
    """A date as a page, a document or an export could print it."""
    return {
        day.isoformat(),
        day.strftime("%d.%m.%Y"),
        day.strftime("%d/%m/%Y"),
        day.strftime("%m/%d/%Y"),
        day.strftime("%Y%m%d"),
        f"{day.day} {day.strftime('%b')} {day.year}",
        f"{day.day} {day.strftime('%B')} {day.year}",
        f"{day.strftime('%b')}. {day.day}, {day.year}",
        f"{day.strftime('%B')} {day.day}, {day.year}",
    }


@dataclass(frozen=True)
class Identifier:
    kind: str  # name, date_of_birth, health_number, licence_number, photo
    text: str | None = None
    content: bytes | None = None

    def found_in(self, body: bytes, text: str) -> bool:
        if self.content is not None:
            return self.content in body or base64.b64encode(self.content).decode() in text
        assert self.text is not None
        return self.text in text


def identifiers_now() -> dict[Identifier, set[int]]:
    """Every identifier held by a patient of the database now, with the patients holding it."""
    owners: dict[Identifier, set[int]] = {}

    def add(identifier: Identifier, patient_id: int) -> None:
        owners.setdefault(identifier, set()).add(patient_id)

    for identity in PatientIdentity.objects.all():
        add(Identifier("name", identity.legal_name), identity.patient_id)
        surname = identity.legal_name.split()[-1]
        if surname in SURNAMES:
            add(Identifier("name", surname), identity.patient_id)
        for text in date_texts(identity.date_of_birth):
            add(Identifier("date_of_birth", text), identity.patient_id)
        if identity.health_number:
            add(Identifier("health_number", identity.health_number), identity.patient_id)
    for assessment in EligibilityAssessment.objects.all():
        born = facts_from_json(assessment.facts).date_of_birth
        if born is not None:
            for text in date_texts(born):
                add(Identifier("date_of_birth", text), assessment.patient_id)
    for licence in PatientLicence.objects.all():
        add(Identifier("licence_number", licence.number), licence.patient_id)
    for photo in IdentityPhoto.objects.all():
        add(Identifier("photo", content=bytes(photo.content)), photo.patient_id)
    return owners


def _png(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (7, 5), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def give_every_patient_distinct_identifiers(staff_of: dict[int, User]) -> None:
    """A name, date of birth, health number and photo of their own for each patient; and for the
    first ZRH patient (the one most routes name) a licence and a signed assessment as well, so the
    chart, the eligibility and the licence routes have identifiers to show.

    `staff_of` maps a clinic id to a user who may edit its patients (and sign, for ZRH)."""
    patients = list(Patient.objects.select_related("clinic").order_by("pk"))
    for index, patient in enumerate(patients):
        surname = SURNAMES[index % len(SURNAMES)]
        born = FIRST_BIRTHDAY + timedelta(days=411 * index)
        PatientIdentity.objects.filter(patient=patient).update(
            legal_name=f"Walkley {surname}",
            date_of_birth=born,
            health_number=f"756.9{index:03d}.4242.{index:02d}",
        )
        upload_photo(
            actor=staff_of[patient.clinic_id],
            patient=patient,
            content=_png((10 + 20 * index, 200 - 15 * index, 77)),
        )
    first = patients[0]
    physician = staff_of[first.clinic_id]
    own_birthday = PatientIdentity.objects.get(patient=first).date_of_birth
    enrolment_services.record_licence(
        actor=physician,
        patient=first,
        number="LIC-WALK-7731",
        authority="Federal Office of Public Health",
        valid_from=clinic_today(first.clinic),
        valid_until=clinic_today(first.clinic) + timedelta(days=365),
    )
    enrolment_services.assess_eligibility(
        actor=physician,
        patient=first,
        facts=facts(date_of_birth=own_birthday),
        decision="eligible",
    )


def check_answer(
    response: Any, *, user: User, method: str, path: str, logged_after: int, label: str
) -> None:
    """Every identifier in the answer is logged for this user, patient and route, and only roles
    that may see identity get any. `logged_after` is the access log's last id before the request."""
    body = _body_bytes(response)
    text = body.decode("utf-8", errors="replace")
    if _is_pdf(response, body):
        text = _pdf_text(body)
    found = {
        identifier: owners
        for identifier, owners in identifiers_now().items()
        if identifier.found_in(body, text)
    }
    TALLY["walked"] += 1
    if response.status_code in DENIED:
        TALLY["denied"] += 1
        assert not found, f"{label}: a denied answer ({response.status_code}) holds {_names(found)}"
        return
    if not found:
        return
    TALLY["with identifiers"] += 1
    route = f"{method} {path.split('?')[0]}"
    logged = set(
        AccessLog.objects.filter(pk__gt=logged_after, actor=user, route=route).values_list(
            "patient_id", flat=True
        )
    )
    unlogged = {identifier: owners for identifier, owners in found.items() if not owners & logged}
    assert not unlogged, (
        f"{label}: {_names(unlogged)} returned without an access-log row for {user} on {route}"
    )
    for patient_id in {owner for owners in found.values() for owner in owners} & logged:
        clinic_id = Patient.objects.values_list("clinic_id", flat=True).get(pk=patient_id)
        membership = membership_for(user, clinic_id)
        assert membership is not None and role_can(membership.role, Capability.VIEW_IDENTITY), (
            f"{label}: identifiers of patient {patient_id} returned to a role without view_identity"
        )
    TALLY["logged"] += 1


def _names(found: dict[Identifier, set[int]]) -> str:
    return ", ".join(
        sorted(
            f"{identifier.kind} {'<photo bytes>' if identifier.content else identifier.text!r}"
            f" of patient(s) {sorted(owners)}"
            for identifier, owners in found.items()
        )
    )


def _body_bytes(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
        response.streaming_content = iter([content])
        return content
    return bytes(response.content)


def _is_pdf(response: Any, body: bytes) -> bool:
    return str(response.get("Content-Type", "")).startswith("application/pdf") or body.startswith(
        b"%PDF"
    )


def _pdf_text(body: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(body))
    return "\n".join(page.extract_text() or "" for page in reader.pages)
