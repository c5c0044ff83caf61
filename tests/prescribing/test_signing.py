"""Signing an order: who may, the fresh second factor, bad input, the preset's refusals and
signing through a reasoned loosening. Real PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.core.errors import DomainError, NotFound, PermissionDenied
from openhat.patients.models import Patient
from openhat.prescribing.models import OrderLine, OrderState, OrderVersion
from openhat.prescribing.services import OrderRefused, sign_order
from tests.conftest import Personas, register_out_patient
from tests.prescribing.conftest import dam, enrol, methadone, totp_code

pytestmark = pytest.mark.django_db


def _sign(actor: User, patient: Patient, order: Any, **extra: Any) -> OrderVersion:
    extra.setdefault("totp_code", totp_code(actor))
    return sign_order(actor=actor, patient=patient, order=order, **extra)


def _codes(patient: Patient) -> list[int]:
    return list(
        AuditEvent.objects.filter(clinic=patient.clinic, code__gte=4100, code__lt=4200)
        .order_by("chain_seq")
        .values_list("code", flat=True)
    )


def test_a_physician_signs_a_dam_order(physician: User, enrolled: Patient) -> None:
    version = _sign(physician, enrolled, dam(windows=["evening", "morning"]))
    line = OrderLine.objects.get(pk=version.line_id)
    assert line.state == OrderState.ACTIVE and line.current_version_id == version.pk
    assert (version.number, version.drug, version.routes) == (1, "dam", ["iv"])
    assert (version.dose_min_mg, version.dose_max_mg, version.daily_max_mg) == (150, 200, 400)
    assert version.windows == ["evening", "morning"] and version.phase == "maintenance"
    assert version.signed_by == physician and version.second_factor_verified_at is not None
    assert version.preset_key == "ch-diaphin" and version.preset_loosenings == []
    assert version.findings == []
    assert _codes(enrolled) == [AuditCode.ORDER_SIGNED]


def test_a_fixed_dose_in_grams_is_stored_in_mg(physician: User, enrolled: Patient) -> None:
    version = _sign(
        physician, enrolled, dam(dose_min="0.2", dose_max=None, daily_max="0.4", dose_unit="g")
    )
    assert version.dose_min_mg == version.dose_max_mg == Decimal(200)
    assert version.is_fixed_dose and version.daily_max_mg == Decimal(400)


def test_an_assessing_patient_may_get_a_titration_order(physician: User, patient: Patient) -> None:
    Patient.objects.filter(pk=patient.pk).update(status="assessing")
    patient.refresh_from_db()
    version = _sign(physician, patient, dam(phase="titration", dose_min="15", dose_max="30"))
    assert version.phase == "titration"


BAD_INPUT = [
    ("a dose in mL", {"dose_unit": "mL"}, "dose_unit_invalid", "dose_min"),
    ("an unknown unit", {"dose_unit": "drops"}, "dose_unit_invalid", "dose_min"),
    ("a negative dose", {"dose_min": Decimal(-10)}, "dose_negative", "dose_min"),
    ("a dose that is not a number", {"dose_max": "lots"}, "dose_invalid", "dose_max"),
    ("a float dose", {"dose_max": 200.5}, "dose_invalid", "dose_max"),
    (
        "a range minimum above its maximum",
        {"dose_min": Decimal(250)},
        "dose_range_inverted",
        "dose_min",
    ),
    ("a zero dose", {"dose_min": 0, "dose_max": 0}, "dose_not_positive", "dose_max"),
    ("a zero daily max", {"daily_max": 0}, "daily_max_not_positive", "daily_max"),
    ("an absurd amount", {"daily_max": Decimal("1e9")}, "dose_too_large", "daily_max"),
    ("too many decimals", {"dose_min": Decimal("1.0001")}, "dose_too_precise", "dose_min"),
    ("an unknown drug", {"drug": "fentanyl"}, "drug_unknown", "drug"),
    ("no route", {"routes": []}, "routes_required", "routes"),
    (
        "a route the drug is not given by",
        {"drug": "methadone", "routes": ["iv"]},
        "route_not_allowed",
        "routes",
    ),
    ("zero sessions", {"sessions_per_day": 0}, "sessions_invalid", "sessions_per_day"),
    ("sessions as text", {"sessions_per_day": "2"}, "sessions_invalid", "sessions_per_day"),
    ("an unknown phase", {"phase": "induction"}, "phase_unknown", "phase"),
    ("an unknown window", {"windows": ["night"]}, "window_unknown", "windows"),
    ("a long note", {"note": "x" * 2001}, "note_too_long", "note"),
]


@pytest.mark.parametrize(
    ("changes", "code", "field"), [c[1:] for c in BAD_INPUT], ids=[c[0] for c in BAD_INPUT]
)
def test_bad_input_is_refused_with_a_code_and_nothing_is_saved(
    physician: User, enrolled: Patient, changes: dict[str, Any], code: str, field: str
) -> None:
    with pytest.raises(DomainError) as error:
        _sign(physician, enrolled, dam(**changes))
    assert (error.value.code, error.value.field) == (code, field)
    assert not OrderVersion.objects.exists() and not OrderLine.objects.exists()


def test_an_end_before_the_start_is_refused(physician: User, enrolled: Patient) -> None:
    start = timezone.now() + timedelta(days=2)
    for ends, code in (
        (start - timedelta(days=1), "order_ends_before_start"),
        (start, "order_ends_before_start"),
    ):
        with pytest.raises(DomainError) as error:
            _sign(physician, enrolled, dam(starts_at=start, ends_at=ends))
        assert (error.value.code, error.value.field) == (code, "ends_at")
    with pytest.raises(DomainError) as error:
        _sign(
            physician,
            enrolled,
            dam(starts_at=start - timedelta(days=10), ends_at=start - timedelta(days=3)),
        )
    assert error.value.code == "order_already_ended"
    naive = timezone.now().replace(tzinfo=None)
    with pytest.raises(DomainError) as error:
        _sign(physician, enrolled, dam(starts_at=naive))
    assert error.value.code == "datetime_not_aware"
    assert not OrderVersion.objects.exists()


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (None, "second_factor_required"),
        ("  ", "second_factor_required"),
        ("000000", "second_factor_invalid"),
        ("12ab56", "second_factor_invalid"),
    ],
)
def test_signing_needs_a_fresh_valid_second_factor(
    physician: User, enrolled: Patient, code: str | None, expected: str
) -> None:
    totp_code(physician)  # a confirmed device exists
    with pytest.raises(DomainError) as error:
        sign_order(actor=physician, patient=enrolled, order=dam(), totp_code=code)
    assert (error.value.code, error.value.field) == (expected, "totp_code")
    assert not OrderVersion.objects.exists()


def test_a_failed_code_is_audited(physician: User, enrolled: Patient) -> None:
    totp_code(physician)
    with pytest.raises(DomainError):
        sign_order(actor=physician, patient=enrolled, order=dam(), totp_code="000000")
    assert AuditEvent.objects.filter(code=AuditCode.SECOND_FACTOR_FAILED, actor=physician).exists()


def test_a_used_code_cannot_sign_twice(physician: User, enrolled: Patient) -> None:
    code = totp_code(physician)
    sign_order(actor=physician, patient=enrolled, order=dam(), totp_code=code)
    with pytest.raises(DomainError) as error:
        sign_order(actor=physician, patient=enrolled, order=methadone(), totp_code=code)
    assert error.value.code == "second_factor_invalid"


def test_a_physician_without_an_authenticator_cannot_sign(
    physician: User, enrolled: Patient
) -> None:
    with pytest.raises(DomainError) as error:
        sign_order(actor=physician, patient=enrolled, order=dam(), totp_code="123456")
    assert error.value.code == "second_factor_not_set_up"


@pytest.mark.parametrize("role", ["nurse", "pharmacist", "manager", "counsellor", "auditor"])
def test_only_physicians_sign(personas: Personas, enrolled: Patient, role: str) -> None:
    with pytest.raises(PermissionDenied):
        _sign(personas[role], enrolled, dam())
    assert not OrderVersion.objects.exists()


def test_another_clinics_physician_cannot_prescribe_for_a_zrh_patient(
    out_physician: User, enrolled: Patient, personas: Personas
) -> None:
    with pytest.raises(NotFound):
        _sign(out_physician, enrolled, dam())
    # ... while prescribing for their own clinic's patient works, by that clinic's preset.
    own = enrol(register_out_patient(personas))
    version = _sign(out_physician, own, dam(drug="hdm"))
    assert version.preset_key == "ca-ioat"


@pytest.mark.parametrize("status", ["referred", "suspended"])
def test_the_patient_must_be_assessing_or_enrolled(
    physician: User, patient: Patient, status: str
) -> None:
    Patient.objects.filter(pk=patient.pk).update(status=status)
    patient.refresh_from_db()
    with pytest.raises(DomainError) as error:
        _sign(physician, patient, dam())
    assert error.value.code == "patient_not_enrolled"


def test_above_the_preset_daily_max_refused_then_signed_through_a_loosening(
    physician: User, enrolled: Patient
) -> None:
    order = dam(dose_min="300", dose_max="400", sessions_per_day=3, daily_max="1200")
    code = totp_code(physician)
    with pytest.raises(OrderRefused) as refused:
        sign_order(actor=physician, patient=enrolled, order=order, totp_code=code)
    assert refused.value.code == "order_forbidden_by_preset"
    assert [item.rule_id for item in refused.value.findings] == ["order_daily_max_above_preset"]
    assert "1200 mg" in refused.value.message and "1000 mg" in refused.value.message
    assert refused.value.as_dict()["findings"][0]["preset_key"] == "dam.daily_max_mg"
    assert not OrderVersion.objects.exists()
    assert _codes(enrolled) == [AuditCode.ORDER_SIGNING_REFUSED]

    # The refusal did not use up the code: the physician signs through a reasoned loosening.
    version = sign_order(
        actor=physician,
        patient=enrolled,
        order=order,
        totp_code=code,
        loosening_reason="documented tolerance above 1000 mg for 6 months, reviewed with the team",
    )
    assert version.preset_loosenings == [
        {
            "key": "dam.daily_max_mg",
            "value": "1200",
            "previous": "1000",
            "reason": "documented tolerance above 1000 mg for 6 months, reviewed with the team",
            "approved_by": physician.username,
        }
    ]
    assert [item["rule_id"] for item in version.findings] == ["order_daily_max_above_preset"]
    assert _codes(enrolled) == [
        AuditCode.ORDER_SIGNING_REFUSED,
        AuditCode.ORDER_SIGNED,
        AuditCode.ORDER_PRESET_LOOSENED,
    ]
    loosened = AuditEvent.objects.get(code=AuditCode.ORDER_PRESET_LOOSENED)
    assert loosened.object_id == str(version.pk) and loosened.actor == physician
    assert loosened.data["loosenings"][0]["key"] == "dam.daily_max_mg"


def test_what_no_loosening_can_lift_is_refused_even_with_a_reason(
    physician: User, enrolled: Patient
) -> None:
    with pytest.raises(OrderRefused) as refused:
        _sign(physician, enrolled, dam(drug="hdm"), loosening_reason="we want to")
    assert [item.rule_id for item in refused.value.findings] == ["order_drug_not_in_preset"]
    with pytest.raises(OrderRefused) as refused:
        _sign(physician, enrolled, dam(daily_max="6000", dose_max="300"), loosening_reason="x")
    assert "cannot be loosened that far" in refused.value.message
    assert not OrderVersion.objects.exists()


def test_methadone_above_the_limit_beside_dam_both_ways(physician: User, enrolled: Patient) -> None:
    _sign(physician, enrolled, dam())
    with pytest.raises(OrderRefused) as refused:
        _sign(physician, enrolled, methadone("200"))
    assert [item.rule_id for item in refused.value.findings] == ["order_methadone_beside_dam"]
    _sign(physician, enrolled, methadone("150"))


def test_a_dam_order_beside_high_methadone_is_refused(physician: User, enrolled: Patient) -> None:
    _sign(physician, enrolled, methadone("200"))
    with pytest.raises(OrderRefused) as refused:
        _sign(physician, enrolled, dam())
    assert refused.value.findings[0].needed_value == Decimal(200)
    version = _sign(physician, enrolled, dam(), loosening_reason="stable on 200 mg for years")
    assert version.preset_loosenings[0]["key"] == "oral.methadone_max_mg_beside_dam"


def test_the_same_idempotency_key_signs_once(physician: User, enrolled: Patient) -> None:
    first = _sign(physician, enrolled, dam(), idempotency_key="sign-order-0001")
    again = _sign(physician, enrolled, dam(), idempotency_key="sign-order-0001", totp_code="000000")
    assert again.pk == first.pk and OrderVersion.objects.count() == 1


def test_the_audit_event_is_in_the_same_transaction(
    physician: User, enrolled: Patient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the audit event cannot be written, no order is saved either."""
    from openhat.prescribing.services import signing

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("audit down")

    monkeypatch.setattr(signing, "record_event", broken)
    with pytest.raises(RuntimeError):
        _sign(physician, enrolled, dam())
    assert not OrderVersion.objects.exists() and not OrderLine.objects.exists()
