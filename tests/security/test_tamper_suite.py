"""The tamper suite (issue 13): nineteen ways to falsify the records with database access
(tests/security/tamper_cases.py). For each, the application's role is refused (unless the case is
a row write the application makes every day), and when a superuser does it with every trigger
off, a verifier names the damage (`core.verifiers.run_verifiers`: every verify and replay command
there is). The run's summary prints the table (case, application's role refused, detected by).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pgtrigger
import pytest
from django.core.management import call_command, get_commands
from django.db import DatabaseError, transaction

from openhat.core.verifiers import run_verifiers
from openhat.dosing.models import SessionDecision
from openhat.patients.services import read_identity
from openhat.pharmacy.services import issue_dose
from tests.database import as_superuser
from tests.dosing.conftest import formulary, station  # noqa: F401  (fixtures)
from tests.dosing.factories import full_session
from tests.parallel import TAMPER_TABLE
from tests.pharmacy.conftest import receive
from tests.security.tamper_cases import CASES, Case, World

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(personas: Any, patient: Any, station: Any, formulary: Any) -> World:  # noqa: F811
    """Audit events, access-log rows, a ledger and a 15 mg administration in clinic ZRH; then a
    checkpoint, when the project has the command."""
    administration = full_session(personas, station, "15")
    methadone = receive(
        personas, formulary.methadone, formulary.dosing_room, 100, "ml", lot_number="M-t"
    )
    for _ in range(3):
        issue_dose(
            actor=personas["nurse"],
            clinic=personas.clinic,
            lot_id=methadone.pk,
            location_id=formulary.dosing_room.pk,
            amount="60",
            unit="mg",
        )
    for _ in range(4):
        read_identity(actor=personas["nurse"], patient=patient)
    if "checkpoint" in get_commands():
        call_command("checkpoint", verbosity=0)
    return World(
        clinic_id=personas.clinic.pk,
        administration=administration,
        decision=SessionDecision.objects.get(pk=administration.decision_id),
    )


def every_append_only_trigger() -> list[str]:
    """What an attacker would name in pgtrigger.ignore: every append-only trigger there is."""
    return [
        f"{model._meta.label}:{trigger.name}"
        for model, trigger in pgtrigger.registered()
        if trigger.name == "append_only"
    ]


# What refuses the application's role: the guard, pgtrigger's trigger, or a missing privilege.
REFUSALS = re.compile(r"is append-only; \w+ refused|pgtrigger: Cannot|permission denied")


def refused_to_the_application(case: Case, world: World) -> bool:
    """The case tried as the application's role, with pgtrigger.ignore naming every trigger."""
    try:
        # pgtrigger.ignore outermost: it resets its setting on the way out, after the savepoint.
        with pgtrigger.ignore(*every_append_only_trigger()), transaction.atomic():
            case.tamper(world)
            transaction.set_rollback(True)
    except DatabaseError as refusal:
        assert REFUSALS.search(str(refusal)), f"refused for another reason: {refusal}"
        return True
    return False


def record_row(case: Case, refused: bool, detected_by: list[str]) -> None:
    row = {
        "case": case.name,
        "refused": refused,
        "detected_by": detected_by,
    }
    TAMPER_TABLE.parent.mkdir(parents=True, exist_ok=True)
    with TAMPER_TABLE.open("a") as table:
        table.write(json.dumps(row) + "\n")


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_application_is_refused_and_a_verifier_names_the_damage(
    world: World, case: Case
) -> None:
    intact = run_verifiers()
    assert all(result.passed for result in intact), [r for r in intact if not r.passed]

    refused = refused_to_the_application(case, world)
    assert refused == case.refused, (
        "the application's role was refused" if refused else "the application's role did it"
    )
    if case.refused:
        with as_superuser():
            case.tamper(world)
    else:
        case.tamper(world)
    detected_by = [result.command for result in run_verifiers() if not result.passed]
    record_row(case, refused, detected_by)

    assert detected_by, "no verifier noticed"


def test_there_are_nineteen_cases_with_distinct_names() -> None:
    assert len({case.name for case in CASES}) == len(CASES) == 19
