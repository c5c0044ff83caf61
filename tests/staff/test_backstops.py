"""The staff invitations' database backstops, tested directly (tests/backstops.py): a copy of a
valid invitation with one change, written past every service, is refused under the constraint's
name; the unchanged copy with its secret moved is accepted."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import models
from django.utils import timezone

from openhat.staff.models import StaffInvitation
from openhat.staff.services import accept_as, invite
from tests.backstops import assert_accepted, assert_refused, declared

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(personas: Any) -> dict[str, models.Model]:
    invited, secret = invite(
        actor=personas["manager"], clinic=personas.clinic, username="manager_out", role="nurse"
    )
    accept_as(secret=secret, user=personas.outsider)
    pending, _ = invite(
        actor=personas["manager"], clinic=personas.clinic, username="new_nurse", role="nurse"
    )
    return {"accepted": StaffInvitation.objects.get(pk=invited.pk), "pending": pending}


MOVED = {
    "accepted": {"secret_sha256": "b" * 64},
    "pending": {"secret_sha256": "c" * 64},
}

CASES = {
    "invitation_role_known": ("pending", {"role": "janitor"}),
    "invitation_used_or_revoked": ("accepted", lambda row: {"revoked_at": timezone.now()}),
    "invitation_acceptance_complete": ("accepted", {"accepted_by_id": None}),
}


@pytest.mark.parametrize("constraint", sorted(CASES))
def test_the_database_refuses_a_row_that_breaks_the_constraint(
    rows: dict[str, models.Model], constraint: str
) -> None:
    assert_refused(rows, MOVED, CASES, constraint)


def test_an_acceptance_without_its_time_is_refused_too(rows: dict[str, models.Model]) -> None:
    constraint = "invitation_acceptance_complete"
    changes = {"accepted_by_id": rows["accepted"].accepted_by_id}  # type: ignore[attr-defined]
    assert_refused(rows, MOVED, {constraint: ("pending", changes)}, constraint)


@pytest.mark.parametrize("name", sorted(MOVED))
def test_the_unchanged_copy_is_accepted(rows: dict[str, models.Model], name: str) -> None:
    assert_accepted(rows, MOVED, name)


def test_every_constraint_of_this_model_has_a_case() -> None:
    assert declared([StaffInvitation]) == set(CASES)
