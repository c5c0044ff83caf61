"""Referrals on real PostgreSQL: every transition legal and illegal, dates, follow-ups."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from openhat.audit.models import AuditEvent
from openhat.care import services
from openhat.care.inputs import PartnerInput
from openhat.care.models import PartnerService, Referral, ReferralStatus
from openhat.care.transitions import ALLOWED_NEXT
from openhat.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from openhat.patients.models import Patient
from tests.care.conftest import make_partner, plan_referral
from tests.conftest import Personas

pytestmark = pytest.mark.django_db

S = ReferralStatus
# A path from planned to each status, through legal moves.
PATH_TO = {
    S.PLANNED: [],
    S.SENT: [S.SENT],
    S.ACCEPTED: [S.SENT, S.ACCEPTED],
    S.ATTENDED: [S.SENT, S.ACCEPTED, S.ATTENDED],
    S.COMPLETED: [S.SENT, S.ACCEPTED, S.ATTENDED, S.COMPLETED],
    S.DECLINED: [S.DECLINED],
    S.LOST_TO_FOLLOW_UP: [S.LOST_TO_FOLLOW_UP],
}
LEGAL = [(a, b) for a in S for b in S if b in ALLOWED_NEXT[a]]
ILLEGAL = [(a, b) for a in S for b in S if b not in ALLOWED_NEXT[a]]


def _move(personas: Personas, referral: Referral, status: str, today: date, **kw: Any) -> Referral:
    return services.change_referral_status(
        actor=personas["counsellor"],
        referral=referral,
        status=status,
        follow_up_on=kw.pop("follow_up_on", today + timedelta(days=14)),
        note_text=kw.pop("note_text", "as agreed with the patient"),
        **kw,
    )


def _referral_in(
    personas: Personas, patient: Patient, partner: PartnerService, status: str, today: date
) -> Referral:
    referral = plan_referral(personas, patient, partner, sends_data=[])
    for step in PATH_TO[S(status)]:
        referral = _move(personas, referral, step, today)
    return referral


def test_every_status_is_reachable_and_the_tables_agree() -> None:
    assert set(PATH_TO) == set(S)
    assert len(LEGAL) == 12
    assert len(LEGAL) + len(ILLEGAL) == len(S) ** 2


@pytest.mark.parametrize(("current", "wanted"), LEGAL, ids=[f"{a}->{b}" for a, b in LEGAL])
def test_legal_moves_set_the_status_and_its_date(
    personas: Personas,
    patient: Patient,
    partner: PartnerService,
    today: date,
    current: str,
    wanted: str,
) -> None:
    referral = _referral_in(personas, patient, partner, current, today)

    moved = _move(personas, referral, wanted, today)

    stored = Referral.objects.get(pk=moved.pk)
    assert stored.status == wanted
    if wanted in (S.COMPLETED, S.DECLINED, S.LOST_TO_FOLLOW_UP):
        assert (stored.ended_on, stored.follow_up_on) == (today, None)
    else:
        assert getattr(stored, f"{wanted}_on") == today
        assert stored.follow_up_on == today + timedelta(days=14)
    event = AuditEvent.objects.filter(code=7021, object_id=str(referral.pk)).last()
    assert event is not None
    assert (event.data["from"], event.data["to"]) == (current, wanted)


@pytest.mark.parametrize(("current", "wanted"), ILLEGAL, ids=[f"{a}->{b}" for a, b in ILLEGAL])
def test_illegal_moves_are_refused_and_change_nothing(
    personas: Personas,
    patient: Patient,
    partner: PartnerService,
    today: date,
    current: str,
    wanted: str,
) -> None:
    referral = _referral_in(personas, patient, partner, current, today)
    before = Referral.objects.filter(pk=referral.pk).values().get()

    with pytest.raises(Conflict) as refused:
        _move(personas, referral, wanted, today)

    assert refused.value.code == "referral_transition_not_allowed"
    assert Referral.objects.filter(pk=referral.pk).values().get() == before


def test_an_unknown_status_is_refused(
    personas: Personas, patient: Patient, partner: PartnerService, today: date
) -> None:
    referral = plan_referral(personas, patient, partner, sends_data=[])
    with pytest.raises(DomainError) as refused:
        _move(personas, referral, "teleported", today)
    assert refused.value.code == "status_unknown"


@pytest.mark.parametrize("status", [S.DECLINED, S.LOST_TO_FOLLOW_UP])
def test_ending_without_the_service_needs_a_note(
    personas: Personas, patient: Patient, partner: PartnerService, today: date, status: str
) -> None:
    referral = plan_referral(personas, patient, partner, sends_data=[])
    with pytest.raises(DomainError) as refused:
        _move(personas, referral, status, today, note_text="")
    assert refused.value.code == "note_required"


def test_an_open_status_needs_a_follow_up_not_before_its_date(
    personas: Personas, patient: Patient, partner: PartnerService, today: date
) -> None:
    referral = plan_referral(personas, patient, partner, sends_data=[])
    with pytest.raises(DomainError) as missing:
        _move(personas, referral, S.SENT, today, follow_up_on=None)
    with pytest.raises(DomainError) as early:
        _move(personas, referral, S.SENT, today, follow_up_on=today - timedelta(days=1))
    assert (missing.value.code, early.value.code) == (
        "follow_up_on_required",
        "follow_up_before_date",
    )
    assert Referral.objects.get(pk=referral.pk).status == S.PLANNED


def test_a_stage_date_in_the_future_or_before_the_last_stage_is_refused(
    personas: Personas, patient: Patient, partner: PartnerService, today: date
) -> None:
    referral = plan_referral(personas, patient, partner, sends_data=[])
    with pytest.raises(DomainError) as future:
        _move(personas, referral, S.SENT, today, on=today + timedelta(days=1))
    with pytest.raises(DomainError) as before:
        _move(personas, referral, S.SENT, today, on=today - timedelta(days=1))
    assert (future.value.code, before.value.code) == ("on_in_future", "date_before_last_stage")


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"kind": "space_travel"}, "kind_unknown"),
        ({"kind": "legal_aid"}, "partner_does_not_offer_kind"),
        ({"reason": " "}, "reason_required"),
        ({"sends_data": ["dna"]}, "sends_data_unknown"),
        ({"partner_id": 999999}, "partner_not_found"),
        ({"follow_up_on": None}, "follow_up_on_required"),
        ({"follow_up_on": date(2000, 1, 1)}, "follow_up_before_date"),
        ({"follow_up_on": date(9999, 12, 31)}, "date_out_of_range"),
    ],
)
def test_bad_referrals_are_refused_and_nothing_written(
    personas: Personas,
    patient: Patient,
    partner: PartnerService,
    changes: dict[str, Any],
    code: str,
) -> None:
    with pytest.raises(DomainError) as refused:
        plan_referral(personas, patient, partner, **changes)
    assert refused.value.code == code
    assert not Referral.objects.exists()


def test_an_inactive_or_other_clinics_partner_is_refused(
    personas: Personas, patient: Patient
) -> None:
    retired = make_partner(personas, name="Old shelter", is_active=False)
    other = PartnerService.objects.create(
        clinic=personas.other_clinic, name="Vancouver housing", kinds=["housing"]
    )
    with pytest.raises(DomainError) as inactive:
        plan_referral(personas, patient, retired)
    with pytest.raises(DomainError) as foreign:
        plan_referral(personas, patient, other)
    assert (inactive.value.code, foreign.value.code) == ("partner_inactive", "partner_not_found")


@pytest.mark.parametrize("role", ["nurse", "physician", "manager", "researcher", "auditor"])
def test_only_counsellors_plan_and_move_referrals(
    personas: Personas, patient: Patient, partner: PartnerService, today: date, role: str
) -> None:
    referral = plan_referral(personas, patient, partner, sends_data=[])
    with pytest.raises(PermissionDenied):
        services.change_referral_status(
            actor=personas[role],
            referral=referral,
            status=S.SENT,
            follow_up_on=today,
        )
    with pytest.raises(PermissionDenied):
        services.plan_referral(
            actor=personas[role], patient=patient, referral=_input(partner, today)
        )
    assert Referral.objects.count() == 1


def test_the_outsider_cannot_touch_a_referral(
    personas: Personas, patient: Patient, partner: PartnerService, today: date
) -> None:
    referral = plan_referral(personas, patient, partner, sends_data=[])
    with pytest.raises(NotFound):
        services.change_referral_status(
            actor=personas.outsider, referral=referral, status=S.SENT, follow_up_on=today
        )


def test_follow_up_moves_on_an_open_referral_only(
    personas: Personas, patient: Patient, partner: PartnerService, today: date
) -> None:
    referral = plan_referral(personas, patient, partner, sends_data=[])
    moved = services.set_follow_up(
        actor=personas["counsellor"], referral=referral, follow_up_on=today + timedelta(days=3)
    )
    assert moved.follow_up_on == today + timedelta(days=3)

    ended = _move(personas, referral, S.DECLINED, today)
    with pytest.raises(Conflict) as refused:
        services.set_follow_up(actor=personas["counsellor"], referral=ended, follow_up_on=today)
    assert refused.value.code == "referral_ended"


def test_partner_names_are_unique_in_a_clinic_ignoring_case(personas: Personas) -> None:
    make_partner(personas)
    with pytest.raises(Conflict) as refused:
        make_partner(personas, name="housing first ZURICH")
    assert refused.value.code == "partner_name_taken"
    services.save_partner_service(
        actor=personas.outsider,
        clinic=personas.other_clinic,
        partner=PartnerInput(name="Housing First Zurich", kinds=["housing"]),
    )
    assert PartnerService.objects.count() == 2


def test_managers_keep_the_directory_but_nurses_do_not(personas: Personas) -> None:
    services.save_partner_service(
        actor=personas["manager"],
        clinic=personas.clinic,
        partner=PartnerInput(name="Legal aid desk", kinds=["legal_aid"]),
    )
    with pytest.raises(PermissionDenied):
        services.save_partner_service(
            actor=personas["nurse"],
            clinic=personas.clinic,
            partner=PartnerInput(name="Other desk", kinds=["legal_aid"]),
        )
    with pytest.raises(DomainError) as no_kind:
        services.save_partner_service(
            actor=personas["manager"],
            clinic=personas.clinic,
            partner=PartnerInput(name="No kinds", kinds=[]),
        )
    assert no_kind.value.code == "kinds_required"
    assert PartnerService.objects.count() == 1


def _input(partner: PartnerService, today: date) -> Any:
    from openhat.care.inputs import ReferralInput

    return ReferralInput(
        kind="housing",
        partner_id=partner.pk,
        reason="needs a room",
        follow_up_on=today + timedelta(days=7),
    )
