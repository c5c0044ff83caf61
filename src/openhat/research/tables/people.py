"""The subjects (pseudonym, date shift, first dose) and the patients table."""

from __future__ import annotations

from datetime import date

from django.db.models import Min

from openhat.dosing.models import Administration
from openhat.patients.lifecycle import ExitReason, PatientStatus
from openhat.patients.models import Patient, PatientIdentity, Sex, StatusChange
from openhat.research.consent_basis import ConsentBasis
from openhat.research.pseudonyms import date_shift_days, pseudonym
from openhat.research.tables.base import (
    Column,
    Subject,
    Subjects,
    Table,
    choices_of,
    day_column,
    sort_rows,
)

# Age at the start of treatment in ten-year bands (local: wide enough that a band with the sex
# and the start month does not single a person out in a clinic of a few hundred; the trials
# report mean ages near 40, so the bands split there).
AGE_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 24, "under 25"),
    (25, 34, "25-34"),
    (35, 44, "35-44"),
    (45, 54, "45-54"),
    (55, 64, "55-64"),
    (65, None, "65 and over"),
)


def age_band(born: date | None, on: date | None) -> str | None:
    if born is None or on is None:
        return None
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return next(
        label for low, high, label in AGE_BANDS if age >= low and (high is None or age <= high)
    )


def subjects_for(basis: ConsentBasis, secret: bytes, date_mode: str) -> Subjects:
    record_ids = [pk for pks in basis.records.values() for pk in pks]
    survivor_of = {pk: root for root, pks in basis.records.items() for pk in pks}
    first_dose: dict[int, date] = {}
    for patient_id, session_day in (
        Administration.objects.filter(patient_id__in=record_ids)
        .values("patient_id")
        .annotate(first=Min("session__dosing_day"))
        .values_list("patient_id", "first")
    ):
        root = survivor_of[patient_id]
        first_dose[root] = min(first_dose.get(root, session_day), session_day)
    people = {
        root: Subject(pseudonym(secret, root), date_shift_days(secret, root), first_dose.get(root))
        for root in basis.records
    }
    return Subjects(date_mode, people, survivor_of)


def patients_table(subjects: Subjects) -> Table:
    table = Table(
        "patients",
        "Patients",
        "One row per included patient (records of one person merged into one).",
        [
            Column("pseudonym", "text", "Pseudonym (keyed per study; the record id)"),
            Column("sex", "choice", "Sex", choices=choices_of(Sex)),
            Column(
                "age_band_at_start",
                "choice",
                "Age at the start of treatment",
                choices=tuple((label, label) for _low, _high, label in AGE_BANDS),
            ),
            day_column("start_day", "Start of treatment (first enrolled)", subjects),
            day_column("first_dose_day", "First dose", subjects),
            Column(
                "status",
                "choice",
                "Status on the export day",
                choices=choices_of(PatientStatus),
            ),
            day_column("exit_day", "Exit", subjects),
            Column("exit_reason", "choice", "Exit reason", choices=choices_of(ExitReason)),
        ],
    )
    roots = list(subjects.people)
    starts: dict[int, date] = {}
    # The first day in treatment: the first change of status to enrolled (patients.StatusChange,
    # the source of retention), whatever the path there.
    for patient_id, start in StatusChange.objects.filter(
        patient_id__in=list(subjects.survivor_of), to_status=PatientStatus.ENROLLED
    ).values_list("patient_id", "effective_date"):
        root = subjects.survivor_of[patient_id]
        starts[root] = min(starts.get(root, start), start)
    identities = {
        row.patient_id: row
        for row in PatientIdentity.objects.filter(patient_id__in=roots).only(
            "patient_id", "sex", "date_of_birth"
        )
    }
    for patient in Patient.objects.filter(pk__in=roots):
        subject = subjects.people[patient.pk]
        identity = identities.get(patient.pk)
        started = starts.get(patient.pk)
        table.add(
            {
                "pseudonym": subject.pseudonym,
                "sex": identity.sex if identity else Sex.UNKNOWN.value,
                "age_band_at_start": age_band(
                    identity.date_of_birth if identity else None, started or subject.first_dose
                ),
                "start_day": subjects.day(patient.pk, started),
                "first_dose_day": subjects.day(patient.pk, subject.first_dose),
                "status": patient.status,
                "exit_day": subjects.day(patient.pk, patient.exit_date),
                "exit_reason": patient.exit_reason or None,
            }
        )
    return sort_rows(table, "pseudonym")
