"""Two managers removing each other at the same moment: the clinic keeps a manager (real
concurrent transactions on PostgreSQL)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from openhat.clinics.models import StaffMembership
from openhat.clinics.roles import Role
from openhat.clinics.services import add_membership
from openhat.core.errors import DomainError
from openhat.staff.services import deactivate
from tests.audit.concurrent import run_together
from tests.conftest import PASSWORD, Personas

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]


def test_two_managers_deactivating_each_other_leave_one(personas: Personas) -> None:
    second = User.objects.create_user("manager_two_zrh", password=PASSWORD)
    add_membership(actor=None, user=second, clinic=personas.clinic, role=Role.MANAGER)
    managers = [personas["manager"], second]
    memberships = [
        StaffMembership.objects.get(user=user, clinic=personas.clinic).pk for user in managers
    ]

    def remove_the_other(index: int) -> str:
        try:
            deactivate(
                actor=managers[index],
                clinic=personas.clinic,
                membership_id=memberships[1 - index],
            )
        except DomainError as error:
            return error.code
        return "done"

    outcomes, errors = run_together(2, remove_the_other)

    assert errors == []
    assert sorted(outcomes) == ["done", "role_not_allowed"]
    left = StaffMembership.objects.filter(clinic=personas.clinic, role=Role.MANAGER, is_active=True)
    assert left.count() == 1
