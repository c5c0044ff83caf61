"""`openhat planner`: the command only calls the pure package; no database is used."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from openhat.planner import LocalInputs


def run(*args: str) -> str:
    out = StringIO()
    call_command("planner", *args, stdout=out)
    return out.getvalue()


def test_reproduce_prints_published_beside_ours():
    text = run("reproduce")
    assert "Nosyk" in text
    for horizon in ("1 year", "5 years", "10 years", "lifetime"):
        assert horizon in text
    assert "1096.1" in text and "7.92" in text  # the published lifetime figures
    assert " NO" not in text


def test_run_a_scenario_file(tmp_path):
    data = LocalInputs.example_us_city().to_dict()
    data.pop("sources")
    path = tmp_path / "city.json"
    path.write_text(json.dumps(data))
    text = run("run", "--scenario", str(path), "--draws", "50")
    assert "San Francisco" in text
    assert "Operating budget" in text and "QALYs gained" in text and "Deaths averted" in text


def test_a_bad_scenario_names_every_error(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"horizon_years": 0, "premises_cost": -5, "colour": "red"}))
    with pytest.raises(CommandError) as raised:
        run("run", "--scenario", str(path))
    message = str(raised.value)
    for code in ("horizon_out_of_range", "negative_cost", "unknown_field"):
        assert code in message


def test_example_json_loads_back():
    data = json.loads(run("example"))
    assert LocalInputs.from_dict(data) == LocalInputs.example_us_city()
