"""The controlled-substance record keeping of each jurisdiction a clinic may be in: what the
register is called and how its columns read, who supervises it, and where a loss or theft is
reported (docs/domain.md §6 and §10, sources S32, S34, S41 to S45).

The register's figures are the same everywhere (they are the ledger's); only the words, the
authority and the loss report differ. A clinic's country comes from its jurisdiction preset
("ca-crism" is Canada); every preset must map to a country here, which a test checks.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RecordKeeping:
    country: str  # ISO 3166 code
    country_name: str
    register_title: str  # in English
    register_local_title: str  # the law's own name for it, "" where that is English
    received: str  # the "in" column
    issued: str  # the "out" column
    balance: str
    opening: str  # the carried-forward balance line
    closing: str
    authority: str  # who supervises the record
    loss_authority: str  # to whom a loss or theft is reported
    loss_form: str  # the form or channel, "" where the law names none
    loss_deadline: str
    retention: str
    sources: tuple[str, ...]  # keys of docs/domain.md's Sources list

    def columns(self) -> dict[str, str]:
        return {"received": self.received, "issued": self.issued, "balance": self.balance}


JURISDICTIONS: dict[str, RecordKeeping] = {
    "CH": RecordKeeping(
        country="CH",
        country_name="Switzerland",
        register_title="Narcotics control record",
        register_local_title="Betäubungsmittelkontrolle",
        received="Eingang (received)",
        issued="Ausgang (issued)",
        balance="Bestand (balance)",
        opening="Opening balance (Anfangsbestand)",
        closing="Closing balance (Endbestand)",
        authority="the cantonal pharmacist (Kantonsapotheker) and Swissmedic",
        loss_authority="the cantonal authority and Swissmedic, and the police for a theft",
        loss_form="",
        loss_deadline="without delay",
        retention="as the cantonal authority sets (no figure we could confirm)",
        sources=("S41",),
    ),
    "DE": RecordKeeping(
        country="DE",
        country_name="Germany",
        register_title="Narcotics register",
        register_local_title="Betäubungsmittelbuch",
        received="Zugang (received)",
        issued="Abgang (issued)",
        balance="Bestand (balance)",
        opening="Übertrag (carried forward)",
        closing="Bestand am Ende des Zeitraums (closing balance)",
        authority="the state supervisory authority and the Federal Opium Agency (BfArM)",
        loss_authority="the Federal Opium Agency (Bundesopiumstelle, BfArM), and the police for "
        "a theft",
        loss_form="",
        loss_deadline="without delay",
        retention="at least 3 years",
        sources=("S32",),
    ),
    "NL": RecordKeeping(
        country="NL",
        country_name="Netherlands",
        register_title="Opium Act register",
        register_local_title="Opiumwetregister",
        received="Ontvangst (received)",
        issued="Aflevering (issued)",
        balance="Voorraad (balance)",
        opening="Beginvoorraad (opening balance)",
        closing="Eindvoorraad (closing balance)",
        authority="the Health and Youth Care Inspectorate (IGJ)",
        loss_authority="the Health and Youth Care Inspectorate (IGJ), and the police for a theft",
        loss_form="",
        loss_deadline="without delay",
        retention="as the IGJ sets (no figure we could confirm)",
        sources=("S42",),
    ),
    "UK": RecordKeeping(
        country="UK",
        country_name="United Kingdom",
        register_title="Controlled drugs register",
        register_local_title="",
        received="Amount obtained",
        issued="Amount supplied",
        balance="Running balance",
        opening="Balance brought forward",
        closing="Balance carried forward",
        authority="the Controlled Drugs Accountable Officer (CDAO)",
        loss_authority="the Controlled Drugs Accountable Officer (CDAO), and the police for a "
        "theft",
        loss_form="",
        loss_deadline="as soon as it is found",
        retention="at least 2 years from the last entry",
        sources=("S43",),
    ),
    "CA": RecordKeeping(
        country="CA",
        country_name="Canada",
        register_title="Narcotic and controlled drug record",
        register_local_title="",
        received="Received",
        issued="Issued",
        balance="Balance on hand",
        opening="Balance forward",
        closing="Balance at the end of the period",
        authority="Health Canada (Office of Controlled Substances) and the provincial college",
        loss_authority="Health Canada's Office of Controlled Substances",
        loss_form="Loss or Theft Report Form for Controlled Substances and Precursors",
        loss_deadline="within 10 days of the discovery",
        retention="at least 2 years",
        sources=("S44",),
    ),
    "US": RecordKeeping(
        country="US",
        country_name="United States",
        register_title="Controlled substance record (Schedule I research)",
        register_local_title="",
        received="Received",
        issued="Dispensed",
        balance="Balance on hand",
        opening="Balance forward",
        closing="Balance at the end of the period",
        authority="the Drug Enforcement Administration (DEA)",
        loss_authority="the DEA Field Division Office",
        loss_form="DEA Form 106",
        loss_deadline="notice in writing within one business day of the discovery, then the form",
        retention="at least 2 years",
        sources=("S34", "S45"),
    ),
}

# The eligibility presets' prefixes (clinics.JurisdictionPreset) and the country each is in.
_PRESET_COUNTRY = {"ch": "CH", "de": "DE", "nl": "NL", "uk": "UK", "ca": "CA", "us": "US"}


def country_of_preset(preset: str) -> str:
    prefix = preset.split("-", 1)[0].lower()
    try:
        return _PRESET_COUNTRY[prefix]
    except KeyError:
        raise ValueError(f"no record keeping is known for the preset {preset!r}") from None


def record_keeping(preset: str) -> RecordKeeping:
    """The record keeping of a clinic with this jurisdiction preset."""
    return JURISDICTIONS[country_of_preset(preset)]
