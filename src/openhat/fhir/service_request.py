"""Referrals as FHIR R4 ServiceRequest resources (fhir.resources.R4B, validated).

Status: planned is a draft plan; sent, accepted and attended are an active order; completed is
completed; declined and lost to follow-up ended before completion, which FHIR R4 calls
"revoked" (the OpenHAT stage is kept in a note). Category: SNOMED CT 3457005 "Patient referral",
from the example binding of ServiceRequest.category in FHIR R4.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.servicerequest import ServiceRequest

from openhat.care.models import Referral, ReferralStatus
from openhat.fhir.common import SNOMED, patient_reference
from openhat.fhir.consent import CONSENT_SYSTEM

REFERRAL_SYSTEM = "urn:openhat:referral"
REFERRAL_KIND_SYSTEM = "urn:openhat:referral-kind"

_STATUS: dict[str, str] = {
    ReferralStatus.PLANNED: "draft",
    ReferralStatus.SENT: "active",
    ReferralStatus.ACCEPTED: "active",
    ReferralStatus.ATTENDED: "active",
    ReferralStatus.COMPLETED: "completed",
    ReferralStatus.DECLINED: "revoked",
    ReferralStatus.LOST_TO_FOLLOW_UP: "revoked",
}


def service_request_resource(referral: Referral) -> ServiceRequest:
    stages = "; ".join(f"{label} {day}" for label, day in referral.stage_dates())
    notes: list[dict[str, Any]] = [{"text": f"Stages: {stages}."}]
    if referral.follow_up_on:
        notes.append({"text": f"Follow up on {referral.follow_up_on.isoformat()}."})
    if referral.status_note:
        notes.append({"text": referral.status_note})
    if referral.sends_data:
        notes.append({"text": f"Data sent: {', '.join(referral.sends_labels())}."})
    consents = list(referral.sent_under.all())
    return ServiceRequest.model_validate(
        {
            "resourceType": "ServiceRequest",
            "id": f"referral-{referral.pk}",
            "identifier": [{"system": REFERRAL_SYSTEM, "value": str(referral.pk)}],
            "status": _STATUS[referral.status],
            "intent": "plan" if referral.status == ReferralStatus.PLANNED else "order",
            "category": [
                {"coding": [{"system": SNOMED, "code": "3457005", "display": "Patient referral"}]}
            ],
            "code": {
                "coding": [{"system": REFERRAL_KIND_SYSTEM, "code": referral.kind}],
                "text": referral.get_kind_display(),
            },
            "subject": patient_reference(referral.patient.client_code),
            "authoredOn": referral.planned_on.isoformat(),
            "performer": [{"display": referral.partner.name}],
            "reasonCode": [{"text": referral.reason}],
            "supportingInfo": [
                {"identifier": {"system": CONSENT_SYSTEM, "value": str(c.pk)}, "type": "Consent"}
                for c in consents
            ]
            or None,
            "note": notes,
        }
    )
