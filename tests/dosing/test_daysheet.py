"""The day sheet: every session of a day with its steps, a partial dose with its witness, an
override, exceptions and an adverse event, totals per drug; each view logged per patient."""

from __future__ import annotations

from decimal import Decimal

import pytest

from openhat.audit.models import AccessedRecord, AccessLog
from openhat.core import clock
from openhat.dosing.services.administer import administer
from openhat.dosing.services.adverse import record_adverse_event
from openhat.dosing.services.day_sheet import day_sheet
from openhat.dosing.services.exceptions import record_left_early
from openhat.dosing.services.overrides import override_session
from openhat.dosing.services.sessions import decide_session
from tests.dosing.board_history import checked_in, held, partial_dose, patient_on_dam, the_day
from tests.prescribing.conftest import totp_code

REASON = "Drowsy from a poor night; alert and talking now, reviewed by phone."


@pytest.fixture
def sheet_day(personas, station):
    day = the_day(personas.clinic)
    since = day.moment(6, days=3)
    partial, overridden, refusing, returning = (
        patient_on_dam(personas, since=since) for _ in range(4)
    )
    wasted = partial_dose(personas, station, partial, day.moment(8))
    returned = partial_dose(
        personas,
        station,
        returning,
        day.moment(12),
        window="midday",
        remainder="return",
        given="12",
    )
    held(personas, refusing, day.moment(8, 30))
    # Sedation 4 holds the dose; the physician lifts the hold from another device.
    nurse, physician = personas["nurse"], personas["physician"]
    session = checked_in(personas, overridden, day.moment(9), "morning", sedation_score=4)
    with clock.backdated(day.moment(9, 2)):
        decision = decide_session(
            actor=nurse, session_id=session.pk, drug="dam", route="iv", dose_mg="15"
        )
        assert decision.verdict == "hold"
    with clock.backdated(day.moment(9, 10)):
        after = override_session(
            actor=physician,
            session_id=session.pk,
            decision_id=decision.pk,
            rule_ids=["sedation_hold"],
            reason=REASON,
            totp_code=totp_code(physician),
            allowed_dose_mg="15",
        )
        given = administer(
            actor=nurse,
            session_id=session.pk,
            decision_id=after.pk,
            dose_mg=after.max_dose_mg,
            site="left_arm",
            lot_id=station.solution.pk,
            location_id=station.formulary.dosing_room.pk,
        )
    with clock.backdated(day.moment(9, 20)):
        record_adverse_event(
            actor=nurse,
            patient=overridden,
            session_id=session.pk,
            kind="overdose",
            severity="severe",
            outcome="recovered",
            onset_at=day.moment(9, 18),
            naloxone_given=True,
            naloxone_dose_mg="0.4",
            naloxone_route="im",
            oxygen_given=True,
        )
        record_left_early(actor=nurse, session_id=session.pk, notes="left against advice")
    return day, {
        "partial": (partial, wasted),
        "returning": (returning, returned),
        "refusing": refusing,
        "overridden": (overridden, given, after),
    }


def _row(sheet, patient):
    return next(
        row for window in sheet.windows for row in window.sessions if row.session.patient == patient
    )


def test_every_session_of_the_day_by_window(personas, sheet_day):
    day, people = sheet_day
    sheet = day_sheet(actor=personas["nurse"], clinic=personas.clinic, day=day.day)

    by_window = {w.window: [row.session.patient for row in w.sessions] for w in sheet.windows}
    assert by_window == {
        "morning": [people["partial"][0], people["refusing"], people["overridden"][0]],
        "midday": [people["returning"][0]],
        "evening": [],
    }
    assert (sheet.sessions, sheet.doses, sheet.without_dose, sheet.adverse_events) == (4, 3, 1, 1)


def test_a_partial_dose_with_its_remainder_and_witness(personas, sheet_day):
    day, people = sheet_day
    sheet = day_sheet(actor=personas["nurse"], clinic=personas.clinic, day=day.day)
    patient, given = people["partial"]
    row = _row(sheet, patient)

    assert row.administration == given and given.dose_mg == Decimal("10")
    assert row.preparation is not None and row.preparation.dose_mg == Decimal("15")
    assert given.remainder_mg == Decimal("5") and row.remainder_kind == "wasted"
    assert given.remainder_witness == personas["pharmacist"]
    assert row.lot_number == row.preparation.lot.lot_number != ""
    assert row.pre_dose is not None and row.pre_dose.sedation_score == 1
    assert row.session.sign_off.assessment.notes == "comfortable"
    assert _row(sheet, people["returning"][0]).remainder_kind == "returned"


def test_an_override_an_exception_and_an_adverse_event(personas, sheet_day):
    day, people = sheet_day
    sheet = day_sheet(actor=personas["nurse"], clinic=personas.clinic, day=day.day)
    patient, given, after = people["overridden"]
    row = _row(sheet, patient)

    assert row.decision == after and given.override is not None
    assert [(o.physician, o.rule_ids, o.reason) for o in row.overrides] == [
        (personas["physician"], ["sedation_hold"], REASON)
    ]
    assert [e.kind for e in row.exceptions] == ["left_early"]
    event = row.adverse_events[0]
    assert (event.kind, event.naloxone_dose_mg, event.naloxone_route) == (
        "overdose",
        Decimal("0.40"),
        "im",
    )
    refused = _row(sheet, people["refusing"])
    assert refused.administration is None and [e.kind for e in refused.exceptions] == ["held"]
    assert refused.session.end_reason == "Dose held"


def test_totals_per_drug(personas, sheet_day):
    day, people = sheet_day
    sheet = day_sheet(actor=personas["nurse"], clinic=personas.clinic, day=day.day)
    override_dose = people["overridden"][1].dose_mg

    assert len(sheet.totals) == 1
    total = sheet.totals[0]
    assert (total.drug, total.route, total.doses) == ("dam", "iv", 3)
    assert total.given_mg == Decimal("10") + Decimal("12") + override_dose
    assert (total.returned_mg, total.wasted_mg) == (Decimal("3"), Decimal("5"))


def test_reading_the_sheet_logs_a_view_of_each_patients_dosing_record(personas, sheet_day):
    day, people = sheet_day
    before = AccessLog.objects.count()

    day_sheet(actor=personas["physician"], clinic=personas.clinic, day=day.day)

    logged = AccessLog.objects.order_by("pk")[before:]
    assert {entry.patient for entry in logged} == {
        people["partial"][0],
        people["returning"][0],
        people["refusing"],
        people["overridden"][0],
    }
    assert len(logged) == 4
    assert all(
        entry.record == AccessedRecord.DOSING_RECORD and entry.actor == personas["physician"]
        for entry in logged
    )


def test_an_empty_day(personas, station):
    day = the_day(personas.clinic)
    sheet = day_sheet(actor=personas["nurse"], clinic=personas.clinic, day=day.day)

    assert sheet.sessions == 0 and sheet.totals == ()
    assert [len(w.sessions) for w in sheet.windows] == [0, 0, 0]


def test_the_sheet_prints_the_first_checkpoint_made_after_the_day(personas, station, client_for):
    """Paper anchors the chains: the printed sheet carries the signed heads of the clinic's
    chains from the first checkpoint made once the day was over (the latest while it is open)."""
    from openhat.audit.checkpoints import make_checkpoint
    from openhat.audit.models import AuditEvent

    day = the_day(personas.clinic)
    client = client_for("nurse")
    empty = client.get(f"/dosing/day-sheet/?day={day.day.isoformat()}").content.decode()
    assert 'data-testid="no-checkpoint"' in empty

    checkpoint = make_checkpoint("test")
    page = client.get(f"/dosing/day-sheet/?day={day.day.isoformat()}").content.decode()

    assert checkpoint.name in page
    head = next(
        h
        for h in checkpoint.heads
        if h.chain == "audit_event" and h.chain_key == personas.clinic.pk
    )
    assert head.hash in page
    assert AuditEvent.objects.filter(chain_key=personas.clinic.pk, row_sha256=head.hash).exists()
    assert all(h.hash not in page for h in checkpoint.heads if h.chain_key != personas.clinic.pk)
