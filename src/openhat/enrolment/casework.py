"""The counsellor's start page (/casework/): the consents and patients that need them today.

Counsellors and case managers record consents, arrange housing, income and legal aid, and follow
up people who left or were suspended. The page lists, by client code only (opening a chart is
where identity is shown, and logged):

* consents that end within OPENHAT_CONSENT_EXPIRY_WARNING_DAYS, or ended as long ago, not revoked;
* patients being assessed, or referred, who have no treatment consent in force;
* patients suspended or exited within the same number of days, for follow-up.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from openhat.clinics.models import Clinic
from openhat.clinics.roles import Capability
from openhat.clinics.view_helpers import domain_errors_as_pages, working_membership
from openhat.core.clock import clinic_today
from openhat.enrolment.models import Consent, ConsentKind
from openhat.patients.lifecycle import PatientStatus
from openhat.patients.models import Patient, StatusChange

LIST_LIMIT = 50


def consents_ending(clinic: Clinic, today: Any, days: int) -> list[dict[str, Any]]:
    rows = (
        Consent.objects.filter(
            patient__clinic=clinic,
            expires_on__isnull=False,
            expires_on__gte=today - timedelta(days=days),
            expires_on__lte=today + timedelta(days=days),
        )
        .filter(Q(revocation__isnull=True) | Q(revocation__revoked_on__gt=today))
        .select_related("patient")
        .order_by("expires_on", "id")[:LIST_LIMIT]
    )
    return [
        {"consent": consent, "days_left": (consent.expires_on - today).days}
        for consent in rows
        if consent.expires_on is not None
    ]


def waiting_for_treatment_consent(clinic: Clinic, today: Any) -> list[Patient]:
    in_force = Consent.objects.filter(
        patient=OuterRef("pk"), kind=ConsentKind.TREATMENT, given_on__lte=today
    ).filter(
        (Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        & (Q(revocation__isnull=True) | Q(revocation__revoked_on__gt=today))
    )
    return list(
        Patient.objects.filter(
            clinic=clinic, status__in=[PatientStatus.REFERRED, PatientStatus.ASSESSING]
        )
        .filter(~Exists(in_force))
        .order_by("number")[:LIST_LIMIT]
    )


def recently_left(clinic: Clinic, today: Any, days: int) -> list[StatusChange]:
    return list(
        StatusChange.objects.filter(
            patient__clinic=clinic,
            to_status__in=[PatientStatus.SUSPENDED, PatientStatus.EXITED],
            effective_date__gte=today - timedelta(days=days),
        )
        .select_related("patient")
        .order_by("-effective_date", "-id")[:LIST_LIMIT]
    )


@login_required
@require_GET
@domain_errors_as_pages
def start(request: HttpRequest) -> HttpResponse:
    clinic = working_membership(request, Capability.RECORD_CONSENT).clinic
    today = clinic_today(clinic)
    days = settings.OPENHAT_CONSENT_EXPIRY_WARNING_DAYS
    return render(
        request,
        "enrolment/casework.html",
        {
            "clinic": clinic,
            "days": days,
            "ending": consents_ending(clinic, today, days),
            "waiting": waiting_for_treatment_consent(clinic, today),
            "left": recently_left(clinic, today, days),
        },
    )


app_name = "casework"
urlpatterns = [path("", start, name="start")]
