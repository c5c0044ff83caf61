"""Many stations at once through the HTTP API, real concurrent transactions on PostgreSQL
(issue 6 §5): one patient, one session, at least 50 simultaneous requests; afterwards docs/domain.md
§7 invariants 1-4 hold and the ledger verifies.

Each request is a Django test Client of its own in a thread of its own with its own database
connection: the whole request (authentication, schema, service, answer) runs concurrently.
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Sum
from django.test import Client

from openhat.dosing.models import (
    Administration,
    DosePreparation,
    DosingSession,
    SessionDecision,
    SessionException,
)
from openhat.patients.models import Patient
from openhat.pharmacy.models import EntryKind, LedgerEntry
from openhat.pharmacy.verify import verify_ledger
from openhat.prescribing.models import OrderLine, OrderState
from tests.audit.concurrent import run_together
from tests.conftest import sign_in
from tests.dosing.api_client import ASSESSMENT, WITNESS, check_in_body, url

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]

REQUESTS = 50
RETRY_KEY = "tablet-3-lost-connection-0001"
ALLOWED_VERDICTS = ("dose", "dose_reduced")


def _post(client: Client, rest: str, body: Any, key: str | None) -> tuple[int, dict[str, Any]]:
    headers = {"Idempotency-Key": key} if key else {}
    response = client.post(
        url(rest), data=json.dumps(body), content_type="application/json", headers=headers
    )
    return response.status_code, response.json()


def _decided_session(personas: Any, patient: Patient) -> tuple[int, dict[str, Any]]:
    nurse = sign_in(Client(), personas["nurse"])
    status, session = _post(nurse, "sessions", check_in_body(patient.pk), None)
    assert status == 201, session
    sid = session["id"]
    assert _post(nurse, f"sessions/{sid}/assessment", ASSESSMENT, None)[0] == 201
    status, decision = _post(
        nurse, f"sessions/{sid}/decision", {"drug": "dam", "route": "iv", "dose_mg": "200"}, None
    )
    assert status == 201 and decision["verdict"] in ALLOWED_VERDICTS, decision
    return sid, decision


def assert_invariants(patient: Patient) -> None:
    """docs/domain.md §7 invariants 1-4 for the patient, and the ledger's chain and balances (5-6)."""
    given = list(Administration.objects.filter(patient=patient).select_related("decision"))
    for dose in given:
        # 1. An active signed order covering the drug and route.
        line = OrderLine.objects.select_related("current_version").get(pk=dose.order_line_id)
        assert line.patient_id == patient.pk and line.state == OrderState.ACTIVE
        assert dose.drug == line.drug and dose.route in line.current_version.routes
        # 2. Each dose within the decision it was given under, and within the order.
        assert dose.dose_mg <= dose.decision.max_dose_mg <= line.current_version.dose_max_mg
        # 3. A held decision records no dose without an override.
        assert dose.decision.verdict in ALLOWED_VERDICTS or dose.override_id is not None
    version = OrderLine.objects.get(pk=given[0].order_line_id).current_version if given else None
    by_day = Counter(dose.session.dosing_day for dose in given)
    for day, sessions in by_day.items():
        assert version is not None and sessions <= version.sessions_per_day
        day_total = sum(d.dose_mg for d in given if d.session.dosing_day == day)
        assert day_total <= version.daily_max_mg
    # 4. Every mg issued for a dose is given, returned, or wasted with a witness.
    issued = -(
        LedgerEntry.objects.filter(patient=patient, kind=EntryKind.DOSE_ISSUED).aggregate(
            total=Sum("quantity_mg")
        )["total"]
        or Decimal(0)
    )
    administered = sum((d.dose_mg for d in given), Decimal(0))
    remainders = sum((d.remainder_mg for d in given), Decimal(0))
    spilled = -(
        LedgerEntry.objects.filter(
            pk__in=SessionException.objects.filter(session__patient=patient).values("waste_entry")
        ).aggregate(total=Sum("quantity_mg"))["total"]
        or Decimal(0)
    )
    assert issued == administered + remainders + spilled
    wastes = LedgerEntry.objects.filter(patient=patient, kind=EntryKind.WASTE)
    assert not wastes.filter(witness__isnull=True).exists()
    report = verify_ledger()
    assert report.intact, report


def test_fifty_stations_record_one_dose_for_one_session(personas, station):
    patient = station.patient
    sid, decision = _decided_session(personas, patient)
    dose = decision["max_dose_mg"]
    room, lot = station.formulary.dosing_room.pk, station.solution.pk
    give = {
        "decision_id": decision["id"],
        "dose_mg": dose,
        "site": "left_arm",
        "lot_id": lot,
        "location_id": room,
    }
    draw = {"decision_id": decision["id"], "dose_mg": dose, "lot_id": lot, "location_id": room}
    # Half are one tablet retrying a lost request with its key; the rest are other stations
    # giving the dose (each its own key) and nurses, pharmacists and physicians drawing it.
    plan: list[tuple[str, str, dict[str, Any], str | None]] = []
    for index in range(REQUESTS):
        if index % 2 == 0:
            plan.append(("nurse", "administration", give, RETRY_KEY))
        elif index % 5 in (1, 3) and index < 30:
            plan.append(("nurse", "administration", give, f"station-{index}-dose-0001"))
        else:
            role = ("nurse", "pharmacist", "physician")[index % 3]
            plan.append((role, "preparation", draw, f"station-{index}-draw-0001"))
    clients = [sign_in(Client(), personas[role]) for role, *_ in plan]

    def request(index: int) -> tuple[int, str, str | None, int, dict[str, Any]]:
        _, step, body, key = plan[index]
        status, answer = _post(clients[index], f"sessions/{sid}/{step}", body, key)
        return index, step, key, status, answer

    answers, errors = run_together(REQUESTS, request)

    assert errors == [], errors
    assert len(answers) == REQUESTS
    print("one session, 50 stations:", Counter((a[1], a[3], a[4].get("code")) for a in answers))
    retries = [a for a in answers if a[2] == RETRY_KEY]
    others = [a for a in answers if a[2] != RETRY_KEY]
    # Every retry got the same answer: the first attempt's.
    assert len({(status, json.dumps(body, sort_keys=True)) for *_, status, body in retries}) == 1
    given = [
        body for _, step, _, status, body in answers if step == "administration" and status == 201
    ]
    assert given and len({body["id"] for body in given}) == 1
    winners = [a for a in others if a[1] == "administration" and a[3] == 201]
    assert (retries[0][3] == 201 and not winners) or (retries[0][3] == 409 and len(winners) == 1)
    drawn = [a for a in others if a[1] == "preparation" and a[3] == 201]
    assert len(drawn) <= 1
    refused = Counter(body["code"] for *_, status, body in answers if status != 201)
    assert set(refused) <= {"already_administered", "already_prepared"}, refused
    assert all(status in (201, 409) for *_, status, _ in answers)

    assert Administration.objects.filter(session_id=sid).count() == 1
    assert DosePreparation.objects.filter(session_id=sid).count() == 1
    issues = LedgerEntry.objects.filter(patient=patient, kind=EntryKind.DOSE_ISSUED)
    assert issues.count() == 1 and -issues.get().quantity_mg == Decimal(dose)
    administration = Administration.objects.get(session_id=sid)
    assert administration.pk == given[0]["id"] and administration.dose_mg == Decimal(dose)
    assert DosingSession.objects.get(pk=sid).state == "observing"
    assert_invariants(patient)


def test_fifty_check_ins_at_once_open_one_session(personas, station):
    patient = station.patient
    clients = [sign_in(Client(), personas["nurse"]) for _ in range(REQUESTS)]

    def arrive(index: int) -> tuple[str | None, int, dict[str, Any]]:
        key = "front-desk-retry-0001" if index % 3 == 0 else f"station-{index}-arrive-0001"
        status, body = _post(clients[index], "sessions", check_in_body(patient.pk), key)
        return key if index % 3 == 0 else None, status, body

    answers, errors = run_together(REQUESTS, arrive)

    assert errors == [], errors
    print("50 check-ins:", Counter((a[1], a[2].get("code")) for a in answers))
    assert DosingSession.objects.filter(patient=patient).count() == 1
    session = DosingSession.objects.get(patient=patient)
    opened = [body for _, status, body in answers if status == 201]
    assert opened and {body["id"] for body in opened} == {session.pk}
    retried = [(status, json.dumps(body, sort_keys=True)) for key, status, body in answers if key]
    assert len(set(retried)) == 1
    others = Counter((status, body.get("code")) for key, status, body in answers if status != 201)
    assert set(others) <= {(409, "session_open")}, others


def test_a_dose_and_a_refusal_at_once_never_both(personas, station):
    """Half the stations give the drawn dose, half record that the patient refused it (wasting
    it, witnessed): the session ends one way only, and every mg drawn is accounted for."""
    patient = station.patient
    sid, decision = _decided_session(personas, patient)
    nurse = sign_in(Client(), personas["nurse"])
    status, drawn = _post(
        nurse,
        f"sessions/{sid}/preparation",
        {
            "decision_id": decision["id"],
            "dose_mg": decision["max_dose_mg"],
            "lot_id": station.solution.pk,
            "location_id": station.formulary.dosing_room.pk,
        },
        None,
    )
    assert status == 201, drawn
    give = {
        "decision_id": decision["id"],
        "dose_mg": decision["max_dose_mg"],
        "site": "right_arm",
        "preparation_id": drawn["id"],
    }
    refuse = {"kind": "refused", "notes": "changed their mind", **WITNESS}
    clients = [sign_in(Client(), personas["nurse"]) for _ in range(REQUESTS)]

    def act(index: int) -> tuple[str, int, dict[str, Any]]:
        step, body = ("administration", give) if index % 2 else ("exceptions", refuse)
        status, answer = _post(clients[index], f"sessions/{sid}/{step}", body, None)
        return step, status, answer

    answers, errors = run_together(REQUESTS, act)

    assert errors == [], errors
    print("dose or refusal:", Counter((a[0], a[1], a[2].get("code")) for a in answers))
    won = [(step, body) for step, status, body in answers if status == 201]
    assert len(won) == 1, won
    refused = Counter(body["code"] for _, status, body in answers if status != 201)
    assert set(refused) <= {"already_administered", "session_past_dose", "session_ended"}, refused
    session = DosingSession.objects.get(pk=sid)
    if won[0][0] == "administration":
        assert session.state == "observing" and not SessionException.objects.exists()
    else:
        assert session.state == "no_dose" and not Administration.objects.exists()
        waste = LedgerEntry.objects.get(pk=won[0][1]["waste_entry_id"])
        assert waste.witness is not None
    assert SessionDecision.objects.filter(session_id=sid).count() == 1
    assert_invariants(patient)
