"""Typed errors of the rules engine. Each names where the problem is and what it is."""

from __future__ import annotations


class RulesError(Exception):
    """Base of every error the engine raises on bad input."""


class PresetError(RulesError):
    """A preset file is broken: names the file, the key and the problem."""

    def __init__(self, file: str, key: str, problem: str) -> None:
        super().__init__(f"{file}: {key}: {problem}")
        self.file = file
        self.key = key
        self.problem = problem


class AdjustmentError(RulesError):
    """A clinic adjustment is refused (e.g. a 'tightening' that would loosen a value)."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


class ContextError(RulesError):
    """A decision's input is invalid: names the field and the problem."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class UnitError(ContextError):
    """A quantity in the wrong unit (e.g. mL where mg is meant)."""
