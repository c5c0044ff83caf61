"""The planner's form, made from the model's own `LocalInputs`, so the two cannot drift apart.

Each field of the dataclass becomes one field of the form (a nested dataclass becomes a group,
its fields named `group__field`). A field's label, unit and help come from the dataclass field's
metadata when the model gives them. The form only reads what was typed (a number is a number);
whether the numbers make sense is the model's `validate`, whose every problem is shown beside
the field it names, with its code, and nothing is computed while one remains.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import re
import types
import typing
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms

from openhat import planner
from openhat.core.bounds_forms import DecimalTextField
from openhat.core.errors import DomainError
from openhat.outcomes.models import PublicReport
from openhat.pilot import quote
from openhat.pilot.input_labels import COMPARATOR_CHOICES, OTHER_GROUP, WORDS
from openhat.pilot.models import TITLE_MAX_LENGTH

NAME_SEPARATOR = "__"


@dataclass(frozen=True)
class InputField:
    """One of the model's local inputs as the form shows it."""

    path: str  # as the model names it in errors: "capacity" or "costs.staff_per_window"
    kind: str  # number | whole | text | choice | flag
    python_type: type
    label: str
    help: str
    unit: str
    choices: tuple[tuple[str, str], ...]
    optional: bool
    group: str

    @property
    def form_name(self) -> str:
        return self.path.replace(".", NAME_SEPARATOR)


def _humane(name: str) -> str:
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return members[0], True
    return annotation, False


def _choices(annotation: Any, metadata: typing.Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    given = metadata.get("choices")
    if given:
        return tuple((str(value), str(label)) for value, label in given)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return tuple(
            (str(member.value), str(getattr(member, "label", _humane(member.name.lower()))))
            for member in annotation
        )
    if typing.get_origin(annotation) is typing.Literal:
        return tuple((str(value), _humane(str(value))) for value in typing.get_args(annotation))
    return ()


def _kind(annotation: Any, choices: tuple[tuple[str, str], ...]) -> tuple[str, type]:
    if choices:
        return "choice", annotation if isinstance(annotation, type) else str
    if annotation is bool:
        return "flag", bool
    if annotation is int:
        return "whole", int
    if annotation in (float, Decimal):
        return "number", annotation
    return "text", str


def _skipped(annotation: Any) -> bool:
    """Mappings (the inputs' own citations) are carried along, not typed into the form."""
    return typing.get_origin(annotation) is dict or annotation is dict


def input_fields(cls: type = planner.LocalInputs, prefix: str = "") -> list[InputField]:
    hints = typing.get_type_hints(cls)
    found: list[InputField] = []
    for field in dataclasses.fields(cls):
        annotation, optional = _unwrap_optional(hints[field.name])
        path = f"{prefix}{field.name}"
        if _skipped(annotation):
            continue
        if dataclasses.is_dataclass(annotation) and isinstance(annotation, type):
            found.extend(input_fields(annotation, prefix=f"{path}."))
            continue
        metadata: typing.Mapping[str, Any] = field.metadata or {}
        words = WORDS.get(path)
        choices = _choices(annotation, metadata)
        if path == "comparator":
            choices = tuple(COMPARATOR_CHOICES.items())
        kind, python_type = _kind(annotation, choices)
        found.append(
            InputField(
                path=path,
                kind=kind,
                python_type=python_type,
                label=words.label if words else str(metadata.get("label") or _humane(field.name)),
                help=words.help if words else str(metadata.get("help") or ""),
                unit=words.unit if words else str(metadata.get("unit") or ""),
                choices=choices,
                optional=optional,
                group=words.group if words else OTHER_GROUP,
            )
        )
    return found


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if key == "sources":  # the inputs' citations, not an input
            continue
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for path, value in flat.items():
        *parents, leaf = path.split(".")
        target = nested
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return nested


def _shown(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, float):
        return format(value, "g") if abs(value) < 1e15 else repr(value)
    return value


# The inputs' citations ride along in a hidden field as {input: [value, source]}: an input keeps
# its citation only while its value is the one cited, so a changed number becomes "your input".
CITED_FIELD = "cited"
CITED_MAX_CHARACTERS = 20_000


def _citations(inputs: planner.LocalInputs) -> str:
    flat = _flatten(inputs.to_dict())
    cited = {
        name: [flat[name], source]
        for name, source in (getattr(inputs, "sources", None) or {}).items()
        if name in flat and isinstance(source, str)
    }
    return json.dumps(cited, sort_keys=True)


def _kept_citations(text: str, values: dict[str, Any]) -> dict[str, str]:
    if not text or len(text) > CITED_MAX_CHARACTERS:
        return {}
    try:
        cited = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(cited, dict):
        return {}
    kept: dict[str, str] = {}
    for name, pair in cited.items():
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[1], str)):
            continue
        if name in values and values[name] is not None and values[name] == pair[0]:
            kept[name] = pair[1][:500]
    return kept


def initial_values(inputs: planner.LocalInputs) -> dict[str, Any]:
    values = {
        path.replace(".", NAME_SEPARATOR): _shown(value)
        for path, value in _flatten(inputs.to_dict()).items()
        if not isinstance(value, dict)
    }
    values[CITED_FIELD] = _citations(inputs)
    return values


def _form_field(spec: InputField) -> forms.Field:
    common: dict[str, Any] = {"label": spec.label, "required": False, "help_text": spec.help}
    if spec.kind == "choice":
        choices = list(spec.choices)
        if spec.optional:
            choices = [("", "—"), *choices]
        return forms.ChoiceField(choices=choices, **common)
    if spec.kind == "flag":
        return forms.BooleanField(**common)
    if spec.kind in ("number", "whole"):
        return DecimalTextField(max_digits=18, places=6, **common)
    return forms.CharField(max_length=200, **common)


class PlannerForm(forms.Form):
    """The scenario's title and the model's local inputs."""

    scenario_title = forms.CharField(
        label="Scenario title",
        max_length=TITLE_MAX_LENGTH,
        required=False,
        help_text="For example the city and the programme's size; shown on the brief.",
    )
    cited = forms.CharField(widget=forms.HiddenInput, required=False, strip=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.specs = input_fields()
        for spec in self.specs:
            self.fields[spec.form_name] = _form_field(spec)
        chosen = (self.data if self.is_bound else self.initial).get(quote.FIELD) or ""
        published = quote.choices(keeping=str(chosen))
        self.fields[quote.FIELD] = forms.CharField(
            label="Quote a clinic's published report",
            required=False,
            max_length=60,
            help_text="A clinic's frozen monthly transparency report: its real figures stand "
            "beside the model's on the brief.",
            widget=forms.Select(choices=[("", "None"), *published]),  # grouped by clinic
        )
        self.reports_published = quote.published_count()
        self.local_inputs: planner.LocalInputs | None = None
        self.quoted_report: PublicReport | None = None
        self.problem_codes: dict[str, list[str]] = {}

    def groups(self) -> list[tuple[str, list[tuple[InputField, forms.BoundField]]]]:
        ordered: dict[str, list[tuple[InputField, forms.BoundField]]] = {}
        for spec in self.specs:
            ordered.setdefault(spec.group, []).append((spec, self[spec.form_name]))
        return list(ordered.items())

    def _typed(self, spec: InputField, value: Any) -> Any:
        if value in (None, ""):
            if spec.kind == "flag":
                return False
            if spec.optional:
                return None
            self.add_error(spec.form_name, forms.ValidationError("Fill this in.", code="required"))
            return None
        if spec.kind == "whole":
            number = Decimal(value)
            if number != number.to_integral_value():
                self.add_error(
                    spec.form_name,
                    forms.ValidationError("Give a whole number.", code="not_a_whole_number"),
                )
                return None
            return int(number)
        if spec.kind == "number":
            return value if spec.python_type is Decimal else float(value)
        return value

    def note_problem(self, path: str, code: str, message: str) -> None:
        name = path.replace(".", NAME_SEPARATOR) if path else ""
        self.problem_codes.setdefault(name, []).append(code)
        if name in self.fields:
            # The model words its messages with its own names ("uptake is a share ..."); the
            # form shows the label the reader sees beside the field.
            message = re.sub(rf"\b{re.escape(path)}\b", f"“{self.fields[name].label}”", message)
            self.add_error(name, forms.ValidationError(message, code=code))
        else:
            where = f"{path}: " if path else ""
            self.add_error(None, forms.ValidationError(f"{where}{message}", code=code))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        chosen = cleaned.get(quote.FIELD) or ""
        if chosen:
            try:
                self.quoted_report = quote.report_for(chosen)
            except DomainError as error:
                self.note_problem(quote.FIELD, error.code, error.message)
        values = {spec.path: self._typed(spec, cleaned.get(spec.form_name)) for spec in self.specs}
        if self.errors:
            return cleaned
        data = _nest(values)
        data["sources"] = _kept_citations(cleaned.get(CITED_FIELD) or "", values)
        try:
            inputs = planner.LocalInputs.from_dict(data)
        except (TypeError, ValueError, KeyError) as error:
            self.note_problem("", "inputs_unreadable", str(error) or type(error).__name__)
            return cleaned
        for problem in planner.validate(inputs):
            self.note_problem(problem.field or "", problem.code, problem.message)
        if not self.errors:
            self.local_inputs = inputs
        return cleaned

    def error_links(self) -> list[tuple[str, str]]:
        """(input id, label) of each field with a refusal: the summary links to them."""
        return [
            (self[name].id_for_label, str(self.fields[name].label))
            for name in self.errors
            if name in self.fields
        ]

    def error_codes(self) -> dict[str, list[str]]:
        """Every refusal's stable code by field name, for tests and the API."""
        return {
            name: [error.code or "invalid" for error in errors.as_data()]
            for name, errors in self.errors.items()
        }
