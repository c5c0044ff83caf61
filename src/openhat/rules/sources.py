"""Source keys a preset value may cite (docs/domain.md, "Sources"), and what each refers to."""

from __future__ import annotations

from openhat.rules.errors import PresetError

LOCAL = "local"

SOURCES: dict[str, str] = {
    "S1": "Swiss BetmSV Art. 10, FOPH patient licence pages",
    "S4": "German BtMVV §5a (2009 text)",
    "S5": "German BtMVV amendment in force 19 Feb 2025",
    "S6": "Dutch national HAT criteria as published by a provider (Mondriaan)",
    "S8": "RIOTT, Strang et al., Lancet 2010",
    "S9": "Middlesbrough HAT service reports",
    "S12": "CRISM national iOAT guideline, CMAJ 2019;191:E1049",
    "S13": "NAOMI, Oviedo-Joekes et al., NEJM 2009",
    "S14": "SALOME, Oviedo-Joekes et al., JAMA Psychiatry 2016",
    "S15": "Diaphin Swiss product information (dosage)",
    "S16": "van den Brink et al., BMJ 2003",
    "S17": "Diaphin 10.000 mg German product information",
    "S18": "3-day iOAT induction cohort (PMC6791495)",
    "S19": "BC hydromorphone case series (PMC7392795)",
    "S20": "NAOMI potency ratio, J Opioid Manag",
    "S22": "CRISM guideline Table 2",
    "S24": "Pasero Opioid-induced Sedation Scale",
    "S26": "SALOME safety profile",
    "S29": "Diaphin 10 g product information",
    "S32": "German BtMG §17, BtMVV §1(3), §14",
    "S33": "Swiss HeGeBe take-home rules",
    "S34": "US 21 CFR 1301.18 and Schedule I research requirements",
    "S36": "Haasen et al., Br J Psychiatry 2007",
    "S37": "Swiss cohort data (Univ. Zurich)",
    "S38": "Nosyk et al., CMAJ 2012",
    "S39": "Bansback et al., Addiction 2018",
    "S40": "Dijkgraaf et al., BMJ 2005",
    "S46": "Clarke and Dargan, discharge after an opioid overdose (BestBET), Emerg Med J 2002;19:250",
    "S47": "Christenson et al., the 1-hour rule after naloxone, Acad Emerg Med 2000",
}


def parse_citation(
    file: str, key: str, source: object, reason: object
) -> tuple[tuple[str, ...], str | None]:
    """Check a preset's `source` (a key, a list of keys, or "local") and its reason.

    Returns (source keys, the one-line reason of a local value or None); a broken citation raises
    PresetError naming the file and the key.
    """
    if source is None or source in ("", []):
        raise PresetError(
            file, key, 'has no source: cite a source key (e.g. "S15") or "local" with a reason'
        )
    sources = (
        (source,)
        if isinstance(source, str)
        else tuple(source)
        if isinstance(source, list)
        else None
    )
    if sources is None or not all(isinstance(item, str) for item in sources):
        raise PresetError(file, key, 'source must be a key like "S15", a list of keys, or "local"')
    for item in sources:
        if item != LOCAL and item not in SOURCES:
            raise PresetError(file, key, f"unknown source {item!r}")
    if LOCAL in sources:
        if not isinstance(reason, str) or not reason.strip() or "\n" in reason:
            raise PresetError(file, key, "a local value needs a one-line reason")
        return sources, reason.strip()
    if reason is not None:
        raise PresetError(file, key, "a reason is only given for local values")
    return sources, None
