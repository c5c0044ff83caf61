"""The shared bounds (openhat/core/bounds.py): what every form and schema accepts and refuses."""

from __future__ import annotations

import inspect
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any

import pytest
from django import forms
from django.apps import apps
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from openhat.core import bounds, bounds_forms
from openhat.core.bounds import DecimalBounds, OutOfBounds
from openhat.core.bounds_forms import DecimalTextField

TODAY = date(2026, 3, 15)


# --- numbers ------------------------------------------------------------------------------------

ACCEPTED_NUMBERS = [
    ("plain whole number", "150", Decimal("150")),
    ("a point", "12.5", Decimal("12.5")),
    ("spaces around", "  80 ", Decimal("80")),
    ("a leading point", ".5", Decimal("0.5")),
    ("a trailing point", "5.", Decimal("5")),
    ("a negative number, for the service to explain", "-3", Decimal("-3")),
    ("trailing zeros beyond the places", "2.50000", Decimal("2.500")),
    ("an int", 7, Decimal("7")),
    ("a float", 2.5, Decimal("2.5")),
    ("a Decimal", Decimal("0.125"), Decimal("0.125")),
]


@pytest.mark.parametrize(
    ("value", "expected"), [pytest.param(v, e, id=name) for name, v, e in ACCEPTED_NUMBERS]
)
def test_a_plain_number_is_read(value: object, expected: Decimal) -> None:
    assert bounds.parse_decimal(value, "dose_mg") == expected


REFUSED_NUMBERS = [
    ("a decimal comma is answered with use a point", "1,5", "decimal_comma", "1.5"),
    ("a thousands comma is not guessed at", "1,500", "decimal_comma", "1.500"),
    ("Arabic-Indic digits are not a dose", "١٢٠", "digits_not_ascii", "0 to 9"),
    ("Extended Arabic-Indic digits", "۱۲۰", "digits_not_ascii", "0 to 9"),
    ("Devanagari digits", "१२०", "digits_not_ascii", "0 to 9"),
    ("full-width digits", "１２０", "digits_not_ascii", "0 to 9"),  # noqa: RUF001
    ("an exponent", "1e30", "number_not_plain", "digits"),
    ("a capital exponent", "2E3", "number_not_plain", "digits"),
    ("NaN", "NaN", "not_a_number", "not a number"),
    ("Infinity", "Infinity", "not_a_number", "not a number"),
    ("a word", "lots", "not_a_number", "not a number"),
    ("empty", "", "not_a_number", "not a number"),
    ("two points", "1.2.3", "not_a_number", "not a number"),
    ("a plus sign", "+5", "not_a_number", "not a number"),
    ("a unit typed in", "150mg", "not_a_number", "not a number"),
    ("too many digits", "12345678901234567890", "number_too_large", "digits"),
    ("too many places", "1.0001", "number_too_precise", "3 decimal places"),
    ("a huge float", 1e30, "number_out_of_range", "out of range"),
    ("an infinite float", float("inf"), "not_a_number", "finite"),
    ("a NaN float", float("nan"), "not_a_number", "finite"),
    ("a Decimal NaN", Decimal("NaN"), "not_a_number", "finite"),
    ("a huge Decimal", Decimal("1E+30"), "number_too_large", "digits"),
    ("a boolean", True, "not_a_number", "Give a number"),
    ("a list", [1], "not_a_number", "Give a number"),
    ("a very long text", "1" * 500, "number_too_large", "too long"),
]


@pytest.mark.parametrize(
    ("value", "code", "words"),
    [pytest.param(v, c, w, id=name) for name, v, c, w in REFUSED_NUMBERS],
)
def test_a_number_that_is_not_plain_is_refused_with_its_reason(
    value: object, code: str, words: str
) -> None:
    with pytest.raises(OutOfBounds) as refused:
        bounds.parse_decimal(value, "dose_mg", max_digits=12, places=3)

    assert refused.value.code == code
    assert words in refused.value.message
    assert refused.value.field == "dose_mg"


def test_a_ceiling_and_a_floor_bound_the_value() -> None:
    assert bounds.parse_decimal("5", ceiling=Decimal(5), floor=Decimal(0)) == 5
    with pytest.raises(OutOfBounds, match="at most 5"):
        bounds.parse_decimal("5.001", ceiling=Decimal(5))
    with pytest.raises(OutOfBounds, match="at least 0"):
        bounds.parse_decimal("-1", floor=Decimal(0))


def test_a_service_keeps_its_own_code_for_not_a_number_only() -> None:
    with pytest.raises(OutOfBounds) as other:
        bounds.typed_number("1,5", "q", code="quantity_not_a_number", message="No.")
    assert other.value.code == "decimal_comma"
    with pytest.raises(Exception) as own:
        bounds.typed_number("abc", "q", code="quantity_not_a_number", message="No.")
    assert getattr(own.value, "code", None) == "quantity_not_a_number"


@given(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=3, min_value=-(10**8), max_value=10**8
    )
)
def test_every_number_within_the_digits_reads_back_as_itself(amount: Decimal) -> None:
    text = f"{amount:f}"

    assert bounds.parse_decimal(text, max_digits=12, places=3) == amount


@given(st.decimals(allow_nan=True, allow_infinity=True))
def test_any_decimal_is_read_within_bounds_or_refused_never_crashes(amount: Decimal) -> None:
    for value in (amount, str(amount)):
        try:
            read = bounds.parse_decimal(value, max_digits=12, places=3)
        except OutOfBounds:
            continue
        assert read.is_finite()
        assert abs(read) < 10**9
        assert read == read.quantize(Decimal("0.001"))


@given(st.text(max_size=30))
def test_any_text_is_a_plain_number_or_refused(text: str) -> None:
    try:
        read = bounds.parse_decimal(text, max_digits=12, places=3)
    except OutOfBounds as refused:
        assert refused.code in bounds.CODES
        return
    assert set(text.strip()) <= set("-.0123456789")
    assert read.is_finite()


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_any_float_is_read_within_bounds_or_refused(number: float) -> None:
    try:
        read = bounds.parse_decimal(number, max_digits=12, places=6)
    except OutOfBounds as refused:
        assert refused.code in bounds.CODES
        return
    assert abs(read) < 10**6


# --- dates --------------------------------------------------------------------------------------


def test_the_date_window_is_around_today() -> None:
    earliest, latest = bounds.date_window(TODAY)

    assert earliest == date(1876, 3, 15)
    assert latest == date(2126, 3, 15)
    assert bounds.date_window(date(2024, 2, 29)) == (date(1874, 2, 28), date(2124, 2, 29))


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("0001-01-01", "date_out_of_range"),
        ("9999-12-31", "date_out_of_range"),
        ("1800-01-01", "date_out_of_range"),
        ("2026-13-01", "invalid_date"),
        ("2026-02-30", "invalid_date"),
        ("yesterday", "invalid_date"),
        ("2026-3-1", "invalid_date"),
        ("٢٠٢٦-٠٣-١٥", "invalid_date"),  # noqa: RUF001
        ("20260315", "invalid_date"),
    ],
)
def test_a_date_out_of_the_window_or_not_iso_is_refused(text: str, code: str) -> None:
    with pytest.raises(OutOfBounds) as refused:
        bounds.parse_date(text, "until")

    assert refused.value.code == code
    assert refused.value.field == "until"


def test_a_blank_date_is_none_and_a_date_in_the_window_is_read() -> None:
    assert bounds.parse_date("  ", "until") is None
    assert bounds.parse_date("2026-03-15", "until") == date(2026, 3, 15)


@given(st.dates())
def test_any_date_is_in_the_window_or_refused(day: date) -> None:
    earliest, latest = bounds.date_window(TODAY)
    try:
        bounds.check_date(day, "day", today=TODAY)
    except OutOfBounds:
        assert not earliest <= day <= latest
        return
    # Inside the window a day's neighbours exist: date arithmetic cannot overflow.
    assert day - timedelta(days=366) < day + timedelta(days=366)


# --- text ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "multi_line", "refused"),
    [
        ("Ann Example", False, False),
        ("a\x00b", False, True),
        ("a\x00b", True, True),
        ("line\nbreak", False, True),
        ("line\nbreak\r\n\tindented", True, False),
        ("form\x0cfeed", True, True),
        ("escape\x1b[31m", True, True),
        ("delete\x7f", True, True),
        ("Zürich — ß ✓", False, False),
    ],
)
def test_control_characters_are_refused(text: str, multi_line: bool, refused: bool) -> None:
    if refused:
        with pytest.raises(OutOfBounds) as error:
            bounds.check_text(text, "note", multi_line=multi_line)
        assert error.value.code == "control_character"
    else:
        assert bounds.check_text(text, "note", multi_line=multi_line) == text


# --- the adapters: schemas and forms give the same answers ---------------------------------------


class _Dose(BaseModel):
    dose_mg: Annotated[Decimal, DecimalBounds(max_digits=10, places=3)]
    note: bounds.MultiLineText = ""
    day: bounds.BoundedDate | None = None


@pytest.mark.parametrize(
    ("body", "error_type"),
    [
        ({"dose_mg": "1,5"}, "decimal_comma"),
        ({"dose_mg": "١٢٠"}, "digits_not_ascii"),
        ({"dose_mg": "1e30"}, "number_not_plain"),
        ({"dose_mg": 1e30}, "number_out_of_range"),
        ({"dose_mg": "150", "note": "a\x00b"}, "control_character"),
        ({"dose_mg": "150", "day": "9999-12-31"}, "date_out_of_range"),
        ({"dose_mg": "150", "day": 0}, "invalid_date"),
    ],
)
def test_a_schema_refuses_with_the_bounds_code(body: dict[str, Any], error_type: str) -> None:
    with pytest.raises(ValidationError) as refused:
        _Dose.model_validate(body)

    assert refused.value.errors()[0]["type"] == error_type


def test_a_schema_describes_a_decimal_as_a_number_or_a_plain_string() -> None:
    described = _Dose.model_json_schema()["properties"]["dose_mg"]

    number, text = described["anyOf"]
    assert number["exclusiveMaximum"] == 10**7
    assert text["pattern"] == r"^-?[0-9]{1,7}(\.[0-9]{0,3})?$"


class _DoseForm(forms.Form):
    dose_mg = DecimalTextField(max_digits=10, places=3)
    note = forms.CharField(required=False, widget=forms.Textarea)
    day = forms.DateField(required=False)


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({"dose_mg": "1,5"}, "dose_mg", "decimal_comma"),
        ({"dose_mg": "١٢٠"}, "dose_mg", "digits_not_ascii"),
        ({"dose_mg": "1e30"}, "dose_mg", "number_not_plain"),
        ({"dose_mg": "150", "note": "pasted\x0cpage"}, "note", "control_character"),
        ({"dose_mg": "150", "day": "9999-12-31"}, "day", "date_out_of_range"),
        ({"dose_mg": "150", "day": "0001-01-01"}, "day", "date_out_of_range"),
    ],
)
def test_a_form_refuses_with_the_bounds_code(data: dict[str, str], field: str, code: str) -> None:
    form = _DoseForm(data)

    assert not form.is_valid()
    assert [error.code for error in form.errors.as_data()[field]] == [code]


def test_a_form_reads_a_plain_number_and_keeps_line_breaks() -> None:
    form = _DoseForm({"dose_mg": "12.5", "note": "one\r\ntwo", "day": "2026-03-15"})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["dose_mg"] == Decimal("12.5")


def _project_forms() -> list[type[forms.BaseForm]]:
    found: list[type[forms.BaseForm]] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("openhat"):
            continue
        for module_name in ("forms", "forms_adverse", "forms_override"):
            try:
                module = __import__(f"{config.name}.{module_name}", fromlist=["*"])
            except ModuleNotFoundError:
                continue
            found += [
                value
                for value in vars(module).values()
                if inspect.isclass(value)
                and issubclass(value, forms.BaseForm)
                and value.__module__ == module.__name__
            ]
    return found


def test_every_form_field_of_the_project_carries_the_bounds() -> None:
    """A CharField made before the core app was ready would miss them: none may."""
    checked = 0
    for form_class in _project_forms():
        for name, field in form_class.base_fields.items():
            if isinstance(field, forms.CharField):
                assert bounds_forms._FORM_TEXT in field.validators, f"{form_class.__name__}.{name}"
                checked += 1
            if isinstance(field, forms.DateField | forms.DateTimeField):
                assert bounds_forms._FORM_DATE in field.validators, f"{form_class.__name__}.{name}"
                checked += 1
            assert not isinstance(
                field, forms.DecimalField | forms.FloatField | forms.IntegerField
            ), (
                f"{form_class.__name__}.{name}: Django's number fields read any script's digits; "
                "use DecimalTextField or IntegerTextField of openhat.core.bounds"
            )
    assert checked > 50
