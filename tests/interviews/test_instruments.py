"""Instrument versions in the database: shipped on migrate, frozen once answered."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from openhat.core.errors import Conflict, DomainError
from openhat.interviews.loader import load_instrument_text, load_shipped_instruments, shipped_files
from openhat.interviews.models import Instrument
from tests.conftest import Personas
from tests.interviews.helpers import enrolled_since
from tests.interviews.test_services import _record

pytestmark = pytest.mark.django_db

CORE_TEXT = next(p for p in shipped_files() if p.name == "openhat-core-1.toml").read_text()


def test_the_shipped_instrument_is_in_the_database_after_migrate() -> None:
    core = Instrument.objects.get(key="openhat-core", version=1)
    assert core.recall_days == 30
    assert len(core.definition["items"]) >= 30


def test_loading_the_same_files_again_changes_nothing() -> None:
    before = list(Instrument.objects.values_list("pk", "sha256"))
    load_shipped_instruments()
    assert list(Instrument.objects.values_list("pk", "sha256")) == before


def test_a_version_without_answers_may_still_be_corrected() -> None:
    changed = load_instrument_text(CORE_TEXT.replace("OpenHAT core outcome interview", "Corrected"))
    assert changed.title == "Corrected"


def test_a_version_with_answers_cannot_change(personas: Personas) -> None:
    _record(personas, enrolled_since(personas, 3))
    before = Instrument.objects.get(key="openhat-core", version=1)
    with pytest.raises(Conflict) as refused:
        load_instrument_text(CORE_TEXT.replace("recall_days = 30", "recall_days = 28"))
    assert refused.value.code == "instrument_version_in_use"
    after = Instrument.objects.get(pk=before.pk)
    assert (after.recall_days, after.sha256) == (30, before.sha256)


def test_a_changed_instrument_is_loaded_as_a_new_version(personas: Personas) -> None:
    patient = enrolled_since(personas, 3)
    _record(personas, patient)
    second = load_instrument_text(
        CORE_TEXT.replace("version = 1", "version = 2").replace(
            "recall_days = 30", "recall_days = 28"
        )
    )
    assert (second.version, second.recall_days) == (2, 28)
    assert Instrument.objects.filter(key="openhat-core").count() == 2


def test_the_database_refuses_to_change_an_answered_version(personas: Personas) -> None:
    interview = _record(personas, enrolled_since(personas, 3))
    with pytest.raises(IntegrityError), transaction.atomic():
        Instrument.objects.filter(pk=interview.instrument_id).update(recall_days=28)
    with pytest.raises(IntegrityError), transaction.atomic():
        Instrument.objects.filter(pk=interview.instrument_id).delete()


def test_a_broken_file_is_refused_with_its_code() -> None:
    with pytest.raises(DomainError) as refused:
        load_instrument_text(CORE_TEXT.replace("recall_days = 30", "recall_days = 14"))
    assert refused.value.code == "instrument_file_invalid"
