"""Adverse events at the station (issue 6 §3): kind, severity, interventions, outcome, and a
physician's sign-off; a serious event not signed off asks for a physician's review before the
next dose (the engine's `adverse_event_review` finding)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.dosing.models import AdverseEvent, AdverseEventSignOff
from openhat.dosing.services.adverse import record_adverse_event, sign_off_adverse_event
from openhat.dosing.services.overrides import override_session
from openhat.dosing.services.sessions import decide_session
from tests.conftest import register_zrh_patient
from tests.dosing.factories import decided, open_session, refused
from tests.prescribing.conftest import enrol, totp_code


def _event(personas, station, **changes):
    kwargs = dict(
        actor=personas["nurse"],
        patient=station.patient,
        kind="overdose",
        severity="severe",
        outcome="recovered",
        description="breathing 6/min, pinpoint pupils",
        naloxone_given=True,
        naloxone_dose_mg="0.4",
        naloxone_route="im",
        oxygen_given=True,
    )
    kwargs.update(changes)
    return kwargs


def test_a_nurse_records_an_overdose_with_naloxone(personas, station):
    session = open_session(personas, station.patient)
    onset = timezone.now() - timedelta(minutes=10)

    event = record_adverse_event(
        **_event(personas, station, session_id=session.pk, onset_at=onset.isoformat())
    )

    assert (event.kind, event.severity, event.outcome) == ("overdose", "severe", "recovered")
    assert event.session == session and event.patient == station.patient
    assert event.naloxone_given and event.naloxone_dose_mg == Decimal("0.40")
    assert event.naloxone_route == "im" and event.oxygen_given and not event.ambulance_called
    assert abs(event.onset_at - onset) < timedelta(seconds=1)
    assert event.recorded_by == personas["nurse"]
    audit = AuditEvent.objects.get(code=AuditCode.ADVERSE_EVENT_RECORDED)
    assert audit.object_id == str(event.pk) and audit.data["naloxone_mg"] == "0.40"
    assert audit.data["client_code"] == station.patient.client_code


def test_a_physician_may_record_one_and_without_an_onset_it_is_now(personas, station):
    event = record_adverse_event(
        **_event(
            personas,
            station,
            actor=personas["physician"],
            kind="injection_site",
            severity="mild",
            naloxone_given=False,
            naloxone_dose_mg=None,
            naloxone_route=None,
            oxygen_given=False,
        )
    )
    assert abs(event.onset_at - event.recorded_at) < timedelta(seconds=1)
    assert event.naloxone_dose_mg is None and event.naloxone_route == ""


@pytest.mark.parametrize("role", ["pharmacist", "counsellor", "researcher"])
def test_other_roles_do_not_record_adverse_events(personas, station, role):
    refused(
        record_adverse_event,
        "role_not_allowed",
        **_event(personas, station, actor=personas[role]),
    )


def test_another_clinic_does_not_see_the_patient(personas, station):
    refused(
        record_adverse_event, "not_found", **_event(personas, station, actor=personas["outsider"])
    )


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"kind": "headache"}, "adverse_event_kind"),
        ({"kind": ""}, "adverse_event_kind"),
        ({"severity": "fatal"}, "adverse_event_severity"),
        ({"outcome": "unknown"}, "adverse_event_outcome"),
        ({"naloxone_dose_mg": None}, "naloxone_dose_required"),
        ({"naloxone_dose_mg": "a lot"}, "naloxone_dose_required"),
        ({"naloxone_dose_mg": "0"}, "naloxone_dose_range"),
        ({"naloxone_dose_mg": "25"}, "naloxone_dose_range"),
        ({"naloxone_dose_mg": "NaN"}, "naloxone_dose_required"),  # not a number (core.bounds)
        ({"naloxone_route": None}, "naloxone_route_required"),
        ({"naloxone_route": "oral"}, "naloxone_route_required"),
        ({"naloxone_given": False}, "naloxone_not_given"),
        ({"naloxone_given": False, "naloxone_dose_mg": None}, "naloxone_not_given"),
        ({"kind": "other", "description": "  "}, "description_required"),
        ({"onset_at": "yesterday"}, "onset_invalid"),
        ({"onset_at": "2026-01-01T10:00:00"}, "onset_invalid"),
        ({"onset_at": "future"}, "onset_out_of_range"),
        ({"onset_at": "last month"}, "onset_out_of_range"),
        ({"session_id": "not a number"}, "session_not_found"),
        ({"session_id": 999999}, "session_not_found"),
    ],
)
def test_bad_adverse_events_record_nothing(personas, station, changes, code):
    now = timezone.now()
    moments = {"future": now + timedelta(hours=1), "last month": now - timedelta(days=30)}
    if changes.get("onset_at") in moments:
        changes["onset_at"] = moments[changes["onset_at"]]
    refused(record_adverse_event, code, **_event(personas, station, **changes))


def test_an_event_names_a_session_of_its_own_patient(personas, station):
    other = enrol(register_zrh_patient(personas))
    theirs = open_session(personas, other)
    refused(
        record_adverse_event,
        "session_not_found",
        **_event(personas, station, session_id=theirs.pk),
    )


def test_only_a_physician_signs_off_and_only_once(personas, station):
    event = record_adverse_event(**_event(personas, station))
    for role in ("nurse", "pharmacist"):
        refused(
            sign_off_adverse_event,
            "role_not_allowed",
            actor=personas[role],
            event_id=event.pk,
            note="seen",
        )
    refused(
        sign_off_adverse_event,
        "event_not_found",
        actor=personas["outsider"],
        event_id=event.pk,
        note="seen",
    )
    refused(
        sign_off_adverse_event,
        "sign_off_note_required",
        actor=personas["physician"],
        event_id=event.pk,
        note=" ",
    )
    refused(
        sign_off_adverse_event,
        "event_not_found",
        actor=personas["physician"],
        event_id=event.pk + 1000,
        note="seen",
    )

    signed = sign_off_adverse_event(
        actor=personas["physician"], event_id=event.pk, note="Reviewed; reduce next dose by 25%."
    )

    assert signed.event == event and signed.physician == personas["physician"]
    audit = AuditEvent.objects.get(code=AuditCode.ADVERSE_EVENT_SIGNED_OFF)
    assert audit.object_id == str(signed.pk) and audit.data["event"] == event.pk
    refused(
        sign_off_adverse_event,
        "already_signed_off",
        actor=personas["physician"],
        event_id=event.pk,
        note="seen again",
    )
    assert AdverseEventSignOff.objects.count() == 1


def _rule_ids(decision):
    return {finding["rule_id"] for finding in decision.findings}


def test_a_serious_event_not_signed_off_asks_for_review_at_the_next_session(personas, station):
    event = record_adverse_event(
        **_event(personas, station, onset_at=timezone.now() - timedelta(hours=2))
    )
    session, decision = decided(personas, station.patient)
    assert decision.verdict == "physician_review" and decision.max_dose_mg == 0
    assert "adverse_event_review" in _rule_ids(decision)

    sign_off_adverse_event(actor=personas["physician"], event_id=event.pk, note="Reviewed.")
    again = decide_session(actor=personas["nurse"], session_id=session.pk, drug="dam", route="iv")
    assert again.verdict == "dose"
    assert "adverse_event_review" not in _rule_ids(again)
    assert "recent_adverse_event" in _rule_ids(again)  # still an advisory to watch closely


def test_the_review_can_be_lifted_by_a_physician_override(personas, station):
    record_adverse_event(**_event(personas, station))
    session, decision = decided(personas, station.patient)
    after = override_session(
        actor=personas["physician"],
        session_id=session.pk,
        decision_id=decision.pk,
        rule_ids=["adverse_event_review"],
        reason="Seen at the station, fully alert for an hour, dose as planned.",
        totp_code=totp_code(personas["physician"]),
        allowed_dose_mg="15",
    )
    assert after.verdict == "dose"


def test_a_mild_event_is_only_an_advisory(personas, station):
    record_adverse_event(
        **_event(
            personas,
            station,
            kind="injection_site",
            severity="mild",
            naloxone_given=False,
            naloxone_dose_mg=None,
            naloxone_route=None,
        )
    )
    _, decision = decided(personas, station.patient)
    assert decision.verdict == "dose"
    assert "recent_adverse_event" in _rule_ids(decision)
    assert "adverse_event_review" not in _rule_ids(decision)


def test_an_event_older_than_the_watch_window_is_not_read(personas, station):
    """Recorded up to 7 days late; the preset's window (72 h in ch-diaphin) decides what counts."""
    onset = timezone.now() - timedelta(days=4)
    assert isinstance(onset, datetime)
    record_adverse_event(**_event(personas, station, onset_at=onset))
    _, decision = decided(personas, station.patient)
    assert not _rule_ids(decision) & {"adverse_event_review", "recent_adverse_event"}
    assert AdverseEvent.objects.count() == 1
