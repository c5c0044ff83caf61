"""Quantities, clinic days and the engine's typed errors; and the engine imports no Django."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from openhat.rules import ContextError, PresetError, RulesError, UnitError
from openhat.rules.day import clinic_zone, day_bounds, dosing_day, missed_days_between
from openhat.rules.units import Quantity, exact_decimal, non_negative_mg, require_aware


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal("1.5"), Decimal("1.5")), (3, Decimal(3)), ("0.25", Decimal("0.25"))],
)
def test_exact_decimal_accepts_exact_numbers(value: object, expected: Decimal) -> None:
    assert exact_decimal(value, "dose") == expected


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (1.5, "not a float"),
        (True, "not a float"),
        ("ten", "is not a number"),
        (None, "is not a number"),
        ([1], "is not a number"),
        ("NaN", "is not a finite number"),
        (Decimal("Infinity"), "is not a finite number"),
    ],
)
def test_exact_decimal_refuses(value: object, problem: str) -> None:
    with pytest.raises(ContextError) as caught:
        exact_decimal(value, "dose")
    assert caught.value.field == "dose"
    assert problem in caught.value.problem


def test_non_negative_mg() -> None:
    assert non_negative_mg("0", "dose") == 0
    with pytest.raises(ContextError, match="-1 mg is negative"):
        non_negative_mg(-1, "dose")


@pytest.mark.parametrize(
    ("amount", "unit", "mg"),
    [("200", "mg", "200"), ("0.2", " G ", "200.0"), ("500", "mcg", "0.500")],
)
def test_quantity_in_mg(amount: str, unit: str, mg: str) -> None:
    assert Quantity(Decimal(amount), unit).in_mg() == Decimal(mg)


@pytest.mark.parametrize(
    ("unit", "problem"),
    [("mL", "is a volume where a mass in mg is meant"), ("L", "volume"), ("grain", "unknown unit")],
)
def test_quantity_in_the_wrong_unit(unit: str, problem: str) -> None:
    with pytest.raises(UnitError) as caught:
        Quantity(Decimal(2), unit).in_mg("request.dose")
    assert caught.value.field == "request.dose"
    assert problem in caught.value.problem
    assert isinstance(caught.value, ContextError)


def test_quantity_negative_mass() -> None:
    with pytest.raises(ContextError, match="negative"):
        Quantity(Decimal(-2), "mg").in_mg()


def test_require_aware() -> None:
    moment = datetime(2026, 6, 10, 8, tzinfo=UTC)
    assert require_aware(moment, "now") is moment
    with pytest.raises(ContextError, match="is not a datetime"):
        require_aware(date(2026, 6, 10), "now")
    with pytest.raises(ContextError, match="naive datetime"):
        require_aware(datetime(2026, 6, 10, 8), "now")


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../etc/passwd", None])
def test_unknown_time_zone(name: object) -> None:
    with pytest.raises(ContextError) as caught:
        clinic_zone(name)  # type: ignore[arg-type]
    assert caught.value.field == "time_zone"
    assert "is not a known time zone" in caught.value.problem


def test_days() -> None:
    zone = clinic_zone("Europe/Zurich")
    assert zone == ZoneInfo("Europe/Zurich")
    assert dosing_day(datetime(2026, 6, 9, 22, 30, tzinfo=UTC), zone) == date(2026, 6, 10)
    start, end = day_bounds(date(2026, 6, 10), zone)
    assert (start, end) == (
        datetime(2026, 6, 9, 22, tzinfo=UTC),
        datetime(2026, 6, 10, 22, tzinfo=UTC),
    )
    assert missed_days_between(date(2026, 6, 9), date(2026, 6, 10)) == 0
    assert missed_days_between(date(2026, 6, 5), date(2026, 6, 10)) == 4
    assert missed_days_between(date(2026, 6, 10), date(2026, 6, 10)) == 0
    with pytest.raises(ContextError):
        dosing_day(datetime(2026, 6, 10, 8), zone)


def test_errors_name_where_and_what() -> None:
    preset = PresetError("x.toml", "dam.daily_max_mg", "unknown key")
    assert (preset.file, preset.key, preset.problem) == (
        "x.toml",
        "dam.daily_max_mg",
        "unknown key",
    )
    assert str(preset) == "x.toml: dam.daily_max_mg: unknown key"
    context = ContextError("now", "missing")
    assert (context.field, context.problem, str(context)) == ("now", "missing", "now: missing")
    assert all(isinstance(error, RulesError) for error in (preset, context))


def test_the_engine_imports_no_django() -> None:
    """The rules engine stays pure: importing it (and its snapshots, eligibility) loads no Django."""
    code = (
        "import importlib.util, sys\n"
        "import openhat.rules, openhat.rules.snapshot\n"
        "if importlib.util.find_spec('openhat.rules.eligibility'):\n"
        "    import openhat.rules.eligibility\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "assert not loaded, loaded\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(  # noqa: S603  # our own interpreter and fixed code
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_amounts_in_messages_are_plain_milligrams() -> None:
    from openhat.rules.deciding import mg_text

    assert [mg_text(Decimal(text)) for text in ("1E+1", "225.0", "112.50", "1000", "0.10")] == [
        "10 mg",
        "225 mg",
        "112.5 mg",
        "1000 mg",
        "0.1 mg",
    ]
