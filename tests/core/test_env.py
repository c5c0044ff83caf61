"""The settings helpers: a missing value gives the default, a bad value fails naming the variable."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ImproperlyConfigured

from openhat.core.env import env_bool, env_choice, env_int, env_list, env_str


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "fallback"),
        ({"NAME": ""}, "fallback"),
        ({"NAME": "   "}, "fallback"),
        ({"NAME": " value "}, "value"),
        ({"OTHER": "x"}, "fallback"),
    ],
)
def test_env_str(environ: dict[str, str], expected: str) -> None:
    assert env_str("NAME", "fallback", environ=environ) == expected


def test_env_str_without_default_is_none() -> None:
    assert env_str("NAME", environ={}) is None


def test_env_reads_the_process_environment_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENHAT_TEST_ONLY_VALUE", "from the process")
    assert env_str("OPENHAT_TEST_ONLY_VALUE") == "from the process"
    monkeypatch.setenv("OPENHAT_TEST_ONLY_VALUE", "12")
    assert env_int("OPENHAT_TEST_ONLY_VALUE", 1) == 12


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        ("True", True),
        ("YES", True),
        ("on", True),
        ("0", False),
        ("false", False),
        ("No", False),
        ("off", False),
        (" yes ", True),
    ],
)
def test_env_bool_accepts_the_usual_spellings(raw: str, expected: bool) -> None:
    assert env_bool("FLAG", not expected, environ={"FLAG": raw}) is expected


@pytest.mark.parametrize("default", [True, False])
def test_env_bool_missing_or_empty_is_the_default(default: bool) -> None:
    assert env_bool("FLAG", default, environ={}) is default
    assert env_bool("FLAG", default, environ={"FLAG": ""}) is default


@pytest.mark.parametrize("raw", ["maybe", "2", "y", "enabled", "truee"])
def test_env_bool_refuses_anything_else(raw: str) -> None:
    with pytest.raises(
        ImproperlyConfigured, match=re.escape(f"FLAG={raw!r} is not a yes/no value")
    ):
        env_bool("FLAG", True, environ={"FLAG": raw})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("15", 15), (" 30 ", 30), ("1", 1), ("720", 720), ("-0", 0)],
)
def test_env_int_reads_whole_numbers(raw: str, expected: int) -> None:
    assert env_int("MINUTES", 99, minimum=0, maximum=720, environ={"MINUTES": raw}) == expected


def test_env_int_missing_is_the_default_even_outside_the_bounds() -> None:
    assert env_int("MINUTES", 15, minimum=1, maximum=60, environ={}) == 15


@pytest.mark.parametrize("raw", ["abc", "15m", "1.5", "1e3", "fifteen", "0x10"])
def test_env_int_refuses_what_is_not_a_whole_number(raw: str) -> None:
    with pytest.raises(
        ImproperlyConfigured, match=re.escape(f"MINUTES={raw!r} is not a whole number")
    ):
        env_int("MINUTES", 15, environ={"MINUTES": raw})


def test_env_int_enforces_its_bounds() -> None:
    with pytest.raises(ImproperlyConfigured, match="MINUTES=0 is below the minimum of 1"):
        env_int("MINUTES", 15, minimum=1, environ={"MINUTES": "0"})
    with pytest.raises(ImproperlyConfigured, match="MINUTES=721 is above the maximum of 720"):
        env_int("MINUTES", 15, maximum=720, environ={"MINUTES": "721"})
    assert env_int("MINUTES", 15, minimum=1, maximum=720, environ={"MINUTES": "720"}) == 720


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a.example", ["a.example"]),
        ("a.example,b.example", ["a.example", "b.example"]),
        (" a.example , b.example ", ["a.example", "b.example"]),
    ],
)
def test_env_list_splits_on_commas(raw: str, expected: list[str]) -> None:
    assert env_list("HOSTS", environ={"HOSTS": raw}) == expected


def test_env_list_missing_is_a_copy_of_the_default() -> None:
    default = ("localhost",)
    value = env_list("HOSTS", default, environ={})
    assert value == ["localhost"]
    value.append("changed")
    assert env_list("HOSTS", default, environ={}) == ["localhost"]


@pytest.mark.parametrize("raw", ["a,,b", "a,", ",a", "a, ,b"])
def test_env_list_refuses_empty_entries(raw: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"HOSTS=.* has an empty entry"):
        env_list("HOSTS", environ={"HOSTS": raw})


CHOICES = ("development", "production")


def test_env_choice() -> None:
    assert env_choice("MODE", "development", CHOICES, environ={}) == "development"
    assert (
        env_choice("MODE", "development", CHOICES, environ={"MODE": "production"}) == "production"
    )
    assert (
        env_choice("MODE", "development", CHOICES, environ={"MODE": " production "}) == "production"
    )


@pytest.mark.parametrize("raw", ["bogus", "Production", "prod", "production,development"])
def test_env_choice_refuses_other_values_and_lists_the_choices(raw: str) -> None:
    with pytest.raises(ImproperlyConfigured) as refused:
        env_choice("MODE", "development", CHOICES, environ={"MODE": raw})
    assert f"MODE={raw!r}" in str(refused.value)
    assert "development, production" in str(refused.value)
