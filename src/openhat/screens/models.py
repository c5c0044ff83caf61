"""Urine drug screens and harm-reduction contacts (issue 14, items 3 and 6; docs/domain.md §12).

Both are append-only in the database (pgtrigger Protect on UPDATE and DELETE): a screen entered
wrongly is corrected by a new screen that names the one it replaces (`corrects`), and the chart
reads the newest version. Every row carries clinic_id (the patient's clinic).
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q

from openhat.screens.panel import (
    SUBSTANCES,
    SUPPLY_CEILINGS,
    Offer,
    OfferKind,
    Result,
    SampleSetting,
    StreetHeroinFinding,
    Substance,
    Supply,
)
from openhat.screens.street_heroin import STREET_MARKERS, StreetHeroin, street_heroin

_APPEND_ONLY = pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)


def _result_field(substance: Substance) -> models.CharField:
    return models.CharField(
        max_length=12,
        choices=Result.choices,
        default=Result.NOT_TESTED,
        verbose_name=substance.label,
    )


def _street_flag_matches_markers() -> Q:
    """street_heroin as street_heroin.street_heroin() derives it from the three markers."""
    any_positive = Q()
    all_untested = Q()
    for marker in STREET_MARKERS:
        any_positive |= Q(**{marker: Result.POSITIVE})
        all_untested &= Q(**{marker: Result.NOT_TESTED})
    return (
        (Q(street_heroin=StreetHeroin.DETECTED) & any_positive)
        | (Q(street_heroin=StreetHeroin.NOT_TESTED) & all_untested)
        | (Q(street_heroin=StreetHeroin.NOT_DETECTED) & ~any_positive & ~all_untested)
    )


class UrineDrugScreen(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="urine_screens"
    )
    sampled_at = models.DateTimeField()
    supervised = models.BooleanField()
    setting = models.CharField(max_length=16, choices=SampleSetting.choices)
    morphine_opiates = _result_field(Substance.MORPHINE_OPIATES)
    monoacetylmorphine = _result_field(Substance.MONOACETYLMORPHINE)
    acetylcodeine = _result_field(Substance.ACETYLCODEINE)
    papaverine = _result_field(Substance.PAPAVERINE)
    noscapine = _result_field(Substance.NOSCAPINE)
    methadone_eddp = _result_field(Substance.METHADONE_EDDP)
    buprenorphine = _result_field(Substance.BUPRENORPHINE)
    fentanyl = _result_field(Substance.FENTANYL)
    cocaine = _result_field(Substance.COCAINE)
    amphetamines = _result_field(Substance.AMPHETAMINES)
    benzodiazepines = _result_field(Substance.BENZODIAZEPINES)
    cannabis = _result_field(Substance.CANNABIS)
    alcohol_etg = _result_field(Substance.ALCOHOL_ETG)
    # Derived from the markers by street_heroin.street_heroin(); stored so that trends and the
    # outcomes read it with SQL, and checked against the markers by the database.
    street_heroin = models.CharField(max_length=12, choices=StreetHeroinFinding.choices)
    note = models.TextField(blank=True)
    corrects = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrected_by"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["patient", "sampled_at", "id"]
        indexes = [models.Index(fields=["patient", "-sampled_at"], name="screen_patient_sampled")]
        constraints = [
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{substance}__in": Result.values}),
                    name=f"screen_{substance}_result_known",
                )
                for substance in SUBSTANCES
            ],
            models.CheckConstraint(
                condition=Q(setting__in=SampleSetting.values), name="screen_setting_known"
            ),
            models.CheckConstraint(
                condition=~Q(**{substance: Result.NOT_TESTED for substance in SUBSTANCES}),
                name="screen_tests_something",
            ),
            models.CheckConstraint(
                condition=_street_flag_matches_markers(), name="screen_street_flag_from_markers"
            ),
            models.CheckConstraint(
                condition=Q(sampled_at__lte=models.F("recorded_at")),
                name="screen_sampled_before_recorded",
            ),
            models.CheckConstraint(
                condition=Q(corrects__isnull=True) | ~Q(corrects=models.F("id")),
                name="screen_does_not_correct_itself",
            ),
        ]
        triggers = [_APPEND_ONLY]

    def __str__(self) -> str:
        return f"urine screen {self.pk} of patient {self.patient_id}"

    def results(self) -> dict[str, str]:
        return {substance: getattr(self, substance) for substance in SUBSTANCES}

    def derived_street_heroin(self) -> StreetHeroin:
        return street_heroin(self.results())

    def tested(self) -> list[tuple[str, str, str]]:
        """(substance, label, result) of each substance tested, in panel order."""
        return [
            (substance, Substance(substance).label, result)
            for substance, result in self.results().items()
            if result != Result.NOT_TESTED
        ]

    def positives(self) -> list[str]:
        return [Substance(s).label for s, r in self.results().items() if r == Result.POSITIVE]


def _count_field(supply: Supply) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(default=0, verbose_name=supply.label)


def _offer_field(kind: OfferKind) -> models.CharField:
    return models.CharField(
        max_length=12, choices=Offer.choices, default=Offer.NOT_OFFERED, verbose_name=kind.label
    )


class HarmReductionContact(models.Model):
    """What one contact gave and offered: supplies with counts, training, tests and vaccination."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="harm_reduction_contacts"
    )
    given_at = models.DateTimeField()
    naloxone_kits = _count_field(Supply.NALOXONE_KITS)
    injecting_equipment = _count_field(Supply.INJECTING_EQUIPMENT)
    inhalation_kits = _count_field(Supply.INHALATION_KITS)
    overdose_training = models.BooleanField(default=False)
    hiv_test = _offer_field(OfferKind.HIV_TEST)
    hcv_test = _offer_field(OfferKind.HCV_TEST)
    hbv_test = _offer_field(OfferKind.HBV_TEST)
    hbv_vaccination = _offer_field(OfferKind.HBV_VACCINATION)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["patient", "given_at", "id"]
        indexes = [
            models.Index(fields=["patient", "-given_at"], name="harm_red_patient_given"),
            models.Index(fields=["clinic", "given_at"], name="harm_red_clinic_given"),
        ]
        constraints = [
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{supply}__gte": 0, f"{supply}__lte": ceiling}),
                    name=f"harm_red_{supply}_within_bounds",
                )
                for supply, ceiling in SUPPLY_CEILINGS.items()
            ],
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{kind}__in": Offer.values}),
                    name=f"harm_red_{kind}_known",
                )
                for kind in OfferKind.values
            ],
            # A contact records something: a supply, the training, or an offer.
            models.CheckConstraint(
                condition=Q(naloxone_kits__gt=0)
                | Q(injecting_equipment__gt=0)
                | Q(inhalation_kits__gt=0)
                | Q(overdose_training=True)
                | ~Q(**{kind: Offer.NOT_OFFERED for kind in OfferKind.values}),
                name="harm_red_records_something",
            ),
            models.CheckConstraint(
                condition=Q(given_at__lte=models.F("recorded_at")),
                name="harm_red_given_before_recorded",
            ),
        ]
        triggers = [_APPEND_ONLY]

    def __str__(self) -> str:
        return f"harm-reduction contact {self.pk} of patient {self.patient_id}"

    def supplies(self) -> list[tuple[str, int]]:
        return [
            (Supply(supply).label, getattr(self, supply))
            for supply in Supply.values
            if getattr(self, supply)
        ]

    def offers(self) -> list[tuple[str, str]]:
        return [
            (OfferKind(kind).label, Offer(getattr(self, kind)).label)
            for kind in OfferKind.values
            if getattr(self, kind) != Offer.NOT_OFFERED
        ]
