"""Pseudonyms and dates: stable within a study, unlinkable across studies, shifted consistently
or counted from the first dose (issue 15, item 3)."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from openhat.core.clock import clinic_today
from openhat.research.models import DateMode
from openhat.research.pseudonyms import MAX_SHIFT_DAYS, date_shift_days, pseudonym
from openhat.research.secrets import study_secret, write_secret
from openhat.research.services import make_export
from openhat.research.studies import register_study
from tests.research.world import STUDY, STUDY_NAME, ResearchWorld, build_research, use_secrets_dir

pytestmark = pytest.mark.django_db


def test_pseudonyms_and_shifts_depend_on_the_secret_and_the_patient_only() -> None:
    one, two = b"a" * 32, b"b" * 32

    assert pseudonym(one, 7) == pseudonym(one, 7)
    assert pseudonym(one, 7) != pseudonym(one, 8)
    assert pseudonym(one, 7) != pseudonym(two, 7)
    shifts = {date_shift_days(one, pk) for pk in range(2000)}
    assert min(shifts) == -MAX_SHIFT_DAYS and max(shifts) == MAX_SHIFT_DAYS
    assert date_shift_days(one, 7) == date_shift_days(one, 7)


def _start(patient: Any) -> date:
    return patient.status_changes.filter(to_status="enrolled").earliest("at").effective_date


def _table(result: Any, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(result.files.contents[f"{name}.csv"].decode())))


def _export(world: ResearchWorld, key: str = STUDY) -> Any:
    return make_export(
        actor=world.personas["researcher"], clinic=world.personas.clinic, study_key=key
    )


@pytest.fixture
def world(personas: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> ResearchWorld:
    use_secrets_dir(monkeypatch, tmp_path)
    built = build_research(personas)
    write_secret(personas.clinic.code, STUDY)
    return built


def test_one_study_gets_the_same_pseudonyms_twice_and_another_study_others(
    world: ResearchWorld,
) -> None:
    # A second study whose consents name it too: the same two patients, other pseudonyms.
    second = register_study(
        actor=world.personas["manager"],
        clinic=world.personas.clinic,
        key="second-look",
        name="Second look",
        date_mode=DateMode.SHIFTED,
    )
    from tests.research.world import research_consent

    for patient in world.consented:
        research_consent(world.personas, patient, "Second look")
    write_secret(world.personas.clinic.code, second.key)

    first = {r["pseudonym"] for r in _table(_export(world), "patients")}
    again = {r["pseudonym"] for r in _table(_export(world), "patients")}
    other = {r["pseudonym"] for r in _table(_export(world, second.key), "patients")}

    assert first == again and len(first) == 3
    assert len(other) == 2
    assert not first & other


def test_shifted_dates_move_every_date_of_a_patient_by_the_same_days(
    world: ResearchWorld,
) -> None:
    result = _export(world)
    secret = study_secret(world.personas.clinic.code, STUDY).value
    today = clinic_today(world.personas.clinic)
    dosed = world.dosed
    shift = date_shift_days(secret, dosed.pk)
    name = pseudonym(secret, dosed.pk)
    patient = next(r for r in _table(result, "patients") if r["pseudonym"] == name)
    dose = next(r for r in _table(result, "doses") if r["pseudonym"] == name)
    event = next(r for r in _table(result, "adverse_events") if r["pseudonym"] == name)

    assert (date.fromisoformat(dose["dose_day"]) - today).days == shift
    assert event["ae_day"] == dose["dose_day"] == patient["first_dose_day"]
    # Another patient's shift is their own.
    other = pseudonym(secret, world.interviewed.pk)
    interview = next(r for r in _table(result, "interviews") if r["pseudonym"] == other)
    shift_other = date_shift_days(secret, world.interviewed.pk)
    assert (date.fromisoformat(interview["interview_day"]) - today).days == shift_other
    started = next(r for r in _table(result, "patients") if r["pseudonym"] == other)
    assert (date.fromisoformat(started["start_day"]) - _start(world.interviewed)).days == (
        shift_other
    )


def test_relative_dates_count_days_from_the_first_dose(
    personas: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_secrets_dir(monkeypatch, tmp_path)
    world = build_research(personas, DateMode.RELATIVE)
    write_secret(personas.clinic.code, STUDY)
    result = _export(world)
    secret = study_secret(personas.clinic.code, STUDY).value
    name = pseudonym(secret, world.dosed.pk)

    patient = next(r for r in _table(result, "patients") if r["pseudonym"] == name)
    dose = next(r for r in _table(result, "doses") if r["pseudonym"] == name)
    assert patient["first_dose_day"] == dose["dose_day"] == "0"
    # No first dose: no day numbers.
    other = pseudonym(secret, world.interviewed.pk)
    interview = next(r for r in _table(result, "interviews") if r["pseudonym"] == other)
    assert interview["interview_day"] == ""
    dictionary = result.files.contents["redcap_data_dictionary.csv"].decode()
    assert "dose_day,doses,Doses,text,Dosing day,,days since" in dictionary
    assert STUDY_NAME not in dictionary
