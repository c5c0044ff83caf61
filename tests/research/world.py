"""A clinic with one patient in each consent state for a study, and the study and its secret.

consented     the dosed patient (a dose, a decided session, an adverse event) and an
              interviewed one (intake interview, a urine screen): research consent for STUDY
expiring      research consent for STUDY ending tomorrow (expired when exported later)
revoked       research consent for STUDY, revoked today
other study   research consent for OTHER_STUDY only
no consent    no research consent
outsider      clinic OUT's patient with a consent for a study of the same name: never in ZRH's
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from openhat.core import clock
from openhat.core.clock import clinic_today
from openhat.enrolment.models import Consent
from openhat.enrolment.services import record_consent, revoke_consent
from openhat.interviews.services import record_interview
from openhat.patients.models import Patient
from openhat.research.models import DateMode, ResearchStudy
from openhat.research.secrets import write_secret
from openhat.research.studies import register_study
from openhat.screens.services import record_screen
from tests.access.identifiers import give_every_patient_distinct_identifiers
from tests.conftest import Personas, register_out_patient, register_zrh_patient
from tests.dosing.world import build_dosing
from tests.interviews.helpers import answers, enrolled_since
from tests.pharmacy.world import build_pharmacy

STUDY = "hat-cohort"
STUDY_NAME = "HAT cohort 2026"
OTHER_STUDY = "Another study"


@dataclass
class ResearchWorld:
    personas: Personas
    dosed: Patient
    interviewed: Patient
    expiring: Patient
    revoked: Patient
    other_study: Patient
    no_consent: Patient
    outsider: Patient
    consents: dict[str, Consent]
    study: ResearchStudy

    @property
    def consented(self) -> list[Patient]:
        return [self.dosed, self.interviewed]


def research_consent(personas: Personas, patient: Patient, purpose: str, **kw: object) -> Consent:
    actor = personas.outsider if patient.clinic_id != personas.clinic.pk else personas["nurse"]
    today = clinic_today(patient.clinic)
    return record_consent(
        actor=actor,
        patient=patient,
        kind="research",
        given_on=kw.pop("given_on", today - timedelta(days=5)),  # type: ignore[arg-type]
        purpose=purpose,
        **kw,  # type: ignore[arg-type]
    )


def use_secrets_dir(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setenv("OPENHAT_STUDY_SECRETS_DIR", str(path))


def build_research(personas: Personas, date_mode: str = DateMode.SHIFTED) -> ResearchWorld:
    nurse = personas["nurse"]
    dosing = build_dosing(personas, build_pharmacy(personas))
    dosed = Patient.objects.get(pk=dosing.observing_patient_id)
    interviewed = enrolled_since(personas, 0)
    record_interview(
        actor=personas["counsellor"],
        patient=interviewed,
        time_point="intake",
        interviewed_on=clinic_today(personas.clinic),
        answers=answers(),
        note="Talked about the flat in Quintavalle street",
    )
    record_screen(
        actor=nurse,
        patient=interviewed,
        sampled_at=clock.now() - timedelta(minutes=30),
        supervised=True,
        setting="laboratory",
        results={"acetylcodeine": "positive", "cocaine": "negative"},
        note="sample note",
    )
    expiring = Patient.objects.get(pk=dosing.patient_id)
    revoked = Patient.objects.get(pk=dosing.due_patient_id)
    other_study = register_zrh_patient(personas)
    no_consent = register_zrh_patient(personas)
    outsider = register_out_patient(personas)
    today = clinic_today(personas.clinic)
    consents = {
        "dosed": research_consent(personas, dosed, STUDY_NAME),
        # Matched ignoring case and extra spaces, as release consents are.
        "interviewed": research_consent(personas, interviewed, "  hat COHORT   2026 "),
        "expiring": research_consent(
            personas, expiring, STUDY_NAME, expires_on=today + timedelta(days=1)
        ),
        "revoked": research_consent(personas, revoked, STUDY_NAME),
        "other_study": research_consent(personas, other_study, OTHER_STUDY),
        "outsider": research_consent(personas, outsider, STUDY_NAME),
    }
    revoke_consent(actor=nurse, consent=consents["revoked"], reason="no longer wishes to take part")
    give_every_patient_distinct_identifiers(
        {personas.clinic.pk: personas["physician"], outsider.clinic_id: personas.outsider}
    )
    study = register_study(
        actor=personas["manager"],
        clinic=personas.clinic,
        key=STUDY,
        name=STUDY_NAME,
        date_mode=date_mode,
    )
    for patient in (dosed, interviewed, expiring, revoked, other_study, no_consent, outsider):
        patient.refresh_from_db()
    return ResearchWorld(
        personas,
        dosed,
        interviewed,
        expiring,
        revoked,
        other_study,
        no_consent,
        outsider,
        consents,
        study,
    )


def with_secret(world: ResearchWorld) -> None:
    write_secret(world.personas.clinic.code, world.study.key)


def research_rows(personas: Personas, monkeypatch: pytest.MonkeyPatch, secrets: Path) -> None:
    """A study and an export of it (nobody consented: no patients needed), for the append-only
    tests."""
    from openhat.research.services import make_export

    use_secrets_dir(monkeypatch, secrets)
    study = register_study(
        actor=personas["manager"],
        clinic=personas.clinic,
        key="append-only",
        name="Append-only check",
        date_mode=DateMode.RELATIVE,
    )
    write_secret(personas.clinic.code, study.key)
    make_export(actor=personas["researcher"], clinic=personas.clinic, study_key=study.key)
