"""Real concurrent transactions: one session, many stations at once, one dose (docs/domain.md §7, 1-4).

Service level; the API-level test of the dosing-station issue comes with its API.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from openhat.core.errors import DomainError
from openhat.dosing.models import Administration, DosingSession
from openhat.dosing.services.administer import administer
from openhat.dosing.services.sessions import assess, check_in, decide_session
from openhat.patients.models import Patient
from openhat.pharmacy.models import EntryKind, LedgerEntry
from openhat.pharmacy.verify import verify_ledger
from tests.audit.concurrent import run_together

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]

STATIONS = 50


def test_fifty_check_ins_at_once_open_one_session(personas, station):
    nurse_pk, patient_pk = personas["nurse"].pk, station.patient.pk

    def arrive(_: int) -> str:
        try:
            check_in(
                actor=User.objects.get(pk=nurse_pk),
                patient=Patient.objects.select_related("clinic").get(pk=patient_pk),
                identity_confirmed=True,
            )
            return "opened"
        except DomainError as error:
            return error.code

    outcomes, errors = run_together(STATIONS, arrive)

    assert errors == []
    assert outcomes.count("opened") == 1
    assert set(outcomes) == {"opened", "session_open"}
    assert DosingSession.objects.filter(patient=station.patient).count() == 1


def test_fifty_administrations_at_once_record_one_dose(personas, station):
    nurse = personas["nurse"]
    session = check_in(actor=nurse, patient=station.patient, identity_confirmed=True)
    assess(actor=nurse, session_id=session.pk, sedation_score=1, breath_alcohol_mg_per_l="0")
    decision = decide_session(
        actor=nurse, session_id=session.pk, drug="dam", route="iv", dose_mg="200"
    )
    assert decision.max_dose_mg > 0

    def give(index: int) -> str:
        try:
            administer(
                actor=User.objects.get(pk=nurse.pk),
                session_id=session.pk,
                decision_id=decision.pk,
                dose_mg=decision.max_dose_mg,
                site="left_arm",
                lot_id=station.solution.pk,
                location_id=station.formulary.dosing_room.pk,
                # Half retry with one key (a tablet that lost its connection), half are other stations.
                idempotency_key="tablet-retry-0001" if index % 2 else None,
            )
            return "recorded"
        except DomainError as error:
            return error.code

    outcomes, errors = run_together(STATIONS, give)

    assert errors == []
    assert Administration.objects.filter(session=session).count() == 1
    issued = LedgerEntry.objects.filter(kind=EntryKind.DOSE_ISSUED, patient=station.patient)
    assert issued.count() == 1
    assert -issued.get().quantity_mg == decision.max_dose_mg
    # Retries with the key get the first result back; every other station is told it is done.
    assert set(outcomes) <= {"recorded", "already_administered"}
    assert outcomes.count("recorded") >= 1
    assert verify_ledger().intact
