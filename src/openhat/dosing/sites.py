"""Body sites a dose may be given at, per route (oral and inhaled doses have no site)."""

from __future__ import annotations

SITES_BY_ROUTE: dict[str, tuple[str, ...]] = {
    "iv": (
        "left_arm",
        "right_arm",
        "left_hand",
        "right_hand",
        "left_leg",
        "right_leg",
        "left_foot",
        "right_foot",
        "left_groin",
        "right_groin",
    ),
    "im": (
        "left_deltoid",
        "right_deltoid",
        "left_ventrogluteal",
        "right_ventrogluteal",
        "left_vastus_lateralis",
        "right_vastus_lateralis",
    ),
    "sc": (
        "abdomen_left",
        "abdomen_right",
        "left_thigh",
        "right_thigh",
        "left_upper_arm",
        "right_upper_arm",
    ),
    "inhaled": (),
    "oral": (),
}


def site_label(site: str) -> str:
    return site.replace("_", " ")
