"""Street heroin in a urine screen of a patient who is prescribed diacetylmorphine (DAM).

PURE PYTHON: no Django import, so the rule is tested on its own (tests/screens/test_street_heroin.py).

The rule, and why. Pharmaceutical DAM is metabolised to 6-monoacetylmorphine (6-MAM) and
morphine, so for a HAT patient a positive 6-MAM or morphine says nothing about street use
(docs/domain.md §12). Street heroin is made from raw opium and carries its impurities: the
acetylation of codeine gives acetylcodeine, and the opium alkaloids papaverine and noscapine come
through; pharmaceutical DAM is made from purified morphine and carries none of them.

  * DETECTED when any street marker (acetylcodeine, papaverine, noscapine, or their metabolites
    as the laboratory reports them) is positive;
  * NOT_DETECTED when at least one marker was tested and none is positive;
  * NOT_TESTED when no marker was tested: a point-of-care cup for opiates and 6-MAM alone cannot
    tell street heroin from the prescribed dose, so the flag stays unknown, never "negative".

Sources (docs/domain.md §12, keys UDS1-UDS4):
  UDS1 "Diamorphine treatment for opiate dependence: putative markers of concomitant heroin
       misuse", Addiction Biology 2001;6(3):223-231: GC-MS of 1,122 urines for morphine, 6-MAM,
       codeine, meconine, papaverine, noscapine and thebaine to tell street heroin from
       prescribed diamorphine.
  UDS2 "Validation of techniques to detect illicit heroin use in patients prescribed
       pharmaceutical heroin for the management of opioid dependence", Addiction 2005:
       papaverine metabolites had high sensitivity and specificity against morphine; noscapine
       metabolites and 6-MAM were less adequate.
  UDS3 "Validity of noscapine and papaverine metabolites as markers of heroin misuse in the
       context of diamorphine treatment", Journal of Substance Use 2009 (doi
       10.1080/14659890802581628): after pharmaceutical diamorphine no sample was positive for
       any marker; specificity near 100%, sensitivity 56%.
  UDS4 Mayo Clinic Laboratories, drug book, opiates: illicit heroin often contains small amounts
       of acetylcodeine; 6-MAM is conclusive of heroin but detectable only for hours.

The low sensitivity (UDS3) is why a negative is "not detected", not "no street use".
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

POSITIVE = "positive"
NOT_TESTED = "not_tested"

# The impurities of street heroin that pharmaceutical DAM does not carry (UDS1-UDS4).
STREET_MARKERS: tuple[str, ...] = ("acetylcodeine", "papaverine", "noscapine")
# Positive after every prescribed dose of DAM: never evidence of street use on their own.
PRESCRIBED_DAM_METABOLITES: tuple[str, ...] = ("morphine_opiates", "monoacetylmorphine")


class StreetHeroin(StrEnum):
    DETECTED = "detected"
    NOT_DETECTED = "not_detected"
    NOT_TESTED = "not_tested"


def street_heroin(results: Mapping[str, str]) -> StreetHeroin:
    """The street-heroin finding of one screen from its results by substance.

    `results` maps a substance (the names of STREET_MARKERS and the rest of the panel) to
    "positive", "negative" or "not_tested"; a substance left out was not tested.
    """
    markers = [results.get(marker, NOT_TESTED) for marker in STREET_MARKERS]
    if POSITIVE in markers:
        return StreetHeroin.DETECTED
    if all(result == NOT_TESTED for result in markers):
        return StreetHeroin.NOT_TESTED
    return StreetHeroin.NOT_DETECTED
