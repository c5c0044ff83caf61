"""`openhat sessions verify` and `replay`: dose records under the same verification as the ledger.

Decisions, administrations and adverse events are chained per clinic with keyed hashes; every
administration must add up with its ledger entries to the microgram; replay compares the stored
dose with the stored decision's maximum. Tampering is by SQL as the database's superuser.
"""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from openhat.audit.chain import keyed_hash
from openhat.audit.checkpoints import make_checkpoint
from openhat.audit.keys import chain_keys
from openhat.dosing.models import Administration, AdverseEvent, SessionDecision
from openhat.dosing.replay import replay_day
from openhat.dosing.services.administer import administer
from openhat.dosing.services.adverse import record_adverse_event
from openhat.dosing.verify import verify_sessions
from openhat.pharmacy.models import LedgerEntry
from tests.database import as_superuser
from tests.dosing.factories import decided, drawn, full_session, open_session


def verify_output() -> str:
    out = io.StringIO()
    call_command("sessions", "verify", stdout=out, no_color=True)
    return out.getvalue()


def failing_verify() -> str:
    out = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("sessions", "verify", stdout=out, no_color=True)
    return str(failure.value) + "\n" + out.getvalue()


@pytest.fixture
def given(personas, station) -> Administration:
    """A first dose of 15 mg, given whole, and an adverse event in its session."""
    administration = full_session(personas, station, "15")
    record_adverse_event(
        actor=personas["nurse"],
        patient=station.patient,
        session_id=administration.session_id,
        kind="overdose",
        severity="severe",
        outcome="recovered",
        onset_at=(timezone.now() - timedelta(minutes=3)).isoformat(),
        description="slow breathing",
        naloxone_given=True,
        naloxone_dose_mg="0.4",
        naloxone_route="im",
    )
    return administration


def partial(personas, station, remainder: str) -> Administration:
    """15 mg drawn, 10 mg given, 5 mg returned to stock or wasted (witnessed)."""
    session, decision = decided(personas, station.patient)
    preparation = drawn(personas, station, session, decision, "15")
    return administer(
        actor=personas["nurse"],
        session_id=session.pk,
        decision_id=decision.pk,
        dose_mg="10",
        site="right_arm",
        preparation_id=preparation.pk,
        remainder=remainder,
        witness=personas["pharmacist"],
    )


def test_dosing_records_are_chained_per_clinic_with_keyed_hashes(personas, given):
    ring = chain_keys()
    for model in (SessionDecision, Administration, AdverseEvent):
        rows = list(model.objects.order_by("chain_seq"))
        assert [row.chain_seq for row in rows] == list(range(1, len(rows) + 1))
        assert {row.chain_key for row in rows} == {personas.clinic.pk}
        for row in rows:
            fresh = model.objects.get(pk=row.pk)  # as read back from the database
            assert fresh.key_id == ring.current_id
            assert fresh.row_sha256 == keyed_hash(
                ring.current, fresh.prev_sha256, fresh.hash_content()
            )


def test_intact_records_verify(given):
    output = verify_output()

    assert "administration: 1 rows checked" in output
    assert "1 administrations checked against the ledger" in output
    assert "Dosing records intact" in output


def test_a_dose_changed_tenfold_is_detected_by_verify_and_replay(given):
    """The tester's case was 80 mg made 800; a first dose here may be at most 15 mg."""
    with as_superuser(), connection.cursor() as cursor:
        cursor.execute("UPDATE dosing_administration SET dose_mg = 150 WHERE id = %s", [given.pk])
    assert Administration.objects.get(pk=given.pk).dose_mg == Decimal("150")

    output = failing_verify()

    assert f"row id {given.pk}" in output and "keyed hash" in output
    assert f"administration {given.pk}" in output
    assert "issued 15 mg but administered 150" in output
    assert "above its decision's maximum" in output

    _checked, differences = replay_day(given.session.dosing_day)
    assert any(
        d.session_id == given.session_id and "above the decision's maximum" in d.fields[0]
        for d in differences
    )


def test_a_changed_dose_with_the_chain_recomputed_with_the_key_still_fails_the_ledger_check(
    given,
):
    """Even with the chain key, a dose that does not match what the ledger issued is named."""
    ring = chain_keys()
    rows = list(Administration.objects.order_by("chain_seq"))
    with as_superuser():
        previous = rows[0].prev_sha256
        for row in rows:
            if row.pk == given.pk:
                row.dose_mg = Decimal("10")
            row.prev_sha256 = previous
            row.row_sha256 = keyed_hash(ring.current, previous, row.hash_content())
            previous = row.row_sha256
            Administration.objects.filter(pk=row.pk).update(
                dose_mg=row.dose_mg, prev_sha256=row.prev_sha256, row_sha256=row.row_sha256
            )

    report = verify_sessions()

    assert report.breaks == []
    assert [m.problem for m in report.mismatches] == [
        "issued 15 mg but administered 10 + returned 0 + wasted 0 = 10 mg"
    ]


@pytest.mark.parametrize("remainder", ["return", "waste"])
def test_a_partial_dose_adds_up_with_its_return_or_waste(personas, station, remainder):
    partial(personas, station, remainder)

    report = verify_sessions()

    assert report.intact, report.mismatches
    assert report.administrations_checked == 1


def test_a_microgram_missing_from_a_return_is_named(personas, station):
    given = partial(personas, station, "return")
    returned = LedgerEntry.objects.get(returns_entry=given.issued_entry)
    with as_superuser():
        LedgerEntry.objects.filter(pk=returned.pk).update(quantity_mg=Decimal("4.999"))

    problems = [m.problem for m in verify_sessions().mismatches]

    assert "issued 15 mg but administered 10 + returned 4.999 + wasted 0 = 14.999 mg" in problems


def test_deleting_the_newest_adverse_event_after_a_checkpoint_is_detected(given):
    make_checkpoint("evening")
    newest = AdverseEvent.objects.latest("chain_seq")
    with as_superuser(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM dosing_adverseevent WHERE id = %s", [newest.pk])

    output = failing_verify()

    assert "adverse_event" in output and "rows were deleted from its end" in output


def test_a_decision_made_without_a_dose_is_chained_too(personas, station):
    session = open_session(personas, station.patient)
    from openhat.dosing.services.sessions import decide_session

    decision = decide_session(
        actor=personas["nurse"], session_id=session.pk, drug="dam", route="iv", dose_mg=None
    )
    assert decision.chain_seq == 1 and decision.key_id == chain_keys().current_id
    assert verify_sessions().intact
