"""The only writers of urine drug screens and harm-reduction contacts.

Each function checks the actor's role in the patient's clinic (Capability.RECORD_SCREENS; a
patient of another clinic is NotFound), validates everything into a DomainError naming the field,
and then writes the row and its audit event in one transaction. A repeat with the same
idempotency key returns the row the first call wrote and writes nothing more.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from openhat.audit.codes import AuditCode
from openhat.audit.services import record_event
from openhat.clinics.access import require
from openhat.clinics.roles import Capability
from openhat.core import clock, idempotency
from openhat.core.bounds import OutOfBounds, check_date, check_text
from openhat.core.errors import Conflict, DomainError
from openhat.patients.models import Patient
from openhat.screens.models import HarmReductionContact, UrineDrugScreen
from openhat.screens.panel import (
    MAX_NOTE_LENGTH,
    SUBSTANCES,
    SUPPLY_CEILINGS,
    Offer,
    OfferKind,
    Result,
    SampleSetting,
    Supply,
)
from openhat.screens.street_heroin import street_heroin

SCREEN_OPERATION = "screens.record_screen"
HARM_REDUCTION_OPERATION = "screens.record_harm_reduction"


def _moment(value: Any, field: str, what: str) -> datetime:
    """An aware moment within the shared date bounds and not after now."""
    if not isinstance(value, datetime) or timezone.is_naive(value):
        raise DomainError(f"{field}_invalid", f"Give {what} as a date and time.", field)
    check_date(value, field)
    if value > clock.now():
        raise DomainError(
            f"{field}_in_future", f"{what.capitalize()} cannot be in the future.", field
        )
    return value


def _note(note: str) -> str:
    note = (note or "").strip()
    check_text(note, "note", multi_line=True)
    if len(note) > MAX_NOTE_LENGTH:
        raise OutOfBounds(
            "note_too_long", f"Keep the note within {MAX_NOTE_LENGTH} characters.", "note"
        )
    return note


def clean_results(results: Mapping[str, str]) -> dict[str, str]:
    """Every substance of the panel with its result; a substance left out was not tested."""
    unknown = sorted(set(results) - set(SUBSTANCES))
    if unknown:
        raise DomainError(
            "screen_substance_unknown",
            f"Unknown substance {unknown[0]!r}; the panel is: {', '.join(SUBSTANCES)}.",
            "results",
        )
    cleaned = {
        substance: str(results.get(substance) or Result.NOT_TESTED) for substance in SUBSTANCES
    }
    for substance, result in cleaned.items():
        if result not in Result.values:
            raise DomainError(
                "screen_result_unknown",
                f"The result for {substance} must be one of {', '.join(Result.values)}.",
                f"results.{substance}",
            )
    if all(result == Result.NOT_TESTED for result in cleaned.values()):
        raise DomainError(
            "screen_nothing_tested", "Record the result of at least one substance.", "results"
        )
    return cleaned


def _corrected(patient: Patient, corrects: UrineDrugScreen | None) -> UrineDrugScreen | None:
    if corrects is None:
        return None
    if corrects.patient_id != patient.pk:
        raise DomainError(
            "screen_correction_other_patient",
            "A correction replaces a screen of the same patient.",
            "corrects",
        )
    # Locked so two corrections of one screen cannot both pass this check.
    locked = UrineDrugScreen.objects.select_for_update().get(pk=corrects.pk)
    if UrineDrugScreen.objects.filter(corrects=locked).exists():
        raise Conflict(
            "screen_already_corrected",
            "This screen was already corrected; correct the newest version.",
            "corrects",
        )
    return locked


def record_screen(
    *,
    actor: User,
    patient: Patient,
    sampled_at: datetime,
    supervised: bool,
    setting: str,
    results: Mapping[str, str],
    note: str = "",
    corrects: UrineDrugScreen | None = None,
    idempotency_key: str | None = None,
) -> UrineDrugScreen:
    """Record a urine drug screen: when the sample was taken (never in the future), whether the
    collection was supervised, point-of-care or laboratory, and a result per substance. The
    street-heroin finding is derived from the markers (screens.street_heroin)."""
    require(actor, patient.clinic_id, Capability.RECORD_SCREENS)
    sampled_at = _moment(sampled_at, "sampled_at", "the sample time")
    if not isinstance(supervised, bool):
        raise DomainError(
            "supervised_invalid", "Say whether the sample was supervised.", "supervised"
        )
    if setting not in SampleSetting.values:
        raise DomainError(
            "screen_setting_unknown",
            f"Choose the setting: {', '.join(SampleSetting.values)}.",
            "setting",
        )
    cleaned = clean_results(results)
    note = _note(note)

    def work() -> UrineDrugScreen:
        replaced = _corrected(patient, corrects)
        screen = UrineDrugScreen.objects.create(
            clinic_id=patient.clinic_id,
            patient=patient,
            sampled_at=sampled_at,
            supervised=supervised,
            setting=setting,
            street_heroin=street_heroin(cleaned).value,
            note=note,
            corrects=replaced,
            recorded_by=actor,
            recorded_at=clock.now(),
            **cleaned,
        )
        record_event(
            AuditCode.URINE_SCREEN_RECORDED,
            actor=actor,
            clinic=patient.clinic,
            target=screen,
            data={
                "client_code": patient.client_code,
                "sampled_at": sampled_at,
                "street_heroin": screen.street_heroin,
                "corrects": replaced.pk if replaced else None,
            },
        )
        return screen

    return idempotency.once(actor, idempotency_key, SCREEN_OPERATION, UrineDrugScreen, work)


def clean_supplies(supplies: Mapping[str, Any]) -> dict[str, int]:
    unknown = sorted(set(supplies) - set(Supply.values))
    if unknown:
        raise DomainError(
            "supply_unknown",
            f"Unknown supply {unknown[0]!r}; use one of {', '.join(Supply.values)}.",
            "supplies",
        )
    cleaned: dict[str, int] = {}
    for supply in Supply.values:
        count = supplies.get(supply) or 0
        if isinstance(count, bool) or not isinstance(count, int):
            raise DomainError("supply_count_invalid", "Give each count as a whole number.", supply)
        if count < 0:
            raise DomainError("supply_count_negative", "A count cannot be negative.", supply)
        ceiling = SUPPLY_CEILINGS[supply]
        if count > ceiling:
            raise DomainError(
                "supply_count_too_large",
                f"At most {ceiling} {Supply(supply).label.lower()} per contact; record a larger "
                "hand-out as two contacts.",
                supply,
            )
        cleaned[supply] = count
    return cleaned


def clean_offers(offers: Mapping[str, str]) -> dict[str, str]:
    unknown = sorted(set(offers) - set(OfferKind.values))
    if unknown:
        raise DomainError(
            "offer_unknown",
            f"Unknown offer {unknown[0]!r}; use one of {', '.join(OfferKind.values)}.",
            "offers",
        )
    cleaned = {kind: str(offers.get(kind) or Offer.NOT_OFFERED) for kind in OfferKind.values}
    for kind, answer in cleaned.items():
        if answer not in Offer.values:
            raise DomainError(
                "offer_answer_unknown",
                f"The answer for {kind} must be one of {', '.join(Offer.values)}.",
                kind,
            )
    return cleaned


def record_harm_reduction(
    *,
    actor: User,
    patient: Patient,
    given_at: datetime,
    supplies: Mapping[str, Any],
    overdose_training: bool = False,
    offers: Mapping[str, str] | None = None,
    note: str = "",
    idempotency_key: str | None = None,
) -> HarmReductionContact:
    """Record what one harm-reduction contact gave and offered (counted for the outcomes)."""
    require(actor, patient.clinic_id, Capability.RECORD_SCREENS)
    given_at = _moment(given_at, "given_at", "the time of the contact")
    counts = clean_supplies(supplies)
    answers = clean_offers(offers or {})
    if not isinstance(overdose_training, bool):
        raise DomainError(
            "overdose_training_invalid", "Say whether training was given.", "overdose_training"
        )
    note = _note(note)
    if (
        not any(counts.values())
        and not overdose_training
        and all(answer == Offer.NOT_OFFERED for answer in answers.values())
    ):
        raise DomainError(
            "harm_reduction_empty",
            "Record a supply given, the overdose-response training, or a test or vaccination "
            "offered.",
            "supplies",
        )

    def work() -> HarmReductionContact:
        contact = HarmReductionContact.objects.create(
            clinic_id=patient.clinic_id,
            patient=patient,
            given_at=given_at,
            overdose_training=overdose_training,
            note=note,
            recorded_by=actor,
            recorded_at=clock.now(),
            **counts,
            **answers,
        )
        record_event(
            AuditCode.HARM_REDUCTION_RECORDED,
            actor=actor,
            clinic=patient.clinic,
            target=contact,
            data={"client_code": patient.client_code, "given_at": given_at, **counts},
        )
        return contact

    return idempotency.once(
        actor, idempotency_key, HARM_REDUCTION_OPERATION, HarmReductionContact, work
    )
