"""Synthetic urine-screen results for the demo patients (pure: no Django).

A screen's results follow from what the patient is prescribed on the sample's day and what they
still use on the street (docs/domain.md §12):

- Prescribed diacetylmorphine (DAM) gives morphine and, for some hours after a dose, 6-MAM, and
  never a street marker: the derived street-heroin flag stays down for a DAM patient unless a
  marker is positive. Hydromorphone (HDM) gives no 6-MAM; an opiate cup may react to it.
- Street use is drawn with STREET_USE_SHARES, calibrated to the demo interviews' street-heroin
  days (demo_interview_answers: 26.6 -> 5.3 days of 30). In Switzerland the street opioid is
  heroin, with its markers; on the Canadian street it is mostly fentanyl (STREET_SUPPLY).
- Cocaine, benzodiazepines, cannabis, alcohol and amphetamines follow each patient's own habits
  (LOCAL_HABITS), drawn once per patient.

Every share here is either `calibrated` (to the interview trajectory, not to a published urine
figure) or `local` (chosen to look plausible for a HAT clinic), and says which. Nothing here is a
real person's result.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import pairwise

POSITIVE, NEGATIVE, NOT_TESTED = "positive", "negative", "not_tested"
STREET_MARKERS = ("acetylcodeine", "papaverine", "noscapine")

# calibrated, not published: the share of screens showing street use by days in treatment,
# linear between the points and flat after the last. A marker shows use in the last days, so the
# share follows the interviews' street-heroin days over 30 (demo_interview_answers
# STREET_HEROIN_TARGETS: 26.6, 9.0, 5.0 and 5.3 days at intake, 3, 6 and 12 months), a little
# under at intake because one sample misses the odd day without use.
STREET_USE_SHARES: tuple[tuple[int, float], ...] = (
    (0, 0.85),
    (91, 0.30),
    (182, 0.17),
    (365, 0.18),
)
# local: which street opioid a street-use screen shows, by the clinic's country: the share of
# such screens with heroin's markers and the share with fentanyl (at least one of the two).
STREET_SUPPLY: dict[str, tuple[float, float]] = {
    "ch": (1.0, 0.02),  # heroin; fentanyl rare in the Swiss street supply
    "ca": (0.25, 0.9),  # mostly fentanyl sold as "down", some heroin
}
# local: of a street-heroin screen, how often each marker is positive (papaverine best, as in
# UDS2); at least one always is, since STREET_USE_SHARES is the share with a positive marker.
MARKER_SHARES = {"acetylcodeine": 0.7, "papaverine": 0.8, "noscapine": 0.55}
STREET_6MAM_SHARE = 0.5  # local: 6-MAM lasts hours, so a street-heroin sample often misses it
DAM_6MAM_SHARE = 0.85  # local: most samples are given at the clinic within hours of a dose
HDM_OPIATE_CUP_SHARE = 0.6  # local: opiate immunoassays cross-react with hydromorphone, unevenly
METHADONE_ADHERENT_SHARE = 0.97  # local: night-cover methadone is taken observed
UNPRESCRIBED_SHARES = {"methadone_eddp": 0.03, "buprenorphine": 0.02}  # local: bought or swapped
# local: (share of patients who use it, share of their screens positive), plausible for a HAT
# clinic where cocaine beside heroin is common.
LOCAL_HABITS: dict[str, tuple[float, float]] = {
    "cocaine": (0.6, 0.55),
    "benzodiazepines": (0.35, 0.7),
    "cannabis": (0.45, 0.75),
    "alcohol_etg": (0.3, 0.5),
    "amphetamines": (0.08, 0.3),
}
# local: a point-of-care cup tests neither the street markers nor alcohol; the laboratory does.
POINT_OF_CARE_PANEL = (
    "morphine_opiates",
    "monoacetylmorphine",
    "methadone_eddp",
    "buprenorphine",
    "fentanyl",
    "cocaine",
    "amphetamines",
    "benzodiazepines",
    "cannabis",
)


@dataclass(frozen=True)
class Habits:
    """What one patient keeps doing, drawn once: how far their street use sits above or below
    the clinic's share (-1 to 1), and which other drugs they use."""

    street_lean: float
    uses: frozenset[str]


def draw_habits(rng: random.Random) -> Habits:
    uses = frozenset(name for name, (users, _) in LOCAL_HABITS.items() if rng.random() < users)
    return Habits(street_lean=rng.uniform(-1.0, 1.0), uses=uses)


def street_use_share(days_in_treatment: int, lean: float = 0.0) -> float:
    """STREET_USE_SHARES at this many days, moved by the patient's lean. The move is at most
    share * (1 - share) either way, so it stays between 0 and 1 and a lean drawn evenly around 0
    keeps the clinic's mean."""
    points = STREET_USE_SHARES
    share = points[-1][1]
    for (day_a, share_a), (day_b, share_b) in pairwise(points):
        if days_in_treatment <= day_b:
            fraction = max(days_in_treatment - day_a, 0) / (day_b - day_a)
            share = share_a + (share_b - share_a) * fraction
            break
    return share + lean * share * (1 - share)


def _positive(rng: random.Random, share: float) -> str:
    return POSITIVE if rng.random() < share else NEGATIVE


def screen_results(
    habits: Habits,
    *,
    country: str,
    days_in_treatment: int,
    prescribed: frozenset[str],
    laboratory: bool,
    rng: random.Random,
) -> dict[str, str]:
    """One screen's result per substance. `prescribed` holds the drugs in force before the
    sample ("dam", "hdm", "methadone", "srom"); `country` picks the street supply."""
    results = {substance: NEGATIVE for substance in POINT_OF_CARE_PANEL}
    if laboratory:
        results.update({marker: NEGATIVE for marker in STREET_MARKERS}, alcohol_etg=NEGATIVE)
    if "dam" in prescribed:
        results["morphine_opiates"] = POSITIVE
        results["monoacetylmorphine"] = _positive(rng, DAM_6MAM_SHARE)
    if "srom" in prescribed:
        results["morphine_opiates"] = POSITIVE
    if "hdm" in prescribed and not laboratory and rng.random() < HDM_OPIATE_CUP_SHARE:
        results["morphine_opiates"] = POSITIVE
    methadone_share = (
        METHADONE_ADHERENT_SHARE
        if "methadone" in prescribed
        else UNPRESCRIBED_SHARES["methadone_eddp"]
    )
    results["methadone_eddp"] = _positive(rng, methadone_share)
    results["buprenorphine"] = _positive(rng, UNPRESCRIBED_SHARES["buprenorphine"])
    if rng.random() < street_use_share(days_in_treatment, habits.street_lean):
        _street_use(results, country, laboratory, rng)
    for substance, (_, share) in LOCAL_HABITS.items():
        if substance in results and substance in habits.uses:
            results[substance] = _positive(rng, share)
    return results


def _street_use(
    results: dict[str, str], country: str, laboratory: bool, rng: random.Random
) -> None:
    # A country not listed is taken for a heroin market, as Switzerland.
    heroin_share, fentanyl_share = STREET_SUPPLY.get(country, STREET_SUPPLY["ch"])
    heroin = rng.random() < heroin_share
    if rng.random() < fentanyl_share or not heroin:
        results["fentanyl"] = POSITIVE
    if not heroin:
        return
    results["morphine_opiates"] = POSITIVE
    if results["monoacetylmorphine"] != POSITIVE:
        results["monoacetylmorphine"] = _positive(rng, STREET_6MAM_SHARE)
    if laboratory:
        positive = [m for m in STREET_MARKERS if rng.random() < MARKER_SHARES[m]]
        for marker in positive or [max(MARKER_SHARES, key=MARKER_SHARES.__getitem__)]:
            results[marker] = POSITIVE
