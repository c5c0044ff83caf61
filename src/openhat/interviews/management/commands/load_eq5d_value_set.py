"""`openhat load_eq5d_value_set FILE`: load the EQ-5D-5L value set the clinic's licence gives it.

None is shipped (EuroQol licenses them). The file is JSON: {"key", "title", "source", "constant",
"decrements": {"eq5d_mobility": [level 1, ..., level 5], ...}} for the five dimensions; the index
is then shown beside each interview's levels (interviews.eq5d explains the formula).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from openhat.core.errors import DomainError
from openhat.interviews.loader import load_value_set


class Command(BaseCommand):
    help = "Load a licensed EQ-5D-5L value set (JSON) so that interviews show the index."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from None
        try:
            value_set = load_value_set(text)
        except DomainError as error:
            raise CommandError(f"{error.code}: {error.message}") from None
        self.stdout.write(f"EQ-5D-5L value set {value_set.key!r} loaded: {value_set.title}")
