"""The demo's research study: registered once, consented by some patients, its secret made, and an
export for it works (simulate.demo_research)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from openhat.clinics.roles import Role
from openhat.enrolment.models import Consent
from openhat.research.models import ResearchStudy
from openhat.research.services import make_export
from openhat.simulate.demo_research import DEMO_STUDY_KEY, DEMO_STUDY_NAME, load_demo_research
from tests.interviews.helpers import enrolled_since
from tests.research.world import use_secrets_dir

pytestmark = pytest.mark.django_db


def test_the_demo_study_is_loaded_once_and_exports(
    personas: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_secrets_dir(monkeypatch, tmp_path)
    patients = [enrolled_since(personas, days) for days in (30, 20, 10, 5, 1, 0)]
    staff = {role.value: personas[role.value] for role in Role}

    given = load_demo_research(personas.clinic, staff, seed=1)

    assert 0 < given < len(patients)
    assert Consent.objects.filter(kind="research", purpose=DEMO_STUDY_NAME).count() == given
    assert ResearchStudy.objects.filter(clinic=personas.clinic, key=DEMO_STUDY_KEY).count() == 1
    assert (tmp_path / f"ZRH-{DEMO_STUDY_KEY}.key").exists()
    assert load_demo_research(personas.clinic, staff, seed=1) == 0
    record = make_export(
        actor=personas["researcher"], clinic=personas.clinic, study_key=DEMO_STUDY_KEY
    ).record
    assert record.included == given
    assert record.excluded["no_consent"] == len(patients) - given
