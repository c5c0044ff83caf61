"""Sending a referral with patient data needs a release consent for that partner, covering each
category sent, holding on the day: missing, expired, revoked, wrong recipient, missing category,
and counselling notes only under a consent that names them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from openhat.care import services
from openhat.care.models import PartnerService, Referral, ReferralStatus
from openhat.core.clock import backdated
from openhat.core.errors import DomainError
from openhat.enrolment.services import revoke_consent
from openhat.patients.models import Patient
from tests.care.conftest import PARTNER_NAME, plan_referral, release_consent
from tests.conftest import Personas

pytestmark = pytest.mark.django_db


def _send(personas: Personas, referral: Referral, today: date) -> Referral:
    return services.change_referral_status(
        actor=personas["counsellor"],
        referral=referral,
        status=ReferralStatus.SENT,
        follow_up_on=today + timedelta(days=7),
    )


def _refused(personas: Personas, referral: Referral, today: date) -> str:
    with pytest.raises(DomainError) as refused:
        _send(personas, referral, today)
    assert refused.value.code == "referral_consent_missing"
    assert refused.value.field == "sends_data"
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.status, stored.sent_on) == (ReferralStatus.PLANNED, None)
    assert not stored.sent_under.exists()
    return refused.value.message


def test_a_referral_that_sends_nothing_needs_no_consent(
    personas: Personas, patient: Patient, partner: PartnerService, today: date
) -> None:
    referral = plan_referral(personas, patient, partner, sends_data=[])

    sent = _send(personas, referral, today)

    assert sent.status == ReferralStatus.SENT
    assert not sent.sent_under.exists()


def test_without_any_consent_the_message_names_the_missing_one(
    personas: Personas, patient: Patient, partner: PartnerService, today: date
) -> None:
    referral = plan_referral(personas, patient, partner, sends_data=["identity"])

    message = _refused(personas, referral, today)

    assert f"no release-of-information consent for {PARTNER_NAME} covers identity" in message


def test_a_holding_consent_allows_sending_and_is_recorded(
    personas: Personas, patient: Patient, partner: PartnerService, today: date
) -> None:
    consent = release_consent(personas, patient, covers=["identity", "medical_notes"])
    referral = plan_referral(personas, patient, partner, sends_data=["identity", "medical_notes"])

    sent = _send(personas, referral, today)

    assert sent.status == ReferralStatus.SENT
    assert list(sent.sent_under.all()) == [consent]


def test_recipient_matches_ignoring_case_and_spacing(
    personas: Personas, patient: Patient, partner: PartnerService, today: date
) -> None:
    release_consent(personas, patient, covers=["identity"], recipient="  housing FIRST   zurich ")
    referral = plan_referral(personas, patient, partner, sends_data=["identity"])

    assert _send(personas, referral, today).status == ReferralStatus.SENT


def test_a_consent_for_another_recipient_does_not_count(
    personas: Personas, patient: Patient, partner: PartnerService, today: date
) -> None:
    release_consent(personas, patient, covers=["identity"], recipient="Housing First Basel")
    referral = plan_referral(personas, patient, partner, sends_data=["identity"])

    message = _refused(personas, referral, today)

    assert PARTNER_NAME in message


def test_a_category_not_covered_is_named(
    personas: Personas, patient: Patient, partner: PartnerService, today: date
) -> None:
    release_consent(personas, patient, covers=["identity"])
    referral = plan_referral(personas, patient, partner, sends_data=["identity", "dosing_records"])

    message = _refused(personas, referral, today)

    assert "covers dosing records" in message
    assert "covers identity" not in message


def test_an_expired_consent_is_refused_with_its_expiry(
    personas: Personas, patient: Patient, partner: PartnerService, today: date
) -> None:
    expired_on = today - timedelta(days=10)
    with backdated(timezone.now() - timedelta(days=40)):
        release_consent(
            personas,
            patient,
            covers=["identity"],
            given_on=today - timedelta(days=40),
            expires_on=expired_on,
        )
    referral = plan_referral(personas, patient, partner, sends_data=["identity"])

    message = _refused(personas, referral, today)

    assert f"expired on {expired_on.isoformat()}" in message


def test_a_consent_that_expired_after_the_day_of_sending_still_held_then(
    personas: Personas, patient: Patient, partner: PartnerService, today: date
) -> None:
    with backdated(timezone.now() - timedelta(days=40)):
        release_consent(
            personas,
            patient,
            covers=["identity"],
            given_on=today - timedelta(days=40),
            expires_on=today - timedelta(days=10),
        )
        referral = plan_referral(personas, patient, partner, sends_data=["identity"])
    sent = services.change_referral_status(
        actor=personas["counsellor"],
        referral=referral,
        status=ReferralStatus.SENT,
        on=today - timedelta(days=20),
        follow_up_on=today,
    )
    assert sent.sent_on == today - timedelta(days=20)


def test_a_revoked_consent_is_refused_with_the_revocation_day(
    personas: Personas, patient: Patient, partner: PartnerService, today: date
) -> None:
    consent = release_consent(personas, patient, covers=["identity"])
    revoke_consent(actor=personas["counsellor"], consent=consent, reason="changed their mind")
    referral = plan_referral(personas, patient, partner, sends_data=["identity"])

    message = _refused(personas, referral, today)

    assert f"was revoked on {today.isoformat()}" in message


def test_a_consent_given_after_the_day_of_sending_does_not_count(
    personas: Personas, patient: Patient, partner: PartnerService, today: date
) -> None:
    with backdated(timezone.now() - timedelta(days=5)):
        referral = plan_referral(personas, patient, partner, sends_data=["identity"])
    release_consent(personas, patient, covers=["identity"])

    with pytest.raises(DomainError) as refused:
        services.change_referral_status(
            actor=personas["counsellor"],
            referral=referral,
            status=ReferralStatus.SENT,
            on=today - timedelta(days=2),
            follow_up_on=today,
        )

    assert refused.value.code == "referral_consent_missing"
    assert "was given after" in refused.value.message


def test_counselling_notes_need_a_consent_that_names_them(
    personas: Personas, patient: Patient, partner: PartnerService, today: date
) -> None:
    release_consent(personas, patient, covers=["identity", "medical_notes", "dosing_records"])
    referral = plan_referral(
        personas, patient, partner, sends_data=["identity", "counselling_notes"]
    )

    message = _refused(personas, referral, today)
    assert "counselling notes" in message
    assert "consent of their own" in message

    notes_consent = release_consent(personas, patient, covers=["counselling_notes"])
    sent = _send(personas, referral, today)
    assert notes_consent in sent.sent_under.all()
    assert sent.sent_under.count() == 2
