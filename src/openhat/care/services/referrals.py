"""Partner services and referrals: plan a referral, move it through its stages, follow it up.

Sending is where data may leave the clinic: a referral that sends patient data is refused unless
release-of-information consents cover every category for its partner on the day it is sent
(openhat.care.release).
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from openhat.audit.codes import AuditCode
from openhat.audit.services import record_event
from openhat.care import transitions
from openhat.care.inputs import (
    PartnerInput,
    ReferralInput,
    choice,
    clean_categories,
    clean_partner,
    day,
    not_in_future,
    note,
)
from openhat.care.models import (
    OPEN_STATUSES,
    PartnerService,
    Referral,
    ReferralKind,
    ReferralStatus,
)
from openhat.care.release import consents_for_sending
from openhat.clinics.access import require
from openhat.clinics.models import Clinic
from openhat.clinics.roles import Capability
from openhat.core import idempotency
from openhat.core.clock import clinic_today
from openhat.core.errors import Conflict, DomainError
from openhat.patients.models import Patient
from openhat.patients.records import refuse_merged

PARTNER_OPERATION = "care.save_partner"
PLAN_OPERATION = "care.plan_referral"
STATUS_OPERATION = "care.referral_status"
FOLLOW_UP_OPERATION = "care.referral_follow_up"

# A reason is asked for when a referral ends without the service being used.
_NEEDS_A_NOTE = (ReferralStatus.DECLINED, ReferralStatus.LOST_TO_FOLLOW_UP)


def save_partner_service(
    *,
    actor: User,
    clinic: Clinic,
    partner: PartnerInput,
    service: PartnerService | None = None,
    idempotency_key: str | None = None,
) -> PartnerService:
    """Add a partner service to the clinic's directory, or change one (`service`)."""
    require(actor, clinic, Capability.MANAGE_PARTNERS)
    if service is not None and service.clinic_id != clinic.pk:
        raise DomainError("partner_not_found", "No such partner service in this clinic.", "partner")
    cleaned = clean_partner(partner)

    def work() -> PartnerService:
        row = (
            PartnerService(clinic=clinic)
            if service is None
            else PartnerService.objects.select_for_update().get(pk=service.pk)
        )
        row.name, row.kinds = cleaned.name, cleaned.kinds
        row.contact, row.note, row.is_active = cleaned.contact, cleaned.note, cleaned.is_active
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            raise Conflict(
                "partner_name_taken",
                f"The directory already lists {cleaned.name}.",
                "name",
            ) from None
        record_event(
            AuditCode.PARTNER_SERVICE_SAVED,
            actor=actor,
            clinic=clinic,
            target=row,
            data={"name": row.name, "kinds": row.kinds, "active": row.is_active},
        )
        return row

    return idempotency.once(actor, idempotency_key, PARTNER_OPERATION, PartnerService, work)


def _partner_for(patient: Patient, partner_id: int, kind: str) -> PartnerService:
    partner = PartnerService.objects.filter(pk=partner_id, clinic_id=patient.clinic_id).first()
    if partner is None:
        raise DomainError("partner_not_found", "No such partner service in this clinic.", "partner")
    if not partner.is_active:
        raise DomainError(
            "partner_inactive", f"{partner.name} is no longer in use; choose another.", "partner"
        )
    if kind not in partner.kinds:
        raise DomainError(
            "partner_does_not_offer_kind",
            f"{partner.name} does not offer {ReferralKind(kind).label.lower()}.",
            "partner",
        )
    return partner


def plan_referral(
    *,
    actor: User,
    patient: Patient,
    referral: ReferralInput,
    idempotency_key: str | None = None,
) -> Referral:
    """Plan a referral to a partner service, with the day it is next followed up."""
    require(actor, patient.clinic_id, Capability.WRITE_CARE)
    today = clinic_today(patient.clinic)
    planned_on = not_in_future(referral.planned_on or today, today, "planned_on", "The date")
    kind = choice(referral.kind, ReferralKind.values, "kind", "kind of referral")
    reason = note(referral.reason, "reason", required=True)
    categories = clean_categories(referral.sends_data)
    follow_up_on = _follow_up(referral.follow_up_on, planned_on)
    partner = _partner_for(patient, referral.partner_id, kind)

    def work() -> Referral:
        current = Patient.objects.select_for_update(no_key=True, of=("self",)).get(pk=patient.pk)
        refuse_merged(current)
        row = Referral.objects.create(
            clinic_id=current.clinic_id,
            patient=current,
            kind=kind,
            partner=partner,
            reason=reason,
            sends_data=categories,
            planned_on=planned_on,
            follow_up_on=follow_up_on,
            created_by=actor,
        )
        record_event(
            AuditCode.REFERRAL_PLANNED,
            actor=actor,
            clinic=patient.clinic,
            target=row,
            data={
                "patient": current.client_code,
                "kind": kind,
                "partner": partner.name,
                "sends_data": categories,
            },
        )
        return row

    return idempotency.once(actor, idempotency_key, PLAN_OPERATION, Referral, work)


def _follow_up(follow_up_on: date | None, on: date) -> date:
    if follow_up_on is None:
        raise DomainError(
            "follow_up_on_required", "Give the day to follow this referral up.", "follow_up_on"
        )
    day(follow_up_on, "follow_up_on")
    if follow_up_on < on:
        raise DomainError(
            "follow_up_before_date",
            f"The follow-up cannot be before {on.isoformat()}.",
            "follow_up_on",
        )
    return follow_up_on


def _last_stage_date(referral: Referral) -> date:
    dates = [referral.planned_on, referral.sent_on, referral.accepted_on, referral.attended_on]
    return max(d for d in dates if d is not None)


def change_referral_status(
    *,
    actor: User,
    referral: Referral,
    status: str,
    on: date | None = None,
    follow_up_on: date | None = None,
    note_text: str = "",
    idempotency_key: str | None = None,
) -> Referral:
    """Move the referral to `status` on `on` (default today), if that move is legal.

    An open status needs the next follow-up date; declined and lost to follow-up need a note.
    Sending with data needs the release consents (openhat.care.release).
    """
    require(actor, referral.clinic_id, Capability.WRITE_CARE)
    wanted = choice(status, ReferralStatus.values, "status", "status")
    text = note(note_text, "note")
    if wanted in _NEEDS_A_NOTE and not text:
        raise DomainError("note_required", "Say why the referral ended this way.", "note")

    def work() -> Referral:
        current = (
            Referral.objects.select_for_update(of=("self",))
            .select_related("clinic", "patient", "partner")
            .get(pk=referral.pk)
        )
        today = clinic_today(current.clinic)
        when = not_in_future(on or today, today, "on", "The date")
        if not transitions.is_allowed(current.status, wanted):
            allowed = ", ".join(transitions.allowed_next(current.status)) or "none: it has ended"
            raise Conflict(
                "referral_transition_not_allowed",
                f"A referral that is {ReferralStatus(current.status).label.lower()} cannot become "
                f"{ReferralStatus(wanted).label.lower()}; next may be: {allowed}.",
                "status",
            )
        if when < _last_stage_date(current):
            raise DomainError(
                "date_before_last_stage",
                f"The date cannot be before the referral's last stage "
                f"({_last_stage_date(current).isoformat()}).",
                "on",
            )
        consents = []
        if wanted == ReferralStatus.SENT:
            consents = consents_for_sending(
                current.patient,
                recipient=current.partner.name,
                categories=list(current.sends_data),
                on=when,
            )
        before = current.status
        setattr(current, transitions.DATE_FIELD[wanted], when)
        current.status = wanted
        current.follow_up_on = _follow_up(follow_up_on, when) if wanted in OPEN_STATUSES else None
        if text:
            current.status_note = text
        current.save()
        if consents:
            current.sent_under.add(*consents)
        record_event(
            AuditCode.REFERRAL_STATUS_CHANGED,
            actor=actor,
            clinic=current.clinic,
            target=current,
            data={
                "patient": current.patient.client_code,
                "from": before,
                "to": wanted,
                "on": when.isoformat(),
                "consents": [c.pk for c in consents],
            },
        )
        return current

    return idempotency.once(actor, idempotency_key, STATUS_OPERATION, Referral, work)


def set_follow_up(
    *,
    actor: User,
    referral: Referral,
    follow_up_on: date,
    note_text: str = "",
    idempotency_key: str | None = None,
) -> Referral:
    """Move an open referral's follow-up to another day (e.g. after a call that changed nothing)."""
    require(actor, referral.clinic_id, Capability.WRITE_CARE)
    text = note(note_text, "note")

    def work() -> Referral:
        current = (
            Referral.objects.select_for_update(of=("self",))
            .select_related("clinic", "patient")
            .get(pk=referral.pk)
        )
        if not current.is_open:
            raise Conflict(
                "referral_ended", "This referral has ended; it has no follow-up.", "status"
            )
        today = clinic_today(current.clinic)
        current.follow_up_on = _follow_up(follow_up_on, max(today, _last_stage_date(current)))
        if text:
            current.status_note = text
        current.save(update_fields=["follow_up_on", "status_note", "updated_at"])
        record_event(
            AuditCode.REFERRAL_FOLLOW_UP_SET,
            actor=actor,
            clinic=current.clinic,
            target=current,
            data={"patient": current.patient.client_code, "follow_up_on": follow_up_on.isoformat()},
        )
        return current

    return idempotency.once(actor, idempotency_key, FOLLOW_UP_OPERATION, Referral, work)
