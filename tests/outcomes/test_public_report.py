"""The public report end to end on a small history (tests/outcomes/public_world.py): six DAM
patients dosed last month, two urine screens with street heroin and six without, one community
log entry; the
clinic's threshold is 5."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import DatabaseError, transaction
from django.test import Client

from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.community.services import record_entry
from openhat.core.errors import DomainError
from openhat.outcomes import public_services as services
from openhat.outcomes.models import PublicReport
from openhat.outcomes.public_counts import Month
from openhat.outcomes.public_snapshot import canonical, sha256_of
from tests.conftest import sign_in


def _freeze(personas: Any, period: str) -> services.Frozen:
    manager = personas["manager"]
    shown = services.preview(actor=manager, clinic=personas.clinic, period=period)
    return services.freeze(
        actor=manager, clinic=personas.clinic, period=period, expected_sha256=shown.sha256
    )


def test_small_counts_and_the_counts_that_would_reveal_them_are_hidden(world: Any) -> None:
    personas, history = world
    p = history.month.key
    cells = services.preview(actor=personas["manager"], clinic=personas.clinic, period=p).content[
        "cells"
    ]

    assert cells[f"{p}/in_treatment/dam"] == 6
    assert cells[f"{p}/starts/total"] == 6
    assert cells[f"{p}/screens/positive"] is None  # 2 < 5
    assert cells[f"{p}/screens/negative"] is None  # 8 - 6 would give the 2 away
    assert cells[f"{p}/screens/tested"] == 8
    rates = services.preview(actor=personas["manager"], clinic=personas.clinic, period=p).content[
        "rates"
    ]
    share = next(r for r in rates if r["numerator"] == f"{p}/screens/positive")
    assert share["value"] is None


def test_a_manager_freezes_a_month_and_anyone_reads_it_without_signing_in(world: Any) -> None:
    personas, history = world
    p = history.month.key

    frozen = _freeze(personas, p)

    assert frozen.created and frozen.report.version == 1
    event = AuditEvent.objects.get(code=AuditCode.PUBLIC_REPORT_FROZEN)
    assert event.data["sha256"] == frozen.report.content_sha256
    anonymous = Client()
    for path in (f"/public/clinics/ZRH/reports/{p}/", f"/public/clinics/ZRH/reports/{p}/v1/"):
        page = anonymous.get(path)
        assert page.status_code == 200, path
        text = page.content.decode()
        assert frozen.report.content_sha256 in text
        assert "NAOMI" in text and "SALOME" in text and "RIOTT" in text
    pdf = anonymous.get(f"/public/clinics/ZRH/reports/{p}/report.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    listing = anonymous.get("/public/clinics/ZRH/reports/")
    assert listing.status_code == 200 and p in listing.content.decode()


def test_the_served_report_is_the_stored_snapshot_even_after_the_records_change(
    world: Any,
) -> None:
    personas, history = world
    p = history.month.key
    first = _freeze(personas, p).report
    stored = json.loads(first.content)
    assert first.content_sha256 == sha256_of(first.content) == sha256_of(canonical(stored))
    complaints_before = stored["community"]["months"][-1]["counts"]["complaint"]

    for day in (5, 6):
        record_entry(
            actor=personas["manager"],
            clinic=personas.clinic,
            occurred_on=history.month.first + timedelta(days=day),
            category="complaint",
            description="Noise at the bus stop in the evening.",
            action_taken="Met the neighbour and the police liaison.",
        )

    served = Client().get(f"/public/clinics/ZRH/reports/{p}/")
    assert first.content_sha256 in served.content.decode()
    assert served.context["content"]["community"]["months"][-1]["counts"]["complaint"] == (
        complaints_before
    )
    shown = services.preview(actor=personas["manager"], clinic=personas.clinic, period=p)
    assert not shown.unchanged
    assert shown.content["community"]["months"][-1]["counts"]["complaint"] == (
        complaints_before + 2
    )
    second = services.freeze(
        actor=personas["manager"], clinic=personas.clinic, period=p, expected_sha256=shown.sha256
    ).report
    assert second.version == 2 and second.content_sha256 != first.content_sha256
    old = Client().get(f"/public/clinics/ZRH/reports/{p}/v1/")
    assert first.content_sha256 in old.content.decode()
    assert (
        second.content_sha256 in Client().get(f"/public/clinics/ZRH/reports/{p}/").content.decode()
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        PublicReport.objects.filter(pk=first.pk).update(content="{}")


def test_a_second_click_on_freeze_publishes_nothing_new(world: Any) -> None:
    personas, history = world
    manager = personas["manager"]
    shown = services.preview(actor=manager, clinic=personas.clinic, period=history.month.key)
    client = sign_in(Client(), manager)
    form = {"sha256": shown.sha256, "confirm": "on"}
    path = f"/public-reports/{history.month.key}/"

    first = client.post(path, form)
    second = client.post(path, form)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert PublicReport.objects.filter(period=history.month.key).count() == 1
    assert AuditEvent.objects.filter(code=AuditCode.PUBLIC_REPORT_FROZEN).count() == 1


def test_freezing_needs_the_confirmation_and_the_figures_the_manager_saw(world: Any) -> None:
    personas, history = world
    client = sign_in(Client(), personas["manager"])
    path = f"/public-reports/{history.month.key}/"
    shown = services.preview(
        actor=personas["manager"], clinic=personas.clinic, period=history.month.key
    )

    unconfirmed = client.post(path, {"sha256": shown.sha256})
    stale = client.post(path, {"sha256": "0" * 64, "confirm": "on"})

    assert unconfirmed.status_code == 400
    assert "Tick the box" in unconfirmed.content.decode()
    assert stale.status_code == 400
    assert "changed since the preview" in stale.content.decode()
    assert not PublicReport.objects.exists()


@pytest.mark.parametrize(
    ("months_back", "code"), [(0, "period_not_ended"), (1, None), (60, "period_empty")]
)
def test_an_unfinished_or_empty_month_is_not_frozen(
    world: Any, months_back: int, code: Any
) -> None:
    personas, history = world
    month = history.month.shifted(1 - months_back)
    if code is None:
        assert _freeze(personas, month.key).created
        return
    with pytest.raises(DomainError) as refused:
        _freeze(personas, month.key)
    assert refused.value.code == code
    page = sign_in(Client(), personas["manager"]).get(f"/public-reports/{month.key}/")
    assert page.status_code == 200
    marker = "not-ended" if code == "period_not_ended" else "nothing-to-freeze"
    assert f'data-testid="{marker}"' in page.content.decode()
    assert not PublicReport.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/public/clinics/ZRH/reports/{p}/",
        "/public/clinics/ZRH/reports/{p}/report.pdf",
        "/public/clinics/ZRH/reports/{p}/v2/",
        "/public/clinics/NOPE/reports/{p}/",
        "/public/clinics/ZRH/reports/2026-13/",
        "/public/clinics/ZRH/reports/last-month/",
    ],
)
def test_a_month_not_frozen_is_a_clear_404_with_its_code(world: Any, path: str) -> None:
    _personas, history = world
    response = Client().get(path.format(p=history.month.key))

    assert response.status_code == 404
    assert "report_not_frozen" in response.content.decode()


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def test_the_public_report_names_no_one(world: Any) -> None:
    personas, history = world
    p = history.month.key
    _freeze(personas, p)
    identifiers = history.identifiers()
    assert len(identifiers) >= 4 * len(history.patients)

    html = Client().get(f"/public/clinics/ZRH/reports/{p}/").content.decode()
    pdf = _pdf_text(Client().get(f"/public/clinics/ZRH/reports/{p}/report.pdf").content)

    assert "Doses given" in html and "Doses given" in pdf  # the scan reads real text
    for text, where in ((html, "page"), (pdf, "PDF")):
        found = [value for value in identifiers if value in text]
        assert not found, f"the {where} shows {found}"
    assert "pavement" not in html  # the community log's text stays inside the clinic


def test_the_month_helper() -> None:
    assert Month.of(2026, 1).shifted(-1).key == "2025-12"
    assert Month.of(2024, 2).last.day == 29


def test_a_start_is_the_enrolments_start_when_the_first_dose_in_the_record_came_later(
    world: Any,
) -> None:
    """A clinic whose dosing record begins after its patients' treatment began (a demo of four
    weeks, a clinic that started using OpenHAT mid-treatment) must not publish them all as new
    starts: the enrolment's start date counts, as on the outcomes page."""
    from openhat.outcomes import public_counts as counts
    from openhat.prescribing.services import sign_order
    from tests.dosing.board_history import dosed
    from tests.interviews.helpers import enrolled_since
    from tests.outcomes.public_world import at
    from tests.prescribing.conftest import dam, totp_code

    personas, history = world
    physician = personas["physician"]
    veteran = enrolled_since(personas, 120)
    month = history.month
    sign_order(
        actor=physician,
        patient=veteran,
        order=dam(starts_at=at(personas.clinic, month.first, 1)),
        totp_code=totp_code(physician),
    )
    dosed(personas, history.station, veteran, at(personas.clinic, month.first, 10))

    found = counts.starts(personas.clinic)

    assert found[veteran.pk].day == veteran.enrolments.get().start_date < month.first
    assert found[history.patients[0].pk].day >= month.first  # no enrolment row: the first dose
    assert counts.starts_in(found, month)["dam"] == len(history.patients)
