"""The loaded demo holds urine screens, harm-reduction contacts and counselling notes an outcomes
analysis can use (the package's one demo load, tests/simulate/conftest.py)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db.models import Max, Model
from django.utils import timezone

from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.clinics.models import Clinic
from openhat.clinics.roles import Role
from openhat.core.clock import clinic_today
from openhat.counselling.models import CounsellingNote
from openhat.prescribing.models import OrderLine
from openhat.screens.models import HarmReductionContact, UrineDrugScreen
from openhat.screens.street_heroin import StreetHeroin
from openhat.simulate.demo_clinic import load_demo_clinic
from openhat.simulate.demo_notes import NOTES_PER_PATIENT, load_demo_notes
from openhat.simulate.demo_screens import courses_in_treatment, load_demo_screens

pytestmark = pytest.mark.django_db


def _in_treatment(clinic: Clinic) -> dict[int, date]:
    """Patient id -> start of treatment, for every demo patient in treatment."""
    return {c.patient.pk: c.start for c in courses_in_treatment(clinic, clinic_today(clinic))}


def _street_share(screens: list[UrineDrugScreen]) -> float:
    tested = [s for s in screens if s.street_heroin != StreetHeroin.NOT_TESTED]
    assert len(tested) >= 8, "too few marker tests to compare"
    return sum(s.street_heroin == StreetHeroin.DETECTED for s in tested) / len(tested)


def test_every_patient_in_treatment_has_screens_contacts_and_notes(demo: Any) -> None:
    for clinic in demo.clinics:
        patients = set(_in_treatment(clinic))
        assert patients, clinic.code
        for model in (UrineDrugScreen, HarmReductionContact, CounsellingNote):
            having = set(model.objects.filter(clinic=clinic).values_list("patient", flat=True))
            assert having == patients, (clinic.code, model.__name__)
        settings = Counter(
            UrineDrugScreen.objects.filter(clinic=clinic).values_list("setting", flat=True)
        )
        assert set(settings) == {"laboratory", "point_of_care"}, clinic.code
        supervised = UrineDrugScreen.objects.filter(clinic=clinic, supervised=True).count()
        assert supervised > UrineDrugScreen.objects.filter(clinic=clinic).count() / 2


def test_street_heroin_markers_are_found_more_in_the_first_month_than_after_six(
    demo: Any,
) -> None:
    starts = _in_treatment(demo.clinic)
    screens = list(UrineDrugScreen.objects.filter(clinic=demo.clinic))

    def days_in(screen: UrineDrugScreen) -> int:
        return (clinic_today(demo.clinic, screen.sampled_at) - starts[screen.patient_id]).days

    first_month = _street_share([s for s in screens if days_in(s) < 31])
    after_six = _street_share([s for s in screens if days_in(s) >= 182])
    assert first_month > 0.6 > 0.35 > after_six


def test_dam_patients_show_6mam_without_the_street_flag_unless_a_marker_is_positive(
    demo: Any,
) -> None:
    dam_patients = set(
        OrderLine.objects.filter(clinic=demo.clinic, drug="dam").values_list("patient", flat=True)
    )
    screens = list(UrineDrugScreen.objects.filter(patient__in=dam_patients))
    with_6mam = [s for s in screens if s.monoacetylmorphine == "positive"]
    assert len(with_6mam) > len(screens) / 2
    for screen in screens:
        assert screen.street_heroin == screen.derived_street_heroin(), screen
    assert any(s.street_heroin == StreetHeroin.NOT_DETECTED for s in with_6mam)
    hdm_patients = (
        set(OrderLine.objects.filter(drug="hdm").values_list("patient", flat=True)) - dam_patients
    )
    hdm_screens = UrineDrugScreen.objects.filter(patient__in=hdm_patients)
    assert hdm_screens.exists()
    # Hydromorphone gives no 6-MAM: in a laboratory screen it comes with street heroin's markers.
    for screen in hdm_screens.filter(monoacetylmorphine="positive", setting="laboratory"):
        assert screen.street_heroin == StreetHeroin.DETECTED, screen


def test_methadone_shows_in_the_screens_of_patients_with_a_methadone_order(demo: Any) -> None:
    on_methadone = set(
        OrderLine.objects.filter(clinic=demo.clinic, drug="methadone").values_list(
            "patient", flat=True
        )
    )
    assert on_methadone
    screens = UrineDrugScreen.objects.filter(clinic=demo.clinic)
    with_order = screens.filter(patient__in=on_methadone)
    without = screens.exclude(patient__in=on_methadone)
    positive = {"methadone_eddp": "positive"}
    assert with_order.filter(**positive).count() > with_order.count() / 2
    assert without.filter(**positive).count() < without.count() / 5


def test_most_patients_got_naloxone_and_contacts_give_equipment_training_and_tests(
    demo: Any,
) -> None:
    for clinic in demo.clinics:
        patients = _in_treatment(clinic)
        contacts = HarmReductionContact.objects.filter(clinic=clinic)
        with_kit = set(contacts.filter(naloxone_kits__gt=0).values_list("patient", flat=True))
        assert len(with_kit) >= 0.7 * len(patients), clinic.code
    contacts = HarmReductionContact.objects.filter(clinic=demo.clinic)
    assert contacts.filter(injecting_equipment__gt=0).exists()
    assert contacts.filter(overdose_training=True).exists()
    answers = set(contacts.values_list("hcv_test", flat=True))
    assert {"accepted", "declined"} <= answers


def test_notes_are_the_demo_counsellors_a_few_per_patient(demo: Any) -> None:
    counsellor = User.objects.get(username="demo-counsellor")
    notes = CounsellingNote.objects.filter(clinic=demo.clinic)
    assert set(notes.values_list("author", flat=True)) == {counsellor.pk}
    per_patient = Counter(notes.values_list("patient", flat=True))
    assert max(per_patient.values()) <= NOTES_PER_PATIENT[1]
    assert sum(per_patient.values()) >= 2 * len(per_patient)


@pytest.mark.parametrize(
    ("model", "code"),
    [
        (UrineDrugScreen, AuditCode.URINE_SCREEN_RECORDED),
        (HarmReductionContact, AuditCode.HARM_REDUCTION_RECORDED),
        (CounsellingNote, AuditCode.COUNSELLING_NOTE_WRITTEN),
    ],
)
def test_every_record_has_its_audit_event(demo: Any, model: type[Model], code: int) -> None:
    records = {str(pk) for pk in model.objects.values_list("pk", flat=True)}
    audited = set(
        AuditEvent.objects.filter(code=code, object_type=model._meta.label).values_list(
            "object_id", flat=True
        )
    )
    assert records and audited == records


def test_nothing_is_dated_in_the_future(demo: Any) -> None:
    now = timezone.now()
    for model, fields in (
        (UrineDrugScreen, ("sampled_at", "recorded_at")),
        (HarmReductionContact, ("given_at", "recorded_at")),
        (CounsellingNote, ("written_at",)),
    ):
        for field in fields:
            latest = model.objects.aggregate(latest=Max(field))["latest"]
            assert latest is not None and latest <= now, (model.__name__, field)
    for clinic in demo.clinics:
        latest_session = CounsellingNote.objects.filter(clinic=clinic).aggregate(
            latest=Max("session_on")
        )["latest"]
        assert latest_session <= clinic_today(clinic)


def test_a_second_run_adds_nothing(demo: Any) -> None:
    def counts() -> tuple[int, ...]:
        return (
            UrineDrugScreen.objects.count(),
            HarmReductionContact.objects.count(),
            CounsellingNote.objects.count(),
            AuditEvent.objects.count(),
        )

    before = counts()
    staff = {role.value: User.objects.get(username=demo.staff[role.value]) for role in Role}
    for clinic in demo.clinics:
        assert load_demo_screens(clinic, staff, seed=1) == 0
        assert load_demo_notes(clinic, staff, seed=1) == 0
    assert not load_demo_clinic().created
    assert counts() == before
