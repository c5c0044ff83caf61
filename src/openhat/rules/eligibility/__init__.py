"""Eligibility for heroin-assisted treatment: a jurisdiction's criteria, each met, not met or unknown.

A preset file (kind = "eligibility") lists criteria; every number in it is a sourced value table
checked by protocol.parse_sourced_value, and every criterion without a number (a recorded fact)
cites its source directly:

    [[criteria]]
    id = "age"
    label = "Aged 18 or over"
    kind = "min_age"
    value = { value = 18, unit = "years", source = "S1" }

The facts about a person are recorded once (EligibilityFacts); what is not recorded is unknown, and
an unknown fact makes its criterion unknown rather than met or not met, so a gap in the record can
never pass for eligibility. The physician decides: a PhysicianException with a written reason turns
a not-eligible or incomplete verdict into eligible_by_exception, and is flagged as outside the
preset when the preset's jurisdiction does not provide for exceptions.

Dates are calendar dates. Whole years and months are counted the conservative way: a period that
starts on a day the target month lacks (29 February, the 31st) completes on the 1st of the next
month, so nobody reaches an age or a duration a day early.

The package is split by area: vocabulary (the enums and FACTS), facts (what is known about a
person), preset (the TOML preset files), result (what an assessment returns), assess (the checks)
and dates (months, years and wording). PRESET_DIR and the loading by key live here, so that
pointing PRESET_DIR elsewhere (as the tests do) is seen by eligibility_preset_keys and
load_eligibility_preset.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from openhat.rules.eligibility.assess import assess_criterion as assess_criterion
from openhat.rules.eligibility.assess import assess_eligibility
from openhat.rules.eligibility.dates import _add_months as _add_months
from openhat.rules.eligibility.dates import _age as _age
from openhat.rules.eligibility.dates import _whole_months as _whole_months
from openhat.rules.eligibility.facts import EligibilityFacts, MethadoneDosePeriod, PriorTreatment
from openhat.rules.eligibility.preset import (
    Criterion,
    EligibilityPreset,
    SourcedValue,
    load_eligibility_preset_file,
)
from openhat.rules.eligibility.result import (
    CriterionResult,
    EligibilityResult,
    PhysicianException,
)
from openhat.rules.eligibility.vocabulary import (
    FACTS,
    CriterionKind,
    CriterionStatus,
    EligibilityVerdict,
    HeroinRoute,
    TreatmentKind,
    TreatmentOutcome,
)
from openhat.rules.errors import PresetError

__all__ = [
    "FACTS",
    "PRESET_DIR",
    "Criterion",
    "CriterionKind",
    "CriterionResult",
    "CriterionStatus",
    "EligibilityFacts",
    "EligibilityPreset",
    "EligibilityResult",
    "EligibilityVerdict",
    "HeroinRoute",
    "MethadoneDosePeriod",
    "PhysicianException",
    "PriorTreatment",
    "SourcedValue",
    "TreatmentKind",
    "TreatmentOutcome",
    "assess_eligibility",
    "eligibility_preset_keys",
    "load_eligibility_preset",
    "load_eligibility_preset_file",
]


PRESET_DIR = Path(__file__).parent.parent / "presets"


def eligibility_preset_keys() -> list[str]:
    keys = []
    for path in sorted(PRESET_DIR.glob("*.toml")):
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError:
            continue  # not listable; loading it by its key reports the problem
        header = document.get("preset")
        if isinstance(header, dict) and header.get("kind") == "eligibility":
            keys.append(path.stem)
    return keys


def load_eligibility_preset(key: str) -> EligibilityPreset:
    path = PRESET_DIR / f"{key}.toml"
    if not key or "/" in key or "\\" in key or key.startswith(".") or not path.is_file():
        raise PresetError(
            f"{key}.toml",
            "-",
            f"no eligibility preset {key!r}; known: {', '.join(eligibility_preset_keys())}",
        )
    return load_eligibility_preset_file(path)
