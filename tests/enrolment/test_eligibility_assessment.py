"""Eligibility assessment: physicians sign a versioned result of the clinic's preset."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.core.errors import DomainError, NotFound, PermissionDenied
from openhat.enrolment.checks import latest_assessment
from openhat.enrolment.facts import MethadoneDoseInput, PriorTreatmentInput, facts_from_json
from openhat.enrolment.models import EligibilityAssessment
from openhat.patients.services import clinic_today
from tests.enrolment.helpers import ELIGIBLE_IN_CH, assess, facts, to_assessing

pytestmark = pytest.mark.django_db


def test_a_physician_signs_an_eligible_assessment_with_the_engine_result(personas, patient):
    physician = personas["physician"]
    assessment = assess(patient, physician)
    assert (assessment.version, assessment.decision) == (1, "eligible")
    assert (assessment.preset_key, assessment.engine_verdict) == ("ch", "eligible")
    assert assessment.assessed_on == clinic_today(patient.clinic)
    assert assessment.signed_by == physician and assessment.signed_at is not None
    criteria = assessment.result["criteria"]
    assert [c["criterion_id"] for c in criteria] == [
        "age",
        "dependence_years",
        "severe_dependence",
        "other_treatments",
        "deficits",
    ]
    assert all(c["status"] == "met" and c["sources"] == ["S1"] for c in criteria)
    assert assessment.facts["prior_treatments"][0] == {
        "kind": "methadone",
        "started_on": "2015-01-01",
        "ended_on": "2016-06-30",
        "outcome": "failed",
        "max_daily_dose_mg": "90",
    }
    assert assessment.facts["use_pattern"] == "Street heroin IV three times a day."
    event = AuditEvent.objects.get(code=AuditCode.ELIGIBILITY_ASSESSED)
    assert event.object_id == str(assessment.pk) and event.clinic == personas.clinic
    assert event.data["decision"] == "eligible" and event.data["version"] == 1
    # Identifying facts stay out of the audit trail.
    assert "1975" not in str(event.data)


def test_stored_facts_round_trip_into_a_re_assessment(personas, patient):
    first = assess(patient, personas["physician"])
    again = facts_from_json(first.facts)
    second = assess(patient, personas["physician"], facts=again)
    assert second.facts == first.facts and second.version == 2


def test_re_assessment_is_a_new_version_and_leaves_version_1_unchanged(personas, patient):
    physician = personas["physician"]
    first = assess(patient, physician, facts=facts(years_dependent="1"), decision="not_eligible")
    before = EligibilityAssessment.objects.filter(pk=first.pk).values().get()
    second = assess(patient, physician)
    assert (first.version, second.version) == (1, 2)
    assert EligibilityAssessment.objects.filter(pk=first.pk).values().get() == before
    assert latest_assessment(patient) == second
    assert AuditEvent.objects.filter(code=AuditCode.ELIGIBILITY_ASSESSED).count() == 2


def test_eligible_is_refused_when_the_criteria_say_not_eligible(personas, patient):
    with pytest.raises(DomainError) as error:
        assess(patient, personas["physician"], facts=facts(years_dependent="1"))
    assert error.value.code == "decision_contradicts_criteria"
    assert "not eligible" in error.value.message and error.value.field == "decision"
    assert not EligibilityAssessment.objects.exists()
    assert not AuditEvent.objects.filter(code=AuditCode.ELIGIBILITY_ASSESSED).exists()


def test_eligible_is_refused_when_facts_are_missing(personas, patient):
    with pytest.raises(DomainError) as error:
        assess(patient, personas["physician"], facts=facts(flags={}))
    assert error.value.code == "decision_contradicts_criteria"
    assert "incomplete" in error.value.message


def test_an_exception_with_a_written_reason_is_signed(personas, patient):
    assessment = assess(
        patient,
        personas["physician"],
        facts=facts(years_dependent="1.5"),
        decision="exception",
        exception_reason="  Repeated overdoses; oral treatment impossible.  ",
    )
    assert assessment.engine_verdict == "not_eligible"
    assert assessment.exception_reason == "Repeated overdoses; oral treatment impossible."
    assert assessment.result["verdict"] == "eligible_by_exception"
    assert assessment.result["exception_outside_preset"] is False
    assert assessment.allows_enrolment


@pytest.mark.parametrize(
    ("decision", "reason", "changes", "code"),
    [
        ("exception", "", {"years_dependent": "1"}, "exception_reason_required"),
        ("exception", "   ", {"years_dependent": "1"}, "exception_reason_required"),
        ("exception", "not needed", {}, "exception_not_needed"),
        ("not_eligible", "a reason", {}, "exception_reason_not_applicable"),
        ("maybe", "", {}, "decision_unknown"),
        ("exception", "x" * 2001, {"years_dependent": "1"}, "note_too_long"),
    ],
)
def test_decisions_that_are_refused(personas, patient, decision, reason, changes, code):
    with pytest.raises(DomainError) as error:
        assess(
            patient,
            personas["physician"],
            facts=facts(**changes),
            decision=decision,
            exception_reason=reason,
        )
    assert error.value.code == code
    assert not EligibilityAssessment.objects.exists()


def test_not_eligible_may_always_be_signed(personas, patient):
    assessment = assess(patient, personas["physician"], decision="not_eligible")
    assert assessment.engine_verdict == "eligible" and not assessment.allows_enrolment


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"date_of_birth": date(2999, 1, 1)}, "date_of_birth"),
        ({"years_dependent": "-2"}, "years_dependent"),
        ({"years_injecting": 2.5}, "years_injecting"),
        ({"years_dependent": "80"}, "years_dependent"),
        ({"heroin_route": "snorting"}, "heroin_route"),
        ({"share_of_days_injecting_last_90": "120"}, "share_of_days_injecting_last_90"),
        ({"flags": {"likes_cats": True}}, "flags.likes_cats"),
        (
            {
                "prior_treatments": [
                    PriorTreatmentInput("methadone", date(2015, 1, 1), None, "failed"),
                    PriorTreatmentInput("methadone", date(2016, 1, 1), date(2015, 1, 1), "failed"),
                ]
            },
            "prior_treatments[1].ended_on",
        ),
        (
            {"prior_treatments": [PriorTreatmentInput("prayer", date(2015, 1, 1), None, "failed")]},
            "prior_treatments[0].kind",
        ),
        (
            {"methadone_doses": [MethadoneDoseInput(date(2015, 1, 1), None, "-10")]},
            "methadone_doses[0].daily_dose_mg",
        ),
        ({"use_pattern": "x" * 2001}, "use_pattern"),
    ],
)
def test_bad_facts_name_their_field_and_save_nothing(personas, patient, changes, field):
    with pytest.raises(DomainError) as error:
        assess(patient, personas["physician"], facts=facts(**changes), decision="not_eligible")
    assert error.value.field == field
    assert not EligibilityAssessment.objects.exists()


def test_methadone_doses_are_stored(personas, patient):
    dose = MethadoneDoseInput(date(2020, 1, 1), date(2020, 6, 30), "80")
    assessment = assess(patient, personas["physician"], facts=facts(methadone_doses=[dose]))
    assert assessment.facts["methadone_doses"] == [
        {"started_on": "2020-01-01", "ended_on": "2020-06-30", "daily_dose_mg": "80"}
    ]
    assert facts_from_json(assessment.facts).methadone_doses == [
        MethadoneDoseInput(date(2020, 1, 1), date(2020, 6, 30), Decimal(80))
    ]


def test_an_assessment_date_in_the_future_is_refused(personas, patient):
    tomorrow = clinic_today(patient.clinic) + timedelta(days=1)
    with pytest.raises(DomainError) as error:
        assess(patient, personas["physician"], assessed_on=tomorrow)
    assert error.value.code == "assessed_on_in_future"


def test_a_backdated_assessment_reads_the_facts_on_that_day(personas, patient):
    on = clinic_today(patient.clinic) - timedelta(days=30)
    assessment = assess(patient, personas["physician"], assessed_on=on)
    assert assessment.assessed_on == on and assessment.result["assessed_on"] == on.isoformat()


@pytest.mark.parametrize(
    "role", ["nurse", "pharmacist", "pharmacy_technician", "counsellor", "manager", "auditor"]
)
def test_only_physicians_assess(personas, patient, role):
    with pytest.raises(PermissionDenied) as error:
        assess(patient, personas[role])
    assert error.value.code == "role_not_allowed"
    assert not EligibilityAssessment.objects.exists()


def test_a_physician_of_another_clinic_cannot_assess_a_zrh_patient(personas, patient):
    from django.contrib.auth.models import User

    from openhat.clinics.roles import Role
    from openhat.clinics.services import add_membership

    outside_physician: Any = User.objects.create_user(username="physician_out")
    add_membership(
        actor=None, user=outside_physician, clinic=personas.other_clinic, role=Role.PHYSICIAN
    )
    for outsider in (outside_physician, personas.outsider):
        with pytest.raises(NotFound):
            assess(patient, outsider)
    assert not EligibilityAssessment.objects.exists()


def test_the_clinic_preset_decides_the_criteria(personas, other_patient):
    """Clinic OUT runs ca-crism: the Swiss facts leave its criteria unknown."""
    from django.contrib.auth.models import User

    from openhat.clinics.roles import Role
    from openhat.clinics.services import add_membership

    physician: Any = User.objects.create_user(username="physician_out")
    add_membership(actor=None, user=physician, clinic=personas.other_clinic, role=Role.PHYSICIAN)
    to_assessing(other_patient, physician)
    assessment = assess(other_patient, physician, facts=ELIGIBLE_IN_CH, decision="not_eligible")
    assert assessment.preset_key == "ca-crism" and assessment.engine_verdict == "incomplete"
    assert assessment.clinic == personas.other_clinic
