"""A scenario as a JSON file anyone can keep, send and load again.

The file names its format and version, the model's parameter set it was made with, a title and the
local inputs exactly as `LocalInputs.to_dict()` gives them. Loading reads it back through
`LocalInputs.from_dict`; a file that is not such a scenario is refused with a stable code and a
sentence saying what is wrong, never a 500. Whether the inputs make sense is the model's
`validate`, which the caller runs, so the form can show each problem beside its field.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from openhat import planner
from openhat.core.errors import DomainError
from openhat.outcomes.models import PublicReport
from openhat.pilot import quote
from openhat.pilot.inputs_data import local_inputs_from
from openhat.pilot.models import TITLE_MAX_LENGTH

FORMAT = "openhat-pilot-scenario"
FORMAT_VERSION = 1
# local: a scenario is a few dozen numbers (~2 kB); 100 kB leaves room for long titles and notes
# while refusing a file that is plainly something else before it is parsed.
MAX_BYTES = 100_000
DEFAULT_TITLE = "Loaded scenario"


@dataclass(frozen=True)
class LoadedScenario:
    title: str
    inputs: planner.LocalInputs
    parameters_version: str
    quoted_choice: str = ""  # the quoted report as the form names it ("ZRH/2026-11/v1")
    quoted_sha256: str = ""


def document(
    title: str,
    inputs: planner.LocalInputs,
    parameters_version: str,
    quoted_report: PublicReport | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "title": title,
        "parameters_version": parameters_version,
        "inputs": inputs.to_dict(),
        # Optional in version 1: a file without it, or with null, quotes no report.
        "quoted_report": None,
    }
    if quoted_report is not None:
        # The hash lets the loading installation check that its report of that name is the
        # same text.
        data["quoted_report"] = {
            "clinic": quoted_report.clinic.code,
            "period": quoted_report.period,
            "version": quoted_report.version,
            "sha256": quoted_report.content_sha256,
        }
    return data


def dumps(
    title: str,
    inputs: planner.LocalInputs,
    parameters_version: str,
    quoted_report: PublicReport | None = None,
) -> str:
    return json.dumps(
        document(title, inputs, parameters_version, quoted_report), indent=2, ensure_ascii=False
    )


def _refuse(code: str, message: str) -> DomainError:
    return DomainError(code, message, "file")


def _parse(raw: str | bytes) -> Any:
    if len(raw) > MAX_BYTES:
        raise _refuse(
            "scenario_json_too_large",
            f"The file is larger than {MAX_BYTES // 1000} kB; a scenario file is a few kB.",
        )
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise _refuse(
                "scenario_json_malformed", "The file is not text (UTF-8): is it a scenario file?"
            ) from None
    if not raw.strip():
        raise _refuse("scenario_json_empty", "The file is empty.")
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        raise _refuse(
            "scenario_json_malformed",
            f"The file is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}).",
        ) from None
    except RecursionError:
        raise _refuse("scenario_json_malformed", "The file is nested too deeply.") from None


def _title(data: dict[str, Any]) -> str:
    title = data.get("title", DEFAULT_TITLE)
    if not isinstance(title, str):
        raise _refuse("scenario_json_title_invalid", "The scenario's title must be text.")
    title = " ".join(title.split())[:TITLE_MAX_LENGTH]
    return title or DEFAULT_TITLE


def load(raw: str | bytes) -> LoadedScenario:
    data = _parse(raw)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _refuse(
            "scenario_json_not_a_scenario",
            f'This JSON is not a planner scenario (it has no "format": "{FORMAT}").',
        )
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        raise _refuse(
            "scenario_json_version_unsupported",
            f"This scenario file has format version {version!r}; this planner reads version "
            f"{FORMAT_VERSION}.",
        )
    inputs = data.get("inputs")
    if not isinstance(inputs, dict):
        raise _refuse("scenario_json_inputs_missing", 'The file has no "inputs" object.')
    try:
        local_inputs = local_inputs_from(inputs)
    except DomainError as error:
        raise _refuse(
            "scenario_json_inputs_unreadable",
            f"The scenario's inputs cannot be read: {error.message}",
        ) from None
    parameters_version = data.get("parameters_version")
    choice, sha256 = _quoted(data.get("quoted_report"))
    return LoadedScenario(
        title=_title(data),
        inputs=local_inputs,
        parameters_version=parameters_version if isinstance(parameters_version, str) else "",
        quoted_choice=choice,
        quoted_sha256=sha256,
    )


_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _quoted(value: Any) -> tuple[str, str]:
    """The optional quoted report: {"clinic", "period", "version", "sha256"}, or absent/null."""
    if value is None:
        return "", ""
    clinic = value.get("clinic") if isinstance(value, dict) else None
    period = value.get("period") if isinstance(value, dict) else None
    version = value.get("version") if isinstance(value, dict) else None
    sha256 = value.get("sha256", "") if isinstance(value, dict) else None
    if not (
        isinstance(clinic, str)
        and isinstance(period, str)
        and isinstance(version, int)
        and not isinstance(version, bool)
        and version >= 1
        and isinstance(sha256, str)
        and (not sha256 or _SHA256.match(sha256))
        and len(clinic) + len(period) < 30
    ):
        raise _refuse(
            "scenario_json_quoted_report_invalid",
            'The file\'s "quoted_report" must name a clinic, a month (YYYY-MM), a version '
            "number and the report's SHA-256.",
        )
    return quote.choice_value(clinic, period, version), sha256


def check_quoted_sha256(form: Any, loaded: LoadedScenario) -> None:
    """A file quoting a report that this installation holds with another text is refused beside
    the field (quote.check_same_report), not quoted."""
    report = getattr(form, "quoted_report", None)
    if report is None:
        return
    try:
        quote.check_same_report(report, loaded.quoted_sha256)
    except DomainError as error:
        form.quoted_report = None
        form.note_problem(quote.FIELD, error.code, error.message)
