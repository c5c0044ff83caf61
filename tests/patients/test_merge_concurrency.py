"""Merges at the same moment, in real concurrent transactions: never a cycle, a chain or two
merges of one record; and a check-in of a record being merged waits and is then refused."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from django.contrib.auth.models import User

from openhat.core.errors import DomainError
from openhat.patients import merging
from openhat.patients.merging import merge_patients
from openhat.patients.models import Patient, PatientMerge
from openhat.patients.services import register_patient
from openhat.patients.validation import IdentityInput
from tests.audit.concurrent import run_together
from tests.conftest import Personas
from tests.prescribing.conftest import totp_code

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]


def _records(personas: Personas, count: int) -> list[int]:
    return [
        register_patient(
            actor=personas["nurse"],
            clinic=personas.clinic,
            identity=IdentityInput(f"Record Number{n}", date(1980, 1, 1 + n)),
        ).pk
        for n in range(count)
    ]


def _slow_checks(
    monkeypatch: pytest.MonkeyPatch,
    pauses: dict[int, float] | None = None,
    recheck: bool = True,
) -> None:
    """Widen the gap after each check (by the duplicate's id, 0.3 s unless `pauses` says), where
    two merges would both pass. `recheck=False` skips the check made again under the locks."""
    real = merging.check_mergeable
    checked = threading.local()

    def slow(duplicate: Patient, survivor: Patient) -> None:
        again = getattr(checked, "once", False)
        checked.once = True
        if recheck or not again:
            real(duplicate, survivor)
        time.sleep((pauses or {}).get(duplicate.pk, 0.3))

    monkeypatch.setattr(merging, "check_mergeable", slow)


def _merge(user_pk: int, duplicate_pk: int, survivor_pk: int) -> str:
    user = User.objects.get(pk=user_pk)
    try:
        merge_patients(
            actor=user,
            duplicate=Patient.objects.get(pk=duplicate_pk),
            survivor=Patient.objects.get(pk=survivor_pk),
            reason="Same person, registered twice.",
            totp_code=totp_code(user),
        )
    except DomainError as refused:
        return refused.code
    return "merged"


def _users(personas: Personas) -> list[int]:
    # Two people: one authenticator code is accepted once (second factor replay protection).
    return [personas["physician"].pk, personas["manager"].pk]


def _assert_flat(personas: Personas) -> None:
    """Every merged record points at a record that is not merged itself."""
    for patient in Patient.objects.filter(merged_into__isnull=False).select_related("merged_into"):
        assert patient.merged_into.merged_into_id is None, "a chain or a cycle of merges"
    assert PatientMerge.objects.count() == Patient.objects.filter(merged_into__isnull=False).count()


@pytest.mark.parametrize("shape", ["crossed", "one_duplicate_two_survivors", "chain"])
def test_concurrent_merges_never_corrupt(
    personas: Personas, monkeypatch: pytest.MonkeyPatch, shape: str
) -> None:
    a, b, c = _records(personas, 3)
    pairs = {
        "crossed": [(a, b), (b, a)],  # A into B and B into A at once
        "one_duplicate_two_survivors": [(a, b), (a, c)],
        "chain": [(a, b), (b, c)],  # B would be merged while A is merged into it
    }[shape]
    # In the chain, B into C checks after A into B checked and commits before A into B locks.
    _slow_checks(monkeypatch, {a: 0.6, b: 0.1} if shape == "chain" else None)
    users = _users(personas)

    results, errors = run_together(2, lambda index: _merge(users[index], *pairs[index]))

    assert errors == []
    _assert_flat(personas)
    assert sorted(results) in (["already_merged", "merged"], ["merged", "survivor_is_merged"])
    assert PatientMerge.objects.count() == 1


def test_without_the_check_under_the_locks_a_chain_is_made(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The harness really interleaves them: when the check before the locks is all there is,
    A into B (checked while B was not merged yet) lands after B into C: a chain A -> B -> C."""
    a, b, c = _records(personas, 3)
    _slow_checks(monkeypatch, {a: 0.6, b: 0.1}, recheck=False)
    users = _users(personas)

    results, errors = run_together(2, lambda index: _merge(users[index], *[(a, b), (b, c)][index]))

    assert errors == []
    assert results.count("merged") == 2
    assert Patient.objects.get(pk=a).merged_into_id == b
    assert Patient.objects.get(pk=b).merged_into_id == c


def test_a_check_in_racing_a_merge_is_refused_after_it(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openhat.dosing.services.sessions import check_in
    from tests.prescribing.conftest import enrol

    a, b = _records(personas, 2)
    enrol(Patient.objects.get(pk=a))
    nurse_pk, physician_pk = personas["nurse"].pk, personas["physician"].pk
    _slow_checks(monkeypatch)

    def work(index: int) -> str:
        if index == 0:
            return _merge(physician_pk, a, b)
        time.sleep(0.15)  # inside the merge's pause: the merge holds or is about to take the lock
        try:
            check_in(
                actor=User.objects.get(pk=nurse_pk),
                patient=Patient.objects.get(pk=a),
                identity_confirmed=True,
            )
        except DomainError as refused:
            return refused.code
        return "checked_in"

    results, errors = run_together(2, work)

    assert errors == []
    # Never both: either the check-in came first (then the merge is refused for the open session) or after.
    assert set(results) in ({"merged", "patient_merged"}, {"duplicate_session_open", "checked_in"})
