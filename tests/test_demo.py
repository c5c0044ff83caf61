from __future__ import annotations

from datetime import time

import pytest
from django.core.management import call_command
from django.utils import timezone

from openhat.audit.models import AuditEvent
from openhat.audit.services import verify_chain
from openhat.clinics.roles import Role
from openhat.patients.models import Patient, StatusChange
from openhat.simulate.demo_clinic import (
    CANADA_CLINIC_CODE,
    CANADA_PATIENT_COUNT,
    DEMO_CLINIC_CODE,
    PATIENT_COUNT,
    load_demo_clinic,
)
from openhat.simulate.demo_orders import (
    LOADER_DEVICE_NAME,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def short_pharmacy_history(monkeypatch):
    """These tests are about the clinics, patients and orders: three days of pharmacy history keep
    each load quick. The four weeks are tested once, in tests/simulate/test_demo_pharmacy.py."""
    from openhat.simulate import demo_pharmacy

    monkeypatch.setattr(demo_pharmacy, "HISTORY_DAYS", 3)


def test_loading_the_demo_twice_adds_nothing(capsys):
    from openhat.community.models import CommunityLogEntry
    from openhat.counselling.models import CounsellingNote
    from openhat.pharmacy.models import LedgerEntry, StockCount
    from openhat.prescribing.models import OrderEvent, OrderVersion
    from openhat.screens.models import HarmReductionContact, UrineDrugScreen

    def counts() -> tuple[int, ...]:
        return (
            Patient.objects.count(),
            StatusChange.objects.count(),
            OrderVersion.objects.count(),
            OrderEvent.objects.count(),
            LedgerEntry.objects.count(),
            StockCount.objects.count(),
            UrineDrugScreen.objects.count(),
            HarmReductionContact.objects.count(),
            CounsellingNote.objects.count(),
            CommunityLogEntry.objects.count(),
        )

    call_command("load_demo")
    loaded = counts()
    assert all(loaded[2:]), loaded
    audit_events = AuditEvent.objects.count()
    call_command("load_demo")
    assert counts() == loaded
    assert AuditEvent.objects.count() == audit_events
    assert Patient.objects.filter(clinic__code=DEMO_CLINIC_CODE).count() == PATIENT_COUNT
    assert Patient.objects.filter(clinic__code=CANADA_CLINIC_CODE).count() == CANADA_PATIENT_COUNT
    output = capsys.readouterr().out
    assert "already loaded" in output and "VAN" in output and "ZRH" in output


def test_demo_command_prepares_without_serving(capsys):
    call_command("demo", no_serve=True)
    output = capsys.readouterr().out
    for role in Role:
        assert f"demo-{role.value.replace('_', '-')}" in output
    assert "http://127.0.0.1:8000/" in output
    assert "VAN" in output and "ZRH" in output and "clinic switcher" in output
    assert "pharmacy holds four weeks" in output and "open count discrepancy" in output


def test_a_run_that_finds_a_clinic_missing_loads_it_and_keeps_the_printed_authenticator(
    monkeypatch,
):
    """A database loaded before VAN existed gets VAN on the next run (stood in for here by a
    second Canadian code); the authenticator printed earlier stays as it was."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from openhat.prescribing.services import active_orders
    from openhat.simulate import demo_clinic

    load_demo_clinic()
    before = TOTPDevice.objects.get(user__username="demo-physician")
    monkeypatch.setattr(demo_clinic, "CANADA_CLINIC_CODE", "VANB")
    result = load_demo_clinic()
    assert result.created and [c.code for c in result.clinics] == ["VANB", DEMO_CLINIC_CODE]
    enrolled = Patient.objects.filter(clinic__code="VANB", status="enrolled")
    assert enrolled and all(active_orders(patient) for patient in enrolled)
    assert Patient.objects.filter(clinic__code=DEMO_CLINIC_CODE).count() == PATIENT_COUNT
    after = TOTPDevice.objects.get(user__username="demo-physician")
    assert (after.pk, after.key, after.confirmed) == (before.pk, before.key, True)
    assert after.drift == 0 and after.last_t == -1
    assert not TOTPDevice.objects.filter(name=LOADER_DEVICE_NAME).exists()
    assert verify_chain(AuditEvent, "audit_event")[1] is None


def test_a_demo_loaded_before_the_pharmacy_and_screens_existed_gets_them_on_the_next_run(
    monkeypatch,
):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from openhat.counselling.models import CounsellingNote
    from openhat.pharmacy.models import LedgerEntry
    from openhat.pharmacy.verify import verify_ledger
    from openhat.screens.models import HarmReductionContact, UrineDrugScreen
    from openhat.simulate import demo_clinic

    with monkeypatch.context() as before_the_pharmacy:
        before_the_pharmacy.setattr(
            demo_clinic, "load_demo_dosing", lambda clinic, staff, progress=None: False
        )
        before_the_pharmacy.setattr(demo_clinic, "load_demo_screens", lambda *_: 0)
        before_the_pharmacy.setattr(demo_clinic, "load_demo_notes", lambda *_: 0)
        load_demo_clinic()
    assert not LedgerEntry.objects.exists()
    assert not UrineDrugScreen.objects.exists() and not CounsellingNote.objects.exists()
    patients, device = (
        Patient.objects.count(),
        TOTPDevice.objects.get(user__username="demo-physician"),
    )
    result = load_demo_clinic()
    assert result.created
    for code in (DEMO_CLINIC_CODE, CANADA_CLINIC_CODE):
        assert LedgerEntry.objects.filter(clinic__code=code, kind="dose_issued").exists(), code
        for model in (UrineDrugScreen, HarmReductionContact, CounsellingNote):
            assert model.objects.filter(clinic__code=code).exists(), (code, model.__name__)
    assert Patient.objects.count() == patients
    assert TOTPDevice.objects.get(user__username="demo-physician").key == device.key
    assert verify_ledger().intact
    entries = LedgerEntry.objects.count(), UrineDrugScreen.objects.count()
    assert not load_demo_clinic().created
    assert (LedgerEntry.objects.count(), UrineDrugScreen.objects.count()) == entries


def test_loaded_outside_the_dosing_hours_today_has_no_session_outside_a_window(monkeypatch):
    """12:50 in Zurich is 03:50 in Vancouver, before VAN's morning window opens: the station
    refuses a check-in outside the clinic's windows (issue 12, item 3), so the load still succeeds
    and VAN's today holds no session yet, while ZRH's today has its midday at work."""
    from openhat.dosing.models import DosingSession
    from openhat.dosing.windows import open_window
    from tests.simulate.conftest import latest

    real_now = timezone.now
    shift = latest(time(12, 50)) - real_now()
    monkeypatch.setattr(timezone, "now", lambda: real_now() + shift)
    clinics = {clinic.code: clinic for clinic in load_demo_clinic().clinics}
    now = timezone.now()
    canada, zurich = clinics["VAN"], clinics[DEMO_CLINIC_CODE]
    assert open_window(canada, now) is None
    today = now.astimezone(canada.zone).date()
    assert not DosingSession.objects.filter(clinic=canada, dosing_day=today).exists()
    zurich_today = DosingSession.objects.filter(
        clinic=zurich, dosing_day=now.astimezone(zurich.zone).date()
    )
    assert {"completed", "observing"} <= set(zurich_today.values_list("state", flat=True))
    for session in zurich_today:
        assert open_window(zurich, session.checked_in_at) is not None, session
        assert session.checked_in_at < now


def test_loaded_between_the_midday_and_evening_windows_every_session_is_in_a_window(monkeypatch):
    """14:47 in Zurich: the midday window closed at 14:30 and the evening opens at 16:00. The
    loader once gave the oral-only patient an "evening" dose 50 minutes earlier, at 13:57, which
    the station refused (outside that window) and the whole load failed."""
    from openhat.dosing.models import DosingSession
    from openhat.dosing.windows import open_window
    from tests.simulate.conftest import latest

    real_now = timezone.now
    shift = latest(time(14, 47)) - real_now()
    monkeypatch.setattr(timezone, "now", lambda: real_now() + shift)
    clinics = {clinic.code: clinic for clinic in load_demo_clinic().clinics}
    now = timezone.now()
    zurich = clinics[DEMO_CLINIC_CODE]
    assert open_window(zurich, now) is None
    today = DosingSession.objects.filter(
        clinic=zurich, dosing_day=now.astimezone(zurich.zone).date()
    )
    assert today.exists()
    for session in today:
        assert open_window(zurich, session.checked_in_at) == session.window, session
        assert session.checked_in_at < now
