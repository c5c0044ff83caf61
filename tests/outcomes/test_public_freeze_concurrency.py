"""Two freezes of one month at the same moment (a double click that reached two workers, or two
managers): one version is published, both answers name it, one audit event (real concurrent
transactions on PostgreSQL)."""

from __future__ import annotations

import pytest

from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.outcomes import public_services as services
from openhat.outcomes.models import PublicReport
from tests.audit.concurrent import run_together
from tests.conftest import build_personas
from tests.outcomes.conftest import PUBLIC_THRESHOLD
from tests.outcomes.public_world import build_history, build_station

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]


def test_two_freezes_at_once_publish_one_version() -> None:
    personas = build_personas()
    station = build_station(personas)
    manager = personas["manager"]
    services.set_threshold(actor=manager, clinic=personas.clinic, threshold=PUBLIC_THRESHOLD)
    month = build_history(personas, station).month.key
    shown = services.preview(actor=manager, clinic=personas.clinic, period=month)

    def freeze(_: int) -> tuple[int, bool]:
        frozen = services.freeze(
            actor=manager, clinic=personas.clinic, period=month, expected_sha256=shown.sha256
        )
        return frozen.report.version, frozen.created

    outcomes, errors = run_together(2, freeze)

    assert errors == []
    assert sorted(outcomes) == [(1, False), (1, True)]
    assert PublicReport.objects.filter(clinic=personas.clinic, period=month).count() == 1
    assert AuditEvent.objects.filter(code=AuditCode.PUBLIC_REPORT_FROZEN).count() == 1
