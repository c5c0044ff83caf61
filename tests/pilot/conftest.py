"""The public report's small clinic history (tests/outcomes), for the brief's quote of a frozen
report (test_quote.py); built only by the tests that ask for it."""

from tests.outcomes.conftest import shared_history, world  # noqa: F401 (fixtures)
