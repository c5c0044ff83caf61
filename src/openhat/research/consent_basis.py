"""Who may be in a study's export on a day, and why each of the others is left out.

A patient is included when a research consent naming the study (its purpose, matched as
enrolment.checks matches purposes: ignoring case and extra spaces) holds on the export day
(enrolment.checks.consent_holds: given on or before it, not expired, not revoked). A person's
records merged into one (patients.records) count as one patient, whose consents are those of any
of the records. Everyone else is counted under the first reason that fits:

- revoked:        a consent for this study was revoked on or before the day;
- expired:        a consent for this study expired before the day;
- not_yet_given:  the only consents for this study are dated after the day;
- other_study:    research consents, but none for this study;
- no_consent:     no research consent at all.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from openhat.clinics.models import Clinic
from openhat.enrolment.checks import consent_holds, normalise_text
from openhat.enrolment.models import Consent, ConsentKind
from openhat.patients.models import Patient


class LeftOut(StrEnum):
    NO_CONSENT = "no_consent"
    OTHER_STUDY = "other_study"
    EXPIRED = "expired"
    REVOKED = "revoked"
    NOT_YET_GIVEN = "not_yet_given"


LEFT_OUT_LABELS = {
    LeftOut.NO_CONSENT: "no research consent",
    LeftOut.OTHER_STUDY: "research consent for another study only",
    LeftOut.EXPIRED: "research consent for this study expired",
    LeftOut.REVOKED: "research consent for this study revoked",
    LeftOut.NOT_YET_GIVEN: "research consent for this study given after the export day",
}


@dataclass
class ConsentBasis:
    # The survivor record of each included person -> the consent that holds for the study.
    included: dict[int, int] = field(default_factory=dict)
    left_out: dict[str, int] = field(default_factory=lambda: {r.value: 0 for r in LeftOut})
    # Every record id of each included person (survivor first): whose rows the export reads.
    records: dict[int, list[int]] = field(default_factory=dict)

    @property
    def consent_ids(self) -> list[int]:
        return sorted(self.included.values())

    @property
    def left_out_total(self) -> int:
        return sum(self.left_out.values())


def _key(text: str) -> str:
    return normalise_text(text).casefold()


def _reason(for_study: list[Consent], others: list[Consent], on: date) -> LeftOut:
    if for_study:
        revoked = [c for c in for_study if getattr(c, "revocation", None) is not None]
        if any(c.revocation.revoked_on <= on for c in revoked):
            return LeftOut.REVOKED
        if any(c.expires_on is not None and c.expires_on < on for c in for_study):
            return LeftOut.EXPIRED
        return LeftOut.NOT_YET_GIVEN
    return LeftOut.OTHER_STUDY if others else LeftOut.NO_CONSENT


def consent_basis(clinic: Clinic, study_name: str, on: date) -> ConsentBasis:
    records: dict[int, list[int]] = defaultdict(list)
    for pk, merged_into in (
        Patient.objects.filter(clinic=clinic).order_by("pk").values_list("pk", "merged_into_id")
    ):
        records[merged_into or pk].append(pk)
    survivor_of = {pk: root for root, pks in records.items() for pk in pks}
    consents: dict[int, list[Consent]] = defaultdict(list)
    for consent in (
        Consent.objects.filter(clinic=clinic, kind=ConsentKind.RESEARCH)
        .select_related("revocation")
        .order_by("-given_on", "-id")
    ):
        root = survivor_of.get(consent.patient_id)
        if root is not None:
            consents[root].append(consent)
    wanted = _key(study_name)
    basis = ConsentBasis()
    for root in sorted(records):
        person = consents.get(root, [])
        for_study = [c for c in person if _key(c.purpose) == wanted]
        holding = next((c for c in for_study if consent_holds(c, on)), None)
        if holding is not None:
            basis.included[root] = holding.pk
            basis.records[root] = sorted(records[root], key=lambda pk: pk != root)
        else:
            others = [c for c in person if _key(c.purpose) != wanted]
            basis.left_out[_reason(for_study, others, on)] += 1
    return basis
