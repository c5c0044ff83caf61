"""Every verifier the project has, run one after another through their own commands.

Used after a restore (`openhat restore`) and by the crash test. Each verifier is the operator's
command itself (`openhat audit verify`, `openhat ledger verify`, `openhat sessions verify` when
present, `openhat sessions replay` for every dosing day in the database), so this list follows
what the commands check without knowing how they check it.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any, TextIO

from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError


@dataclass(frozen=True)
class VerifierResult:
    command: str
    passed: bool
    problem: str  # the command's error message when it failed


def subcommands_of(name: str) -> set[str]:
    """The subcommands a management command offers (empty when it has none or is missing)."""
    app = get_commands().get(name)
    if app is None:
        return set()
    command = load_command_class(app, name)
    parser = command.create_parser("openhat", name)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


def dosing_days() -> list[str]:
    from openhat.dosing.models import DosingSession

    days = DosingSession.objects.order_by().values_list("dosing_day", flat=True).distinct()
    return sorted(day.isoformat() for day in days)


def verifier_commands() -> list[list[str]]:
    commands = [["audit", "verify"], ["ledger", "verify"]]
    sessions = subcommands_of("sessions")
    if "verify" in sessions:
        commands.append(["sessions", "verify"])
    if "replay" in sessions:
        commands += [["sessions", "replay", "--date", day] for day in dosing_days()]
    return commands


def is_replay(arguments: list[str]) -> bool:
    return arguments[:2] == ["sessions", "replay"]


def run_verifier(
    arguments: list[str], stdout: TextIO | None = None, **options: Any
) -> VerifierResult:
    try:
        call_command(*arguments, stdout=stdout, **options)
    except CommandError as error:
        return VerifierResult(" ".join(arguments), False, str(error))
    return VerifierResult(" ".join(arguments), True, "")


def run_verifiers(stdout: TextIO | None = None, **options: Any) -> list[VerifierResult]:
    """Run each verifier; a failing one does not stop the others."""
    return [run_verifier(arguments, stdout, **options) for arguments in verifier_commands()]
