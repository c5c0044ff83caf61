"""A stored report's content laid out for its page and PDF: each table's cells looked up, hidden
ones marked. It reads the stored content only (never the records)."""

from __future__ import annotations

from typing import Any

from openhat.outcomes.public_plot import plot

HIDDEN = "fewer than {threshold} or hidden"


def _value(cells: dict[str, int | None], key: str) -> dict[str, Any]:
    value = cells.get(key)
    return {"value": value, "hidden": value is None}


def present(content: dict[str, Any]) -> dict[str, Any]:
    cells = content["cells"]
    tables = [
        {
            "id": table["id"],
            "title": table["title"],
            "note": table["note"],
            "rows": [
                {"label": row["label"], **_value(cells, row["cell"])} for row in table["rows"]
            ],
            "total": {"label": table["total"]["label"], **_value(cells, table["total"]["cell"])},
        }
        for table in content["tables"]
    ]
    by_id = {table["id"]: table for table in tables}
    interviews = [
        {
            "point": row["point"],
            "item": row["item"],
            "n": cells.get(row["n_cell"]),
            "mean": row["mean"],
        }
        for row in content["interviews"]
    ]
    categories = content["community"]["categories"]
    community = [
        {
            "month": row["month"],
            "counts": [row["counts"].get(key, 0) for key, _label in categories],
            "total": sum(row["counts"].values()),
        }
        for row in content["community"]["months"]
    ]
    treated = {row["month"]: row for row in content["history"]}
    for row in community:
        found = treated.get(row["month"])
        row["in_treatment"] = found["in_treatment"] if found else None
        row["frozen"] = bool(found and found["frozen"])
    return {
        "content": content,
        "groups": [
            ("Who was treated", [by_id[k] for k in ("in_treatment", "starts")]),
            (
                "Staying in treatment",
                [by_id[k] for k in ("retention_3", "retention_6", "retention_12")],
            ),
            ("Doses", [by_id[k] for k in ("doses", "injection_days")]),
            ("Safety", [by_id[k] for k in ("adverse", "naloxone")]),
            ("Street heroin", [by_id["screens"]]),
        ],
        "rates": content["rates"],
        "interviews": interviews,
        "community": community,
        "categories": [label for _key, label in categories],
        "plot": plot(content),
        "hidden_label": HIDDEN.format(threshold=content["threshold"]),
    }
