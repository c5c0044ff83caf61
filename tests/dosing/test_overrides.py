"""A physician lifts a hold or a cap for one session, with a reason and a second factor (docs/domain.md
§5 "Overrides"); a held decision records no dose unless the override is stored (§7 invariant 3)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.core import clock
from openhat.dosing.models import Administration, SessionOverride
from openhat.dosing.services.administer import administer
from openhat.dosing.services.overrides import liftable_findings, override_session
from openhat.dosing.services.sessions import check_in, sign_off
from tests.dosing.factories import decided, drawn, full_session, refused
from tests.dosing.test_api import next_morning
from tests.prescribing.conftest import totp_code

REASON = "Known to score 4 when tired; alert and talking, reviewed at the station."


def _override(personas, session, decision, rule_ids=("sedation_hold",), **changes):
    physician = personas["physician"]
    kwargs = dict(
        actor=physician,
        session_id=session.pk,
        decision_id=decision.pk,
        rule_ids=list(rule_ids),
        reason=REASON,
        totp_code=totp_code(physician),
        allowed_dose_mg="15",
    )
    kwargs.update(changes)
    return kwargs


def _give(personas, station, session, decision, dose="15"):
    return dict(
        actor=personas["nurse"],
        session_id=session.pk,
        decision_id=decision.pk,
        dose_mg=dose,
        site="left_arm",
        lot_id=station.solution.pk,
        location_id=station.formulary.dosing_room.pk,
    )


@pytest.fixture
def held_session(personas, station):
    session, decision = decided(personas, station.patient, sedation_score=4)
    assert decision.verdict == "hold" and decision.max_dose_mg == 0
    return session, decision


def test_a_held_decision_records_no_dose_without_an_override(personas, station, held_session):
    session, decision = held_session
    refused(administer, "dose_not_allowed", **_give(personas, station, session, decision))


def test_a_physician_lifts_a_sedation_hold_and_the_dose_carries_the_override(
    personas, station, held_session
):
    session, decision = held_session
    liftable = {finding["rule_id"] for finding in liftable_findings(decision)}
    assert "sedation_hold" in liftable

    after = override_session(**_override(personas, session, decision), via="station")

    # The hold is lifted; the reduction a sedation score of 4 also calls for still applies.
    assert after.pk != decision.pk and after.verdict == "dose_reduced"
    assert Decimal("0") < after.max_dose_mg < Decimal("15")
    lifted = next(f for f in after.findings if f["rule_id"] == "sedation_hold")
    assert lifted["overridden"] is True
    override = SessionOverride.objects.get()
    assert override.decision == decision and override.rule_ids == ["sedation_hold"]
    assert override.physician == personas["physician"] and override.via == "station"
    assert override.reason == REASON and override.second_factor_verified_at is not None
    event = AuditEvent.objects.get(code=AuditCode.DOSE_OVERRIDE)
    assert event.object_id == str(override.pk)
    assert event.data["lifted"] == ["sedation_hold"] and event.data["decision_after"] == after.pk
    assert event.actor == personas["physician"]

    refused(administer, "stale_decision", **_give(personas, station, session, decision))
    given = administer(**_give(personas, station, session, after, dose=after.max_dose_mg))
    assert given.override == override and given.decision == after
    assert AuditEvent.objects.get(code=AuditCode.DOSE_ADMINISTERED).data["override"] == override.pk


def test_the_override_is_for_one_session_only(personas, station, held_session):
    session, decision = held_session
    after = override_session(**_override(personas, session, decision))
    given = administer(**_give(personas, station, session, after, dose=after.max_dose_mg))
    with clock.backdated(given.observe_until + timedelta(seconds=1)):
        sign_off(actor=personas["nurse"], session_id=session.pk, sedation_score=1)
    with clock.backdated(given.administered_at + timedelta(minutes=45)):
        _, next_decision = decided(personas, station.patient, sedation_score=4, dose_mg="15")
    assert next_decision.verdict == "hold"


def test_the_first_dose_cap_is_not_offered_for_lifting(personas, station):
    """The 15 mg first titration dose is not liftable unless the preset marks it so (issue 12,
    item 4); ch-diaphin does not."""
    session, decision = decided(personas, station.patient, dose_mg="50")
    assert decision.max_dose_mg == Decimal("15")
    assert "titration_first_dose" not in {f["rule_id"] for f in liftable_findings(decision)}
    refused(
        override_session,
        "not_overridable",
        **_override(personas, session, decision, rule_ids=["titration_first_dose"]),
    )


def test_an_override_caps_the_dose_at_what_the_physician_allows(personas, station):
    """Lifting a cap hands out the dose the physician states, not the order's full dose."""
    session, decision = decided(personas, station.patient, sedation_score=3, dose_mg="15")
    assert decision.verdict == "dose_reduced"
    after = override_session(
        **_override(
            personas, session, decision, rule_ids=["sedation_reduce"], allowed_dose_mg="12.5"
        )
    )
    assert after.max_dose_mg == Decimal("12.5")
    assert any(f["rule_id"] == "override_dose" for f in after.findings)
    assert SessionOverride.objects.get().allowed_dose_mg == Decimal("12.5")
    refused(administer, "dose_exceeds_decision", **_give(personas, station, session, after, "13"))
    given = administer(**_give(personas, station, session, after, dose="10"))
    assert given.override is not None


@pytest.mark.parametrize(
    ("role", "code"), [("nurse", "role_not_allowed"), ("pharmacist", "role_not_allowed")]
)
def test_only_a_physician_overrides(personas, station, held_session, role, code):
    session, decision = held_session
    refused(override_session, code, **_override(personas, session, decision, actor=personas[role]))
    refused(
        override_session,
        "session_not_found",
        **_override(personas, session, decision, actor=personas["outsider"]),
    )


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"totp_code": ""}, "second_factor_required"),
        ({"totp_code": None}, "second_factor_required"),
        ({"reason": "ok"}, "override_reason_required"),
        ({"rule_ids": []}, "override_rules_required"),
        ({"rule_ids": ["  "]}, "override_rules_required"),
        ({"via": "phone"}, "unknown_via"),
        ({"rule_ids": ["daily_max"]}, "not_overridable"),
        ({"rule_ids": ["order_dose"]}, "not_overridable"),
        ({"rule_ids": ["no_such_rule"]}, "override_no_such_finding"),
        ({"rule_ids": ["breath_alcohol_hld"]}, "override_no_such_finding"),
        ({"rule_ids": ["session_interval"]}, "override_no_such_finding"),
        ({"allowed_dose_mg": None}, "override_dose_required"),
        ({"allowed_dose_mg": ""}, "override_dose_required"),
        ({"allowed_dose_mg": "0"}, "dose_not_positive"),
        ({"allowed_dose_mg": "-5"}, "dose_not_positive"),
        ({"allowed_dose_mg": "16"}, "override_dose_above_limit"),
        ({"rule_ids": ["sedation_hold", "daily_max"]}, "not_overridable"),
        ({"decision_id": "stale"}, "stale_decision"),
    ],
)
def test_bad_overrides_record_nothing(personas, station, held_session, changes, code):
    session, decision = held_session
    if changes.get("decision_id") == "stale":
        changes["decision_id"] = decision.pk + 100
    refused(override_session, code, **_override(personas, session, decision, **changes))


def test_a_wrong_code_records_no_override_but_counts_as_a_failed_attempt(
    personas, station, held_session
):
    """The failed second factor stays on record and throttles the next guess, as for signing."""
    session, decision = held_session
    physician = personas["physician"]
    good = totp_code(physician)
    wrong = str((int(good) + 1) % 1_000_000).zfill(6)
    with pytest.raises(Exception) as caught:
        override_session(**{**_override(personas, session, decision), "totp_code": wrong})
    assert getattr(caught.value, "code", None) == "second_factor_invalid"
    assert not SessionOverride.objects.exists()
    assert AuditEvent.objects.filter(code=AuditCode.SECOND_FACTOR_FAILED, actor=physician).exists()
    assert TOTPDevice.objects.get(user=physician).throttling_failure_count == 1


def test_sessions_per_day_cannot_be_lifted(personas, station):
    # Three sessions 40 minutes apart must fall on one dosing day: the test starts at 08:00
    # tomorrow, not at whatever time it runs (started at 23:00 it would cross midnight).
    with clock.backdated(next_morning(personas)):
        _third_session_of_a_day_is_refused(personas, station)


def _third_session_of_a_day_is_refused(personas, station):
    """The sessions a day are a hard limit: a session past them is refused at check-in (not due),
    so there is no decision for an override to lift (the engine's own refusal of the override:
    tests/rules)."""
    first = full_session(personas, station, "15")
    with clock.backdated(first.administered_at + timedelta(minutes=40)):
        second = full_session(personas, station, "30")
    with clock.backdated(second.administered_at + timedelta(minutes=40)):
        error = refused(
            check_in,
            "not_due",
            actor=personas["nurse"],
            patient=station.patient,
            identity_confirmed=True,
        )
    assert "session(s) of the order are done today" in error.message


def test_a_session_with_its_dose_drawn_is_not_overridden(personas, station):
    session, decision = decided(personas, station.patient, dose_mg="50")
    drawn(personas, station, session, decision, "15")
    refused(
        override_session,
        "session_not_awaiting_dose",
        **_override(personas, session, decision, rule_ids=["titration_first_dose"]),
    )


def test_the_same_key_overrides_once(personas, station, held_session):
    session, decision = held_session
    first = override_session(
        **_override(personas, session, decision), idempotency_key="override-0001"
    )
    again = override_session(  # the retry carries the code the first one used up
        **_override(personas, session, decision, totp_code="000000"),
        idempotency_key="override-0001",
    )
    assert again.pk == first.pk and SessionOverride.objects.count() == 1
    assert not Administration.objects.exists()


@pytest.mark.parametrize(("assessment"), [{"sedation_score": 3}, {"breath_alcohol": "0.15"}])
def test_a_reduced_dose_can_be_given_up_to_the_decision(personas, station, assessment):
    """The re-run at the administration reduces the dose the decision was asked for, not the
    already reduced dose being given (which would reduce it a second time)."""
    session, decision = decided(personas, station.patient, **assessment)
    assert decision.verdict == "dose_reduced" and decision.max_dose_mg < Decimal("15")
    given = administer(**_give(personas, station, session, decision, dose=decision.max_dose_mg))
    assert given.dose_mg == decision.max_dose_mg


def test_a_refused_override_does_not_spend_the_code(personas, station, held_session):
    session, decision = held_session
    code = totp_code(personas["physician"])
    refused(
        override_session,
        "not_overridable",
        **_override(personas, session, decision, rule_ids=["daily_max"], totp_code=code),
    )
    after = override_session(**_override(personas, session, decision, totp_code=code))
    assert after.verdict == "dose_reduced"
