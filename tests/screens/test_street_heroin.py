"""The street-heroin rule, one row per situation (no database): for a patient prescribed DAM,
morphine and 6-MAM are expected; only the opium impurities of street heroin say street use."""

from __future__ import annotations

import pytest

from openhat.screens.street_heroin import STREET_MARKERS, StreetHeroin, street_heroin

P, N, T = "positive", "negative", "not_tested"

CASES = [
    ("6-MAM and morphine alone after a prescribed dose are not street heroin",
     {"morphine_opiates": P, "monoacetylmorphine": P, "acetylcodeine": N, "papaverine": N,
      "noscapine": N}, StreetHeroin.NOT_DETECTED),
    ("6-MAM positive with no marker tested leaves street use unknown",
     {"monoacetylmorphine": P, "morphine_opiates": P}, StreetHeroin.NOT_TESTED),
    ("acetylcodeine positive is street heroin",
     {"acetylcodeine": P, "papaverine": N, "noscapine": N}, StreetHeroin.DETECTED),
    ("papaverine positive alone is street heroin", {"papaverine": P}, StreetHeroin.DETECTED),
    ("noscapine positive with the others untested is street heroin",
     {"noscapine": P, "acetylcodeine": T}, StreetHeroin.DETECTED),
    ("one marker negative and the others untested is not detected",
     {"papaverine": N}, StreetHeroin.NOT_DETECTED),
    ("a positive marker wins over negative ones", {"acetylcodeine": N, "papaverine": N,
     "noscapine": P}, StreetHeroin.DETECTED),
    ("cocaine and fentanyl are not street heroin markers",
     {"cocaine": P, "fentanyl": P, "acetylcodeine": N}, StreetHeroin.NOT_DETECTED),
    ("nothing tested is unknown", {}, StreetHeroin.NOT_TESTED),
    ("every marker explicitly not tested is unknown",
     {marker: T for marker in STREET_MARKERS}, StreetHeroin.NOT_TESTED),
]  # fmt: skip


@pytest.mark.parametrize(("results", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_street_heroin_rule(results: dict[str, str], expected: StreetHeroin) -> None:
    assert street_heroin(results) is expected


def test_the_markers_are_the_three_opium_impurities() -> None:
    assert set(STREET_MARKERS) == {"acetylcodeine", "papaverine", "noscapine"}
