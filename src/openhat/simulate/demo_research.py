"""The demo clinics' research study: registered by the demo manager, consented by about two in
three of the patients who started treatment, with its secret made in var/keys/studies/, so that
the demo researcher can make and download an export (docs/research.md).

The study's name is the purpose of the research consent the interview loader gives one leaver
(demo_interviews), so that consent counts for it. Consents go through the enrolment services,
dated on the day treatment started. Loading is idempotent: a clinic with the study is left as it is.
"""

from __future__ import annotations

import random

from django.contrib.auth.models import User

from openhat.clinics.models import Clinic
from openhat.clinics.roles import Role
from openhat.core.clock import clinic_today
from openhat.enrolment.checks import normalise_text
from openhat.enrolment.models import Consent, ConsentKind
from openhat.enrolment.services import record_consent
from openhat.patients.lifecycle import PatientStatus
from openhat.patients.models import StatusChange
from openhat.research.models import DateMode, ResearchStudy
from openhat.research.secrets import secrets_dir, write_secret
from openhat.research.studies import register_study

DEMO_STUDY_KEY = "demo-cohort"
DEMO_STUDY_NAME = "OpenHAT demo outcome cohort (synthetic)"
# local: a share that leaves some patients out, so the export shows its left-out counts.
CONSENTED_SHARE = 2 / 3


def research_missing(clinic: Clinic) -> bool:
    return not ResearchStudy.objects.filter(clinic=clinic, key=DEMO_STUDY_KEY).exists()


def load_demo_research(clinic: Clinic, staff: dict[str, User], seed: int) -> int:
    """Register the study, give the consents and make the secret; how many consents were given."""
    if not research_missing(clinic):
        return 0
    rng = random.Random(seed)
    register_study(
        actor=staff[Role.MANAGER.value],
        clinic=clinic,
        key=DEMO_STUDY_KEY,
        name=DEMO_STUDY_NAME,
        date_mode=DateMode.SHIFTED,
    )
    consented = {
        c.patient_id
        for c in Consent.objects.filter(clinic=clinic, kind=ConsentKind.RESEARCH)
        if normalise_text(c.purpose).casefold() == DEMO_STUDY_NAME.casefold()
    }
    starts: dict[int, StatusChange] = {}
    for change in StatusChange.objects.filter(
        patient__clinic=clinic,
        patient__merged_into__isnull=True,
        to_status=PatientStatus.ENROLLED,
    ).order_by("effective_date", "pk"):
        starts.setdefault(change.patient_id, change)
    given = 0
    today = clinic_today(clinic)
    for patient_id in sorted(starts):
        change = starts[patient_id]
        if patient_id in consented or rng.random() >= CONSENTED_SHARE:
            continue
        record_consent(
            actor=staff[Role.COUNSELLOR.value],
            patient=change.patient,
            kind=ConsentKind.RESEARCH,
            given_on=min(change.effective_date, today),
            purpose=DEMO_STUDY_NAME,
        )
        given += 1
    if secrets_dir() is not None:
        write_secret(clinic.code, DEMO_STUDY_KEY)
    return given
