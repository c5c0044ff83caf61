"""Patient lookups, always scoped through the clinics access helper."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from openhat.clinics.access import AnyUser, require, scope_to_user
from openhat.clinics.models import StaffMembership
from openhat.clinics.roles import Capability
from openhat.core.errors import NotFound
from openhat.patients.models import Patient

# The code is not echoed: a response about another clinic's patient must not contain its code.
_NOT_FOUND_MESSAGE = "No such patient in your clinics."


def patient_for(
    user: AnyUser, client_code: str, capability: Capability
) -> tuple[Patient, StaffMembership]:
    """The patient with this code in one of the user's clinics, and the membership allowing `capability`.

    A code from another clinic is reported exactly like an unknown code.
    """
    code = (client_code or "").strip().upper()
    patient = Patient.objects.select_related("clinic").filter(client_code=code).first()
    if patient is None:
        raise NotFound("patient_not_found", _NOT_FOUND_MESSAGE, "client_code")
    try:
        membership = require(user, patient.clinic, capability)
    except NotFound:
        raise NotFound("patient_not_found", _NOT_FOUND_MESSAGE, "client_code") from None
    return patient, membership


def search_patients(
    user: AnyUser, clinic_id: int, query: str = "", status: str = ""
) -> QuerySet[Patient]:
    patients = scope_to_user(Patient.objects.all(), user, Capability.VIEW_PATIENTS).filter(
        clinic_id=clinic_id
    )
    query = query.strip().upper()
    if query:
        # Staff type "42", "0042" or "ZRH-0042": match the code or the number.
        number_filter = Q(number=int(query.lstrip("0") or "0")) if query.isdigit() else Q()
        patients = patients.filter(Q(client_code__contains=query) | number_filter)
    if status:
        patients = patients.filter(status=status)
    return patients.order_by("number")
