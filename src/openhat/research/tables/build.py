"""All tables of one export, in the order the dictionary lists them."""

from __future__ import annotations

from openhat.clinics.models import Clinic
from openhat.research.tables.base import Subjects, Table
from openhat.research.tables.dosing import adverse_events_table, doses_table, sessions_table
from openhat.research.tables.people import patients_table
from openhat.research.tables.records import interviews_table, orders_table, urine_screens_table

TABLE_NAMES = (
    "patients",
    "orders",
    "sessions",
    "doses",
    "adverse_events",
    "urine_screens",
    "interviews",
)


def build_tables(subjects: Subjects, clinic: Clinic) -> list[Table]:
    return [
        patients_table(subjects),
        orders_table(subjects, clinic),
        sessions_table(subjects),
        doses_table(subjects),
        adverse_events_table(subjects, clinic),
        urine_screens_table(subjects, clinic),
        interviews_table(subjects),
    ]
