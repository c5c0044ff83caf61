"""Doses cannot share a session id at the station (issue 12, item 18): whatever a client retries,
a session holds one administration, so the engine's session count never trusts a shared id."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openhat.core import clock
from openhat.core.errors import DomainError
from openhat.dosing.models import Administration
from openhat.dosing.services.administer import administer
from openhat.dosing.services.context import history_for, protocol_for
from tests.dosing.factories import decided
from tests.dosing.test_api import next_morning

pytestmark = pytest.mark.django_db


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    doses=st.lists(
        st.decimals(min_value=Decimal("0.5"), max_value=Decimal(15), places=1),
        min_size=2,
        max_size=4,
    )
)
def test_a_session_never_holds_a_second_dose(personas, station, doses: list[Decimal]) -> None:
    with transaction.atomic(), clock.backdated(next_morning(personas)):
        session, decision = decided(personas, station.patient, dose_mg="15")
        given_ids = []
        for amount in doses:
            try:
                row = administer(
                    actor=personas["nurse"],
                    session_id=session.pk,
                    decision_id=decision.pk,
                    dose_mg=amount,
                    site="left_arm",
                    lot_id=station.solution.pk,
                    location_id=station.formulary.dosing_room.pk,
                )
            except DomainError:
                continue
            given_ids.append(row.pk)
        assert len(given_ids) == 1
        assert Administration.objects.filter(session=session).count() == 1
        clinic = station.patient.clinic
        history = history_for(station.patient, clinic, protocol_for(clinic), clock.now())
        ids = [item.session_id for item in history.administrations]
        assert len(ids) == len(set(ids)) and not history.crowded_sessions
        transaction.set_rollback(True)
