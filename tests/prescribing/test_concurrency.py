"""Real concurrent transactions: physicians superseding the same order version at the same moment
leave exactly one new version; the others get a Conflict."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.clinics.roles import Role
from openhat.clinics.services import add_membership
from openhat.core.errors import Conflict
from openhat.patients.models import Patient
from openhat.prescribing.models import OrderLine, OrderVersion
from openhat.prescribing.services import active_orders, sign_order, supersede_order
from tests.audit.concurrent import run_together
from tests.conftest import Personas, make_user
from tests.prescribing.conftest import dam, enrol, totp_code

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]


def _verified() -> int:
    return AuditEvent.objects.filter(code=AuditCode.SECOND_FACTOR_VERIFIED).count()


@pytest.mark.parametrize("physicians", [2, 8])
def test_simultaneous_supersedes_leave_exactly_one_current_version(
    personas: Personas, patient: Patient, physicians: int
) -> None:
    enrolled = enrol(patient)
    doctors: list[User] = [personas["physician"]]
    for index in range(1, physicians):
        doctor = make_user(f"physician_{index}_zrh")
        add_membership(actor=None, user=doctor, clinic=personas.clinic, role=Role.PHYSICIAN)
        doctors.append(doctor)
    v1 = sign_order(
        actor=doctors[0], patient=enrolled, order=dam(), totp_code=totp_code(doctors[0])
    )
    # Each physician's code is taken before the start: the threads race only for the order.
    codes = [totp_code(doctor) for doctor in doctors]
    line_pk = v1.line_id

    def change(index: int) -> int:
        version = supersede_order(
            actor=doctors[index],
            line=OrderLine.objects.get(pk=line_pk),
            expected_version=1,
            order=dam(daily_max=str(400 + index), reason=f"change {index}"),
            totp_code=codes[index],
        )
        return version.number

    verified_before = _verified()
    numbers, errors = run_together(physicians, change)
    # Every physician passed the early checks and the second factor: they all raced for the lock.
    assert _verified() - verified_before == physicians
    assert numbers == [2], errors
    assert len(errors) == physicians - 1
    assert all(isinstance(error, Conflict) and error.code == "order_changed" for error in errors), (
        errors
    )
    versions = OrderVersion.objects.filter(line_id=line_pk).order_by("number")
    assert [v.number for v in versions] == [1, 2]
    line = OrderLine.objects.get(pk=line_pk)
    assert line.current_version_id == versions[1].pk
    assert [v.pk for v in active_orders(enrolled)] == [versions[1].pk]
