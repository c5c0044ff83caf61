"""One number per ledger entry: the dose's entry is the same "#N" on the ledger page, its own
page, the day sheet, the audit trail, the register and the API (issue 13, item 8)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from openhat.audit.models import AuditEvent
from openhat.clinics.roles import Role
from openhat.clinics.services import add_membership
from openhat.core.clock import clinic_today
from openhat.pharmacy.formulary import set_up_formulary
from openhat.pharmacy.models import EntryKind, LedgerEntry
from openhat.pharmacy.services import receive_stock
from tests.api.conftest import bearer_client, token_for  # noqa: F401 (fixtures)
from tests.conftest import make_user
from tests.dosing.board_history import dosed, patient_on_dam, the_day


@pytest.fixture
def another_clinics_ledger(personas) -> None:
    """Entries in another clinic first, so an entry's id and its place in its clinic's chain
    differ, as they do in any database with more than one clinic."""
    pharmacist = make_user("pharmacist_out")
    other = personas.other_clinic
    add_membership(actor=None, user=pharmacist, clinic=other, role=Role.PHARMACIST)
    places = set_up_formulary(actor=pharmacist, clinic=other)
    for number in range(3):
        receive_stock(
            actor=pharmacist,
            clinic=other,
            product_id=places.dam_vial.pk,
            location_id=places.safe.pk,
            lot_number=f"O-{number}",
            supplier="Test supplier",
            expires_on=clinic_today(other) + timedelta(days=365),
            receipt_document="DN-O",
            amount=1,
            unit="vial",
        )


def test_a_ledger_entry_has_one_number_everywhere(
    another_clinics_ledger,
    station,
    personas,
    client_for,
    bearer_client,  # noqa: F811
):
    day = the_day(personas.clinic)
    patient = patient_on_dam(personas, since=day.moment(6, days=3))
    given = dosed(personas, station, patient, day.moment(8))
    entry = LedgerEntry.objects.get(pk=given.issued_entry_id)
    assert entry.kind == EntryKind.DOSE_ISSUED
    assert entry.pk != entry.chain_seq, "the test needs an id that differs from the position"
    number = f"#{entry.pk}"

    pharmacist = client_for("pharmacist")
    ledger = pharmacist.get("/pharmacy/ledger/").content.decode()
    assert re.search(rf'href="/pharmacy/entries/{entry.pk}/">{entry.pk}</a>', ledger)
    assert f"Ledger {number}" in pharmacist.get(f"/pharmacy/entries/{entry.pk}/").content.decode()

    sheet = client_for("auditor").get(f"/dosing/day-sheet/?day={day.day.isoformat()}")
    assert f"ledger {number}" in sheet.content.decode()

    # The audit trail names a movement by its first entry: the transfer into the dosing room.
    event = AuditEvent.objects.filter(
        clinic=personas.clinic, object_type="pharmacy.LedgerEntry"
    ).latest("chain_seq")
    moved = LedgerEntry.objects.get(pk=event.object_id)
    assert moved.pk != moved.chain_seq
    trail = client_for("manager").get("/audit/").content.decode()
    assert f"ledger #{moved.pk}</td>" in trail
    assert f'href="/pharmacy/entries/{moved.pk}/">{moved.pk}</a>' in ledger

    register = pharmacist.get(
        "/pharmacy/reports/register/",
        {
            "product": entry.product_id,
            "since": day.day.isoformat(),
            "until": clinic_today(personas.clinic).isoformat(),
        },
    ).content.decode()
    lines = re.findall(r'data-testid="register-line">\s*<td class="num">(\d+)</td>', register)
    assert str(entry.pk) in lines

    api = bearer_client("pharmacist").get(
        f"/api/clinics/{personas.clinic.code}/pharmacy/ledger", {"kind": "dose_issued"}
    )
    assert entry.pk in [item["id"] for item in api.json()["items"]]
    register_api = bearer_client("pharmacist").get(
        f"/api/clinics/{personas.clinic.code}/pharmacy/register",
        {
            "product": entry.product_id,
            "since": day.day.isoformat(),
            "until": clinic_today(personas.clinic).isoformat(),
        },
    )
    assert entry.pk in [line["entry_id"] for line in register_api.json()["lines"]]
