"""The substances a urine drug screen reports, the results each may have, and their bounds.

The panel is the issue's (issue 14, item 3; docs/domain.md §12): the opiates a HAT patient's
prescribed DAM gives (morphine, 6-MAM), the street-heroin markers, the other opioid treatments,
and the drugs the trials counted beside heroin. One column per substance on the screen (models.py),
so the database itself can check the street-heroin flag against the markers.
"""

from __future__ import annotations

from django.db import models

from openhat.screens.street_heroin import StreetHeroin


class Substance(models.TextChoices):
    MORPHINE_OPIATES = "morphine_opiates", "Morphine / opiates"
    MONOACETYLMORPHINE = "monoacetylmorphine", "6-monoacetylmorphine (6-MAM)"
    ACETYLCODEINE = "acetylcodeine", "Acetylcodeine (street marker)"
    PAPAVERINE = "papaverine", "Papaverine (street marker)"
    NOSCAPINE = "noscapine", "Noscapine (street marker)"
    METHADONE_EDDP = "methadone_eddp", "Methadone / EDDP"
    BUPRENORPHINE = "buprenorphine", "Buprenorphine"
    FENTANYL = "fentanyl", "Fentanyl"
    COCAINE = "cocaine", "Cocaine"
    AMPHETAMINES = "amphetamines", "Amphetamines"
    BENZODIAZEPINES = "benzodiazepines", "Benzodiazepines"
    CANNABIS = "cannabis", "Cannabis"
    ALCOHOL_ETG = "alcohol_etg", "Alcohol (EtG)"


SUBSTANCES: tuple[str, ...] = tuple(Substance.values)
# Short labels for the trend table's column heads, where the page is narrow.
SHORT_LABELS: dict[str, str] = {
    Substance.MORPHINE_OPIATES: "MOR",
    Substance.MONOACETYLMORPHINE: "6-MAM",
    Substance.ACETYLCODEINE: "AC",
    Substance.PAPAVERINE: "PAP",
    Substance.NOSCAPINE: "NOS",
    Substance.METHADONE_EDDP: "MTD",
    Substance.BUPRENORPHINE: "BUP",
    Substance.FENTANYL: "FEN",
    Substance.COCAINE: "COC",
    Substance.AMPHETAMINES: "AMP",
    Substance.BENZODIAZEPINES: "BZD",
    Substance.CANNABIS: "THC",
    Substance.ALCOHOL_ETG: "EtG",
}


class Result(models.TextChoices):
    POSITIVE = "positive", "Positive"
    NEGATIVE = "negative", "Negative"
    NOT_TESTED = "not_tested", "Not tested"


class SampleSetting(models.TextChoices):
    POINT_OF_CARE = "point_of_care", "Point-of-care test"
    LABORATORY = "laboratory", "Laboratory"


class StreetHeroinFinding(models.TextChoices):
    DETECTED = StreetHeroin.DETECTED.value, "Street heroin detected"
    NOT_DETECTED = StreetHeroin.NOT_DETECTED.value, "No street marker detected"
    NOT_TESTED = StreetHeroin.NOT_TESTED.value, "Street markers not tested"


class Offer(models.TextChoices):
    """A test or vaccination at a harm-reduction contact."""

    NOT_OFFERED = "not_offered", "Not offered"
    OFFERED = "offered", "Offered, no answer yet"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class OfferKind(models.TextChoices):
    HIV_TEST = "hiv_test", "HIV test"
    HCV_TEST = "hcv_test", "Hepatitis C test"
    HBV_TEST = "hbv_test", "Hepatitis B test"
    HBV_VACCINATION = "hbv_vaccination", "Hepatitis B vaccination"


class Supply(models.TextChoices):
    NALOXONE_KITS = "naloxone_kits", "Take-home naloxone kits"
    INJECTING_EQUIPMENT = "injecting_equipment", "Sterile injecting equipment (sets)"
    INHALATION_KITS = "inhalation_kits", "Safer-inhalation kits"


# The most of each supply one contact may record. local: no published limit; a typo guard only,
# set well above what one person takes at once (a kit per person and household for naloxone, a
# week or two of single-use sets for injecting equipment). A larger hand-out is two contacts.
SUPPLY_CEILINGS: dict[str, int] = {
    Supply.NALOXONE_KITS: 10,
    Supply.INJECTING_EQUIPMENT: 500,
    Supply.INHALATION_KITS: 200,
}
# The longest free-text note on a screen or a contact (local: a paragraph, not a report).
MAX_NOTE_LENGTH = 2000
