"""A user's memberships are read once per request, and never kept beyond it.

A dosing step asks whether the user may act in the clinic in the middleware, in the view and in
every service the view calls; one read answers them all. Outside a request (commands, services
called directly) every question reads the database, so a membership added or deactivated is seen
at once.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openhat.clinics.access import (
    active_memberships,
    membership_for,
    memberships_kept_for_request,
)
from openhat.clinics.models import StaffMembership
from openhat.clinics.roles import Role
from openhat.clinics.services import add_membership
from openhat.core import clock
from tests.conftest import Personas, make_user, register_zrh_patient
from tests.dosing.api_client import check_in_body, post
from tests.dosing.test_api import next_morning

pytestmark = pytest.mark.django_db


def _membership_reads(queries: CaptureQueriesContext) -> int:
    table = StaffMembership._meta.db_table
    return sum(
        1
        for query in queries.captured_queries
        if query["sql"].startswith("SELECT") and f'FROM "{table}"' in query["sql"]
    )


def test_a_dosing_check_in_over_the_api_reads_the_memberships_once(
    personas: Personas, station: Any, client_for: Any
) -> None:
    nurse = client_for("nurse")

    with clock.backdated(next_morning(personas)), CaptureQueriesContext(connection) as queries:
        response = post(
            nurse, "sessions", check_in_body(station.patient.pk), key="kept-memberships-1"
        )

    assert response.status_code == 201, response.content
    assert _membership_reads(queries) == 1


def test_a_board_page_reads_the_memberships_once(personas: Personas, client_for: Any) -> None:
    register_zrh_patient(personas)
    nurse = client_for("nurse")

    with CaptureQueriesContext(connection) as queries:
        response = nurse.get("/dosing/")

    assert response.status_code == 200
    assert _membership_reads(queries) == 1


def test_outside_a_request_each_question_reads_the_database(personas: Personas) -> None:
    user = make_user("newcomer")
    assert membership_for(user, personas.clinic) is None

    add_membership(actor=None, user=user, clinic=personas.clinic, role=Role.NURSE)
    StaffMembership.objects.filter(user=user).update(is_active=False)

    assert membership_for(user, personas.clinic) is None
    assert active_memberships(user) == []


def test_within_a_request_a_membership_added_is_seen_and_nothing_outlives_the_request(
    personas: Personas,
) -> None:
    user = make_user("newcomer")
    with memberships_kept_for_request():
        assert active_memberships(user) == []
        add_membership(actor=None, user=user, clinic=personas.clinic, role=Role.NURSE)
        kept = membership_for(user, personas.clinic)
        assert kept is not None and kept.role == Role.NURSE

    StaffMembership.objects.filter(user=user).update(is_active=False)
    with memberships_kept_for_request():
        assert membership_for(user, personas.clinic) is None
