"""Eligibility, licences, consents and enrolment over JSON (issue 4, items 1-3).

Every handler validates with a schema, checks the role through patients.access.patient_for (a
patient of another clinic is "not found"), calls one enrolment service and returns its result.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Header, Router, Status

from openhat.clinics.api import caller
from openhat.clinics.roles import Capability
from openhat.core import idempotency
from openhat.core.errors import NotFound
from openhat.enrolment import reading, services
from openhat.enrolment.facts import FactsInput, MethadoneDoseInput, PriorTreatmentInput
from openhat.enrolment.models import (
    Consent,
    ConsentRevocation,
    EligibilityAssessment,
    Enrolment,
    PatientLicence,
    PhysicianDecision,
)
from openhat.enrolment.schemas import (
    ConsentIn,
    ConsentOut,
    EligibilityAssessmentIn,
    EligibilityAssessmentOut,
    EnrolIn,
    EnrolmentOut,
    FactsIn,
    LicenceIn,
    LicenceOut,
    RevocationIn,
)
from openhat.patients.access import patient_for
from openhat.patients.schemas import IDEMPOTENCY_KEY_MAX_LENGTH, ErrorOut

router = Router(tags=["enrolment"])

ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}
PATIENT = "/patients/{slug:code}"
IDEMPOTENCY_HELP = (
    "Send an `Idempotency-Key` header to make a retry safe: a repeat with the same key answers "
    "with the record written the first time and writes nothing more. Reusing a key for a "
    "different action is 409 `idempotency_key_reused`."
)


def _key(header: str | None) -> str | None:
    # One character over the limit is enough for the service to refuse it as too long.
    return (header or "")[: IDEMPOTENCY_KEY_MAX_LENGTH + 1] or None


def _facts_input(facts: FactsIn) -> FactsInput:
    return FactsInput(
        date_of_birth=facts.date_of_birth,
        years_dependent=facts.years_dependent,
        years_opioid_use=facts.years_opioid_use,
        years_injecting=facts.years_injecting,
        prior_treatments=None
        if facts.prior_treatments is None
        else [
            PriorTreatmentInput(
                kind=item.kind,
                started_on=item.started_on,
                ended_on=item.ended_on,
                outcome=item.outcome,
                max_daily_dose_mg=item.max_daily_dose_mg,
            )
            for item in facts.prior_treatments
        ],
        methadone_doses=None
        if facts.methadone_doses is None
        else [
            MethadoneDoseInput(
                started_on=item.started_on,
                ended_on=item.ended_on,
                daily_dose_mg=item.daily_dose_mg,
            )
            for item in facts.methadone_doses
        ],
        heroin_route=facts.heroin_route,
        share_of_days_injecting_last_90=facts.share_of_days_injecting_last_90,
        flags=dict(facts.flags),
        use_pattern=facts.use_pattern,
        health_and_social_problems=facts.health_and_social_problems,
    )


@router.get(
    f"{PATIENT}/eligibility",
    response={200: list[EligibilityAssessmentOut], **ERRORS},
    summary="Eligibility assessments, every version, each with the engine's result and sources",
    description=(
        "Roles that see identity get the date of birth, and the read is written to the access "
        "log; for other roles it is null in `facts` and hidden in the evidence "
        "(`identifiers_hidden` is true)."
    ),
)
def list_assessments(request: HttpRequest, code: str) -> Any:
    user = caller(request)
    patient, membership = patient_for(user, code, Capability.VIEW_CLINICAL)
    return reading.read_assessments(actor=user, patient=patient, role=membership.role)


@router.post(
    f"{PATIENT}/eligibility",
    response={201: EligibilityAssessmentOut, **ERRORS},
    summary="Sign an eligibility assessment (the next version): facts, decision, exception reason",
    description=(
        f"Physicians only. `decision` is one of {', '.join(PhysicianDecision.values)}; "
        "'exception' needs `exception_reason`. The engine's criteria are run on the facts and "
        "stored with the signed decision; a decision the criteria contradict is refused. "
        f"{IDEMPOTENCY_HELP}"
    ),
)
def sign_assessment(
    request: HttpRequest,
    code: str,
    payload: EligibilityAssessmentIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status[EligibilityAssessment]:
    user = caller(request)
    patient, membership = patient_for(user, code, Capability.ASSESS_ELIGIBILITY)
    assessment = services.assess_eligibility(
        actor=user,
        patient=patient,
        facts=_facts_input(payload.facts),
        decision=payload.decision,
        exception_reason=payload.exception_reason,
        assessed_on=payload.assessed_on,
        idempotency_key=_key(idempotency_key),
    )
    return Status(
        201,
        reading.signed_assessment(
            actor=user, patient=patient, role=membership.role, assessment=assessment
        ),
    )


@router.get(
    f"{PATIENT}/licences",
    response={200: list[LicenceOut], **ERRORS},
    summary="Patient licences (CH: the federal licence), oldest first",
    description=(
        "Roles that see identity get the licence number, and the read is written to the access "
        "log; for other roles `number` is null (`identifiers_hidden` is true)."
    ),
)
def list_licences(request: HttpRequest, code: str) -> Any:
    user = caller(request)
    patient, membership = patient_for(user, code, Capability.VIEW_CLINICAL)
    return reading.read_licences(actor=user, patient=patient, role=membership.role)


@router.post(
    f"{PATIENT}/licences",
    response={201: LicenceOut, **ERRORS},
    summary="Record a patient licence (number, authority, validity)",
    description=IDEMPOTENCY_HELP,
)
def record_licence(
    request: HttpRequest,
    code: str,
    payload: LicenceIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status[PatientLicence]:
    user = caller(request)
    patient, membership = patient_for(user, code, Capability.RECORD_CONSENT)
    licence = services.record_licence(
        actor=user,
        patient=patient,
        number=payload.number,
        authority=payload.authority,
        valid_from=payload.valid_from,
        valid_until=payload.valid_until,
        idempotency_key=_key(idempotency_key),
    )
    return Status(
        201,
        reading.recorded_licence(
            actor=user, patient=patient, role=membership.role, licence=licence
        ),
    )


@router.get(
    f"{PATIENT}/consents",
    response={200: list[ConsentOut], **ERRORS},
    summary="Consents (treatment, research, release of information) with any revocation",
)
def list_consents(request: HttpRequest, code: str) -> Any:
    patient, _ = patient_for(caller(request), code, Capability.VIEW_CLINICAL)
    return (
        Consent.objects.filter(patient=patient)
        .select_related("revocation")
        .order_by("given_on", "id")
    )


@router.post(
    f"{PATIENT}/consents",
    response={201: ConsentOut, **ERRORS},
    summary="Record a consent",
    description=(
        "A release of information (US 42 CFR Part 2 style) needs `recipient`, `purpose`, "
        "`expires_on` and `covers`; counselling notes need a consent of their own. An expiry in "
        f"the past is refused. {IDEMPOTENCY_HELP}"
    ),
)
def record_consent(
    request: HttpRequest,
    code: str,
    payload: ConsentIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status[Consent]:
    user = caller(request)
    patient, _ = patient_for(user, code, Capability.RECORD_CONSENT)
    consent = services.record_consent(
        actor=user,
        patient=patient,
        kind=payload.kind,
        given_on=payload.given_on,
        expires_on=payload.expires_on,
        recipient=payload.recipient,
        purpose=payload.purpose,
        covers=[str(item) for item in payload.covers],
        note=payload.note,
        idempotency_key=_key(idempotency_key),
    )
    return Status(201, consent)


@router.post(
    f"{PATIENT}/consents/{{int:consent_id}}/revoke",
    response={200: ConsentOut, **ERRORS},
    summary="Record that the patient revoked a consent (from today; the consent row stays)",
    description=idempotency.IDEMPOTENCY_HELP,
)
def revoke_consent(
    request: HttpRequest,
    code: str,
    consent_id: int,
    payload: RevocationIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Consent:
    user = caller(request)
    patient, _ = patient_for(user, code, Capability.RECORD_CONSENT)
    consent = Consent.objects.filter(patient=patient, pk=consent_id).first()
    if consent is None:
        raise NotFound("consent_not_found", "This patient has no such consent.", "consent_id")
    revocation = idempotency.once(
        user,
        idempotency.key_from_header(idempotency_key),
        f"enrolment.revoke_consent:{consent.pk}",
        ConsentRevocation,
        lambda: services.revoke_consent(actor=user, consent=consent, reason=payload.reason),
    )
    return revocation.consent


@router.post(
    f"{PATIENT}/enrol",
    response={201: EnrolmentOut, **ERRORS},
    summary="Enrol a patient being assessed, from a start date",
    description=(
        "Needs a signed eligibility assessment (eligible, or by exception), a treatment consent "
        "that holds on the start date and, where the preset requires it, a valid licence. "
        f"{idempotency.IDEMPOTENCY_HELP}"
    ),
)
def enrol(
    request: HttpRequest,
    code: str,
    payload: EnrolIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status[Enrolment]:
    user = caller(request)
    patient, _ = patient_for(user, code, Capability.ASSESS_ELIGIBILITY)
    enrolment = idempotency.once(
        user,
        idempotency.key_from_header(idempotency_key),
        f"enrolment.enrol:{patient.pk}",
        Enrolment,
        lambda: services.enrol(actor=user, patient=patient, start_date=payload.start_date),
    )
    return Status(201, enrolment)
