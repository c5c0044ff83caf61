"""An interview instrument as data: read from its TOML file, checked, and used to check answers.

Pure Python (no Django): the loader (interviews.loader) stores a checked definition in the
database, and the services check every answer against it, so what an interview may hold is
written in the instrument's file and nowhere in the code. An answer that no item allows is a
DomainError with a stable code naming the item, and nothing is written.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openhat.core.errors import DomainError

ITEM_TYPES = ("days", "count", "scale", "choice", "yes_no")
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
_KEY = re.compile(r"^[a-z][a-z0-9-]{1,47}$")
# Recall periods the published instruments use: TOP 28 days, EuropASI and MAP 30 days
# (docs/domain.md §13); anything else is refused as a likely typo in an instrument file.
RECALL_DAYS_ALLOWED = (28, 30)

Answer = int | bool | str | None


class InstrumentFileError(ValueError):
    """An instrument file that cannot be loaded: a mistake of whoever wrote it, said plainly."""


@dataclass(frozen=True)
class Item:
    code: str
    section: str
    type: str
    text: str
    required: bool = True
    minimum: int = 0
    maximum: int | None = None  # days: the recall period; yes_no and choice: none
    options: tuple[tuple[str, str], ...] = ()
    at_least: tuple[str, ...] = ()  # items whose answers this one is at least (a total)

    def prompt(self, recall_days: int) -> str:
        return self.text.replace("{recall_days}", str(recall_days))

    def option_label(self, value: str) -> str:
        return dict(self.options).get(value, value)


@dataclass(frozen=True)
class Section:
    code: str
    title: str


@dataclass(frozen=True)
class Definition:
    key: str
    version: int
    title: str
    recall_days: int
    recall_source: str
    sections: tuple[Section, ...]
    items: tuple[Item, ...]
    raw: dict[str, Any] = field(compare=False, repr=False, default_factory=dict)

    @property
    def sha256(self) -> str:
        """The content's fingerprint: equal for equal definitions, whatever the file's layout."""
        text = json.dumps(self.raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()

    def item(self, code: str) -> Item | None:
        return next((item for item in self.items if item.code == code), None)

    def items_of(self, section: str) -> list[Item]:
        return [item for item in self.items if item.section == section]

    def check_answers(self, answers: dict[str, Any]) -> dict[str, Answer]:
        """The answers as stored ({item code: value}), or a DomainError for the first bad one."""
        unknown = sorted(set(answers) - {item.code for item in self.items})
        if unknown:
            raise DomainError(
                "answer_item_unknown",
                f"{self.title} v{self.version} has no item {unknown[0]!r}.",
                f"answers.{unknown[0]}",
            )
        checked: dict[str, Answer] = {}
        for item in self.items:
            checked[item.code] = _checked(item, answers.get(item.code), self.recall_days)
        for item in self.items:
            _check_total(item, checked)
        return checked


def _field(item: Item) -> str:
    return f"answers.{item.code}"


def _checked(item: Item, value: Any, recall_days: int) -> Answer:
    if value is None or value == "":
        if item.required:
            raise DomainError(
                "answer_required", f"Answer '{item.prompt(recall_days)}'", _field(item)
            )
        return None
    if item.type == "yes_no":
        if not isinstance(value, bool):
            raise DomainError("answer_not_yes_no", "Answer yes or no.", _field(item))
        return value
    if item.type == "choice":
        if not isinstance(value, str) or value not in dict(item.options):
            allowed = ", ".join(code for code, _ in item.options)
            raise DomainError("answer_not_an_option", f"Choose one of: {allowed}.", _field(item))
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError("answer_not_a_whole_number", "Give a whole number.", _field(item))
    if value < 0:
        raise DomainError(
            "answer_negative", "A count of days or times cannot be negative.", _field(item)
        )
    ceiling = recall_days if item.type == "days" else item.maximum
    if item.type == "days" and value > recall_days:
        raise DomainError(
            "days_exceed_recall_period",
            f"At most {recall_days} days: the question is about the last {recall_days} days.",
            _field(item),
        )
    if value < item.minimum or (ceiling is not None and value > ceiling):
        raise DomainError(
            "answer_out_of_range",
            f"Give a number from {item.minimum} to {ceiling}.",
            _field(item),
        )
    return value


def _check_total(item: Item, checked: dict[str, Answer]) -> None:
    total = checked.get(item.code)
    if not item.at_least or not isinstance(total, int):
        return
    parts = [checked.get(code) for code in item.at_least]
    largest = max((part for part in parts if isinstance(part, int)), default=0)
    if total < largest:
        raise DomainError(
            "total_below_its_parts",
            f"The days of any kind together cannot be fewer than the days of one kind ({largest}).",
            _field(item),
        )


# --- reading a file -----------------------------------------------------------------------------


def read_file(path: Path) -> Definition:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise InstrumentFileError(f"{path.name}: {error}") from None
    return parse(raw, path.name)


def parse(raw: dict[str, Any], name: str = "instrument") -> Definition:
    def fail(message: str) -> InstrumentFileError:
        return InstrumentFileError(f"{name}: {message}")

    key, version = raw.get("key"), raw.get("version")
    if not isinstance(key, str) or not _KEY.match(key):
        raise fail("key must be lower-case letters, digits and '-'")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise fail("version must be a whole number from 1")
    recall_days = raw.get("recall_days")
    if recall_days not in RECALL_DAYS_ALLOWED:
        raise fail(f"recall_days must be one of {RECALL_DAYS_ALLOWED}")
    sections = tuple(
        Section(str(section["code"]), str(section["title"])) for section in raw.get("sections", [])
    )
    section_codes = {section.code for section in sections}
    items: list[Item] = []
    for entry in raw.get("items", []):
        items.append(_parse_item(entry, section_codes, fail))
    codes = [item.code for item in items]
    if not items or len(set(codes)) != len(codes):
        raise fail("items must be present, each with its own code")
    for item in items:
        missing = [code for code in item.at_least if code not in codes]
        if missing:
            raise fail(f"{item.code}: at_least names unknown items {missing}")
    return Definition(
        key=key,
        version=version,
        title=str(raw.get("title") or key),
        recall_days=int(recall_days),
        recall_source=str(raw.get("recall_source", "")),
        sections=sections,
        items=tuple(items),
        raw=raw,
    )


def _parse_item(entry: dict[str, Any], sections: set[str], fail: Any) -> Item:
    code = entry.get("code")
    if not isinstance(code, str) or not _CODE.match(code):
        raise fail(f"item code {code!r} must be lower-case letters, digits and '_'")
    kind = entry.get("type")
    if kind not in ITEM_TYPES:
        raise fail(f"{code}: type must be one of {ITEM_TYPES}")
    if entry.get("section") not in sections:
        raise fail(f"{code}: section {entry.get('section')!r} is not listed under [[sections]]")
    options = tuple((str(value), str(label)) for value, label in entry.get("options", []))
    if (kind == "choice") != bool(options):
        raise fail(f"{code}: a choice item, and only a choice item, lists options")
    minimum = int(entry.get("min", 0))
    maximum = entry.get("max")
    if kind in ("count", "scale") and (not isinstance(maximum, int) or maximum <= minimum):
        raise fail(f"{code}: a {kind} item needs a max above its min")
    if minimum < 0:
        raise fail(f"{code}: min cannot be negative")
    text = entry.get("text")
    if not isinstance(text, str) or not text.strip():
        raise fail(f"{code}: text is required")
    return Item(
        code=code,
        section=str(entry["section"]),
        type=str(kind),
        text=text,
        required=bool(entry.get("required", True)),
        minimum=minimum,
        maximum=maximum if isinstance(maximum, int) else None,
        options=options,
        at_least=tuple(str(code) for code in entry.get("at_least", [])),
    )
