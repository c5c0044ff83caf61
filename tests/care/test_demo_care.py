"""The demo's care: partner services, plans and referrals in every state, loaded once."""

from __future__ import annotations

from datetime import date

import pytest

from openhat.care import worklist
from openhat.care.models import CareGoal, CarePlan, PartnerService, Referral, ReferralStatus
from openhat.patients.models import Patient
from openhat.simulate.demo_care import load_demo_care
from tests.conftest import Personas, register_zrh_patient

pytestmark = pytest.mark.django_db


def test_demo_care_has_every_referral_state_and_work_for_today(
    personas: Personas, today: date
) -> None:
    patients = [register_zrh_patient(personas) for _ in range(8)]
    # Set up past the services: the demo loader reads only the status.
    Patient.objects.filter(pk__in=[p.pk for p in patients]).update(status="enrolled")

    assert load_demo_care(personas.clinic, personas.users, seed=7)

    assert set(Referral.objects.values_list("status", flat=True)) == set(ReferralStatus.values)
    assert CarePlan.objects.count() == 8
    assert CareGoal.objects.count() == 24
    assert PartnerService.objects.filter(name__startswith="Demo ").count() == 7
    sent = Referral.objects.exclude(sends_data=[]).exclude(sent_on=None)
    assert sent.exists()
    assert all(r.sent_under.exists() for r in sent)
    assert worklist.referrals_to_follow_up(personas.clinic, today)
    assert not load_demo_care(personas.clinic, personas.users, seed=7)
    assert CarePlan.objects.count() == 8
