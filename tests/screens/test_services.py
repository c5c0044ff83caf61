"""Screens and harm-reduction contacts through their services, on PostgreSQL: what is stored,
what is refused (with its code, and nothing written), and who may record."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.core.errors import DomainError, NotFound, PermissionDenied
from openhat.screens.models import HarmReductionContact, UrineDrugScreen
from openhat.screens.reading import current_screens, harm_reduction_totals, naloxone, trend
from tests.screens.helpers import contact, screen

pytestmark = pytest.mark.django_db


def _refused(code: str, call: Any) -> DomainError:
    screens, contacts = UrineDrugScreen.objects.count(), HarmReductionContact.objects.count()
    events = AuditEvent.objects.count()
    with pytest.raises(DomainError) as refused:
        call()
    assert refused.value.code == code, refused.value.as_dict()
    assert UrineDrugScreen.objects.count() == screens
    assert HarmReductionContact.objects.count() == contacts
    assert AuditEvent.objects.count() == events
    return refused.value


def test_a_screen_is_stored_with_its_derived_flag_and_an_audit_event(
    personas: Any, patient: Any
) -> None:
    stored = screen(personas, patient, results={"papaverine": "positive", "cocaine": "negative"})

    assert stored.street_heroin == "detected"
    assert stored.papaverine == "positive" and stored.fentanyl == "not_tested"
    event = AuditEvent.objects.get(code=AuditCode.URINE_SCREEN_RECORDED)
    assert event.object_id == str(stored.pk)
    assert event.data["street_heroin"] == "detected"


def test_prescribed_dam_metabolites_alone_are_not_street_heroin(
    personas: Any, patient: Any
) -> None:
    assert screen(personas, patient).street_heroin == "not_detected"


def test_a_sample_in_the_future_is_refused(personas: Any, patient: Any) -> None:
    error = _refused(
        "sampled_at_in_future",
        lambda: screen(personas, patient, sampled_at=timezone.now() + timedelta(minutes=5)),
    )
    assert error.field == "sampled_at"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"results": {}}, "screen_nothing_tested"),
        ({"results": {"heroin": "positive"}}, "screen_substance_unknown"),
        ({"results": {"cocaine": "maybe"}}, "screen_result_unknown"),
        ({"setting": "kitchen"}, "screen_setting_unknown"),
        ({"supervised": "yes"}, "supervised_invalid"),
        ({"sampled_at": datetime(2024, 1, 1, 9, 0)}, "sampled_at_invalid"),  # naive
        ({"sampled_at": date(2024, 1, 1)}, "sampled_at_invalid"),
        ({"note": "bad\x00note"}, "control_character"),
        ({"note": "x" * 2001}, "note_too_long"),
    ],
)
def test_bad_screen_input_is_refused_with_a_code(
    personas: Any, patient: Any, changes: dict[str, Any], code: str
) -> None:
    _refused(code, lambda: screen(personas, patient, **changes))


def test_who_may_record_a_screen(personas: Any, patient: Any, other_patient: Any) -> None:
    for role in ("nurse", "physician", "counsellor"):
        screen(personas, patient, role=role)
    for role in ("pharmacist", "manager", "auditor"):
        with pytest.raises(PermissionDenied):
            screen(personas, patient, role=role)
    with pytest.raises(NotFound):
        screen(personas, other_patient)  # a nurse of ZRH, a patient of OUT


def test_a_correction_replaces_the_screen_on_the_chart(personas: Any, patient: Any) -> None:
    first = screen(personas, patient, results={"acetylcodeine": "positive"})
    fixed = screen(personas, patient, results={"acetylcodeine": "negative"}, corrects=first)

    assert list(current_screens(patient)) == [fixed]
    assert fixed.corrects == first
    _refused(
        "screen_already_corrected",
        lambda: screen(personas, patient, results={"cocaine": "positive"}, corrects=first),
    )


def test_the_same_idempotency_key_records_one_screen(personas: Any, patient: Any) -> None:
    first = screen(personas, patient, idempotency_key="screen-key-0001")
    again = screen(personas, patient, idempotency_key="screen-key-0001")

    assert again.pk == first.pk
    assert UrineDrugScreen.objects.count() == 1


def test_the_trend_counts_screens_that_tested_the_markers(personas: Any, patient: Any) -> None:
    now = timezone.now()
    screen(
        personas, patient, sampled_at=now - timedelta(days=60), results={"noscapine": "positive"}
    )
    screen(
        personas,
        patient,
        sampled_at=now - timedelta(days=30),
        results={"monoacetylmorphine": "positive"},
    )  # markers untested
    screen(personas, patient, sampled_at=now - timedelta(days=1),
           results={"noscapine": "negative"})  # fmt: skip

    found = trend(patient)

    assert [s.street_heroin for s in found.screens] == ["detected", "not_tested", "not_detected"]
    assert (found.detected, found.markers_tested) == (1, 2)


# --- harm reduction ---------------------------------------------------------------------------


def test_a_contact_is_stored_and_naloxone_shows(personas: Any, patient: Any) -> None:
    contact(personas, patient, supplies={"naloxone_kits": 2})
    contact(personas, patient, supplies={"injecting_equipment": 10})

    given = naloxone(patient)
    assert given.kits_total == 2 and given.last_kits == 2
    assert AuditEvent.objects.filter(code=AuditCode.HARM_REDUCTION_RECORDED).count() == 2


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"supplies": {"naloxone_kits": -1}}, "supply_count_negative"),
        ({"supplies": {"injecting_equipment": 501}}, "supply_count_too_large"),
        ({"supplies": {"naloxone_kits": 11}}, "supply_count_too_large"),
        ({"supplies": {"naloxone_kits": "2"}}, "supply_count_invalid"),
        ({"supplies": {"naloxone_kits": 1.5}}, "supply_count_invalid"),
        ({"supplies": {"naloxone_kits": True}}, "supply_count_invalid"),
        ({"supplies": {"condoms": 3}}, "supply_unknown"),
        ({"offers": {"hiv_test": "perhaps"}}, "offer_answer_unknown"),
        ({"offers": {"flu_shot": "accepted"}}, "offer_unknown"),
        ({"supplies": {}, "overdose_training": False, "offers": {}}, "harm_reduction_empty"),
        ({"given_at": timezone.now() + timedelta(days=1)}, "given_at_in_future"),
    ],
)
def test_bad_contact_input_is_refused_with_a_code(
    personas: Any, patient: Any, changes: dict[str, Any], code: str
) -> None:
    _refused(code, lambda: contact(personas, patient, **changes))


def test_totals_per_clinic_and_period(personas: Any, patient: Any) -> None:
    now = timezone.now()
    contact(personas, patient, supplies={"naloxone_kits": 1}, offers={"hiv_test": "declined"})
    contact(personas, patient, supplies={"injecting_equipment": 30}, overdose_training=False,
            offers={"hiv_test": "accepted"})  # fmt: skip
    contact(personas, patient, given_at=now - timedelta(days=40))  # outside the period
    screen(personas, patient, results={"papaverine": "positive"})
    today = now.astimezone(personas.clinic.zone).date()

    (row,) = harm_reduction_totals([personas.clinic], today - timedelta(days=7), today)

    assert (row.clinic_code, row.contacts, row.patients) == ("ZRH", 2, 1)
    assert row.supplies == {"naloxone_kits": 1, "injecting_equipment": 30, "inhalation_kits": 0}
    assert row.overdose_trainings == 1
    assert row.offers["hiv_test"] == {"offered": 0, "accepted": 1, "declined": 1}
    assert (row.screens, row.screens_markers_tested, row.screens_street_heroin) == (1, 1, 1)
