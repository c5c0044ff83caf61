"""A patient's answers side by side, one column per recorded interview: the trajectory at a glance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openhat.interviews.definition import Item
from openhat.interviews.eq5d import index
from openhat.interviews.models import EQ5DValueSet
from openhat.interviews.reading import InterviewView
from openhat.interviews.schedule import point_label


@dataclass(frozen=True)
class AnswerRow:
    label: str
    values: list[str]


def _shown(item: Item, value: Any) -> str:
    if value is None:
        return "—"
    if item.type == "yes_no":
        return "yes" if value else "no"
    if item.type == "choice":
        return item.option_label(str(value))
    return str(value)


def answer_table(recorded: list[InterviewView]) -> dict[str, Any]:
    """{"columns": [...], "rows": [AnswerRow]} over the answered interviews, newest version's items."""
    answered = [view for view in recorded if view.definition is not None]
    if not answered:
        return {"columns": [], "rows": []}
    items: dict[str, Item] = {}
    for view in answered:
        assert view.definition is not None
        for item in view.definition.items:
            items.setdefault(item.code, item)
    rows = [
        AnswerRow(
            item.code.replace("_", " "),
            [_shown(item, view.interview.answers.get(code)) for view in answered],
        )
        for code, item in items.items()
    ]
    value_set = EQ5DValueSet.objects.order_by("-loaded_at").first()
    if value_set is not None:
        rows.append(
            AnswerRow(
                f"EQ-5D-5L index ({value_set.key})",
                [
                    str(
                        index(view.interview.answers, value_set.constant, value_set.decrements)
                        or "—"
                    )
                    for view in answered
                ],
            )
        )
    columns = [
        f"{point_label(view.interview.time_point)} · {view.interview.on_date:%d %b %Y}"
        for view in answered
    ]
    return {"columns": columns, "rows": rows}
