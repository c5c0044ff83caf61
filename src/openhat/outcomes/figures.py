"""The figures a researcher may see on their start page: counts for one clinic, never a record.

Every count goes through the small-cell suppression (outcomes.suppression) before it is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Count

from openhat.clinics.models import Clinic
from openhat.core.clock import clinic_today
from openhat.dosing.models import Administration, DosingSession
from openhat.outcomes.suppression import Table, suppress, suppress_each
from openhat.patients.lifecycle import PatientStatus
from openhat.patients.models import Patient

# The recent period the activity figures cover.
RECENT_DAYS = 28


@dataclass(frozen=True)
class Figures:
    minimum: int
    patients: Table
    labels: dict[str, str]
    activity: Table
    activity_labels: dict[str, str]
    any_dosing: bool
    recent_days: int


def figures_for(clinic: Clinic) -> Figures:
    minimum = settings.OPENHAT_SMALL_CELL_MINIMUM
    by_status = dict(
        Patient.objects.filter(clinic=clinic)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    patients = {status.value: by_status.get(status.value, 0) for status in PatientStatus}
    since = clinic_today(clinic) - timedelta(days=RECENT_DAYS - 1)
    sessions = DosingSession.objects.filter(clinic=clinic, dosing_day__gte=since)
    doses = Administration.objects.filter(session__clinic=clinic, session__dosing_day__gte=since)
    activity = {
        "sessions": sessions.count(),
        "doses": doses.count(),
        "patients_dosed": doses.values("session__patient").distinct().count(),
    }
    return Figures(
        minimum=minimum,
        patients=suppress(patients, minimum),
        labels={status.value: status.label for status in PatientStatus},
        activity=suppress_each(activity, minimum),
        any_dosing=activity["sessions"] > 0,
        activity_labels={
            "sessions": "Dosing sessions",
            "doses": "Doses given",
            "patients_dosed": "Patients dosed at least once",
        },
        recent_days=RECENT_DAYS,
    )
