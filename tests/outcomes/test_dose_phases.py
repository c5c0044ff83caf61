"""The phase a dose was given in (titration or maintenance), looked up by bisection per order line
(outcomes.dosing_rows._Phases), on unsaved order versions: no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from openhat.outcomes.dosing_rows import _Phases
from openhat.prescribing.models import OrderVersion

START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def _version(number: int, days: float, phase: str) -> OrderVersion:
    return OrderVersion(number=number, starts_at=START + timedelta(days=days), phase=phase)


def _reference(versions: list[OrderVersion], at: datetime) -> str:
    """The definition: the highest-numbered version started by then; maintenance before any."""
    started = [v for v in versions if v.starts_at <= at]
    return max(started, key=lambda v: v.number).phase if started else "maintenance"


def test_titration_then_maintenance_then_a_restart():
    line = [
        _version(1, 0, "titration"),
        _version(2, 3, "maintenance"),
        _version(3, 10, "titration"),
    ]
    phases = _Phases({7: line})
    assert phases.at(7, START - timedelta(minutes=1)) == "maintenance"
    assert phases.at(7, START) == "titration"
    assert phases.at(7, START + timedelta(days=2, hours=23)) == "titration"
    assert phases.at(7, START + timedelta(days=3)) == "maintenance"
    assert phases.at(7, START + timedelta(days=11)) == "titration"
    assert phases.at(8, START + timedelta(days=11)) == "maintenance"  # another line: none known
    assert phases.at(None, START) == "maintenance"


def test_a_later_number_with_an_earlier_start_wins_from_its_start():
    line = [_version(1, 0, "titration"), _version(2, -1, "maintenance")]
    phases = _Phases({1: line})
    assert phases.at(1, START - timedelta(hours=1)) == "maintenance"
    assert phases.at(1, START + timedelta(hours=1)) == "maintenance"


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=9),
            st.integers(min_value=0, max_value=30),
            st.sampled_from(["titration", "maintenance"]),
        ),
        max_size=8,
        unique_by=lambda spec: spec[0],  # a line's version numbers are unique
    ),
    st.integers(min_value=-2, max_value=32),
)
def test_the_bisection_agrees_with_the_definition(specs, day):
    versions = [_version(number, days, phase) for number, days, phase in specs]
    moment = START + timedelta(days=day, hours=1)
    assert _Phases({1: versions}).at(1, moment) == _reference(versions, moment)
