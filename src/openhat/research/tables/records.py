"""Urine screens, outcome interviews and orders of the included patients."""

from __future__ import annotations

from typing import Any

from openhat.clinics.models import Clinic
from openhat.core.clock import clinic_today
from openhat.interviews.definition import Item
from openhat.interviews.loader import definition_of
from openhat.interviews.models import Instrument, Interview, InterviewStatus, MissedReason
from openhat.prescribing.models import OrderVersion
from openhat.research.tables.base import (
    Column,
    Subjects,
    Table,
    Value,
    choices_of,
    day_column,
    sort_rows,
    yes_no,
)
from openhat.research.tables.dosing import DRUGS
from openhat.rules.doses import Phase
from openhat.screens.models import UrineDrugScreen
from openhat.screens.panel import (
    SUBSTANCES,
    Result,
    SampleSetting,
    StreetHeroinFinding,
    Substance,
)

UDS_PREFIX = "uds_"
ITEM_PREFIX = "iv_"


def urine_screens_table(subjects: Subjects, clinic: Clinic) -> Table:
    table = Table(
        "urine_screens",
        "Urine drug screens",
        "One row per urine drug screen as last corrected (a corrected entry is replaced by its "
        "correction). The street-heroin flag is derived from the street markers (docs/domain.md "
        "§12); the screen's note stays in the clinic.",
        [
            Column("pseudonym", "text", "Pseudonym"),
            day_column("uds_day", "Day sampled", subjects),
            Column("uds_supervised", "yesno", "Sample supervised"),
            Column("uds_setting", "choice", "Where tested", choices=choices_of(SampleSetting)),
            *[
                Column(
                    f"{UDS_PREFIX}{substance}",
                    "choice",
                    Substance(substance).label,
                    choices=choices_of(Result),
                )
                for substance in SUBSTANCES
            ],
            Column(
                "uds_street_heroin",
                "choice",
                "Street heroin (from the markers)",
                choices=choices_of(StreetHeroinFinding),
            ),
        ],
    )
    screens = UrineDrugScreen.objects.filter(
        patient_id__in=list(subjects.survivor_of), corrected_by__isnull=True
    )
    for screen in screens:
        row: dict[str, Value] = {
            "pseudonym": subjects.of(screen.patient_id).pseudonym,
            "uds_day": subjects.day(screen.patient_id, clinic_today(clinic, screen.sampled_at)),
            "uds_supervised": yes_no(screen.supervised),
            "uds_setting": screen.setting,
            "uds_street_heroin": screen.street_heroin,
        }
        for substance, result in screen.results().items():
            row[f"{UDS_PREFIX}{substance}"] = result
        table.add(row)
    return sort_rows(table, "pseudonym", "uds_day")


def _item_column(item: Item, recall_days: int) -> Column:
    label = item.prompt(recall_days)
    if item.type == "yes_no":
        return Column(f"{ITEM_PREFIX}{item.code}", "yesno", label)
    if item.type == "choice":
        return Column(f"{ITEM_PREFIX}{item.code}", "choice", label, choices=item.options)
    bounds = f"{item.minimum} to {item.maximum if item.maximum is not None else recall_days}"
    return Column(f"{ITEM_PREFIX}{item.code}", "integer", label, note=bounds)


def _answer(value: Any) -> Value:
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, int | str):
        return value
    return None


def interviews_table(subjects: Subjects) -> Table:
    interviews = list(
        Interview.objects.filter(patient_id__in=list(subjects.survivor_of)).select_related(
            "instrument"
        )
    )
    # The answers' columns: every item of every instrument version answered, in file order.
    used = {i.instrument_id for i in interviews if i.instrument_id is not None}
    item_columns: dict[str, Column] = {}
    for instrument in Instrument.objects.filter(pk__in=used).order_by("key", "version"):
        definition = definition_of(instrument)
        for item in definition.items:
            column = _item_column(item, instrument.recall_days)
            item_columns.setdefault(column.name, column)
    table = Table(
        "interviews",
        "Outcome interviews",
        "One row per interview time point recorded (answered or missed), with the core items' "
        "answers in columns iv_<item>; notes and reasons written as text stay in the clinic.",
        [
            Column("pseudonym", "text", "Pseudonym"),
            Column("interview_time_point", "text", "Time point (intake, month_N, exit)"),
            Column(
                "interview_status",
                "choice",
                "Answered or missed",
                choices=choices_of(InterviewStatus),
            ),
            day_column("interview_day", "Day interviewed (or recorded as missed)", subjects),
            Column(
                "interview_missed_reason",
                "choice",
                "Why it was missed",
                choices=choices_of(MissedReason),
            ),
            Column("interview_instrument", "text", "Instrument key:version"),
            *item_columns.values(),
        ],
    )
    for interview in interviews:
        answered_with = interview.instrument
        row: dict[str, Value] = {
            "pseudonym": subjects.of(interview.patient_id).pseudonym,
            "interview_time_point": interview.time_point,
            "interview_status": interview.status,
            "interview_day": subjects.day(interview.patient_id, interview.on_date),
            "interview_missed_reason": interview.missed_reason or None,
            "interview_instrument": (
                f"{answered_with.key}:{answered_with.version}"
                if answered_with is not None
                else None
            ),
        }
        for name in item_columns:
            row[name] = _answer(interview.answers.get(name.removeprefix(ITEM_PREFIX)))
        table.add(row)
    return sort_rows(table, "pseudonym", "interview_day", "interview_time_point")


def orders_table(subjects: Subjects, clinic: Clinic) -> Table:
    table = Table(
        "orders",
        "Orders",
        "One row per signed version of a medication order: drug, routes and dose range. The "
        "reasons, instructions and signers stay in the clinic.",
        [
            Column("pseudonym", "text", "Pseudonym"),
            Column(
                "order_number", "integer", "The patient's order, numbered from 1 by first signing"
            ),
            Column("order_version", "integer", "Version of the order (1 = as first signed)"),
            Column("order_drug", "choice", "Drug", choices=DRUGS),
            Column("order_routes", "text", "Routes allowed, separated by |"),
            Column(
                "order_phase", "choice", "Phase", choices=tuple((p.value, p.value) for p in Phase)
            ),
            Column("order_dose_min_mg", "decimal", "Smallest single dose", unit="mg"),
            Column("order_dose_max_mg", "decimal", "Largest single dose", unit="mg"),
            Column("order_daily_max_mg", "decimal", "Daily maximum", unit="mg"),
            Column("order_sessions_per_day", "integer", "Sessions a day at most"),
            day_column("order_start_day", "In force from", subjects),
            day_column("order_end_day", "Replaced or ended on (empty: still in force)", subjects),
        ],
    )
    versions = list(
        OrderVersion.objects.filter(patient_id__in=list(subjects.survivor_of)).order_by(
            "line__created_at", "line_id", "number"
        )
    )
    numbers: dict[int, int] = {}
    per_person: dict[int, int] = {}
    for version in versions:
        root = subjects.survivor_of[version.patient_id]
        if version.line_id not in numbers:
            per_person[root] = per_person.get(root, 0) + 1
            numbers[version.line_id] = per_person[root]
        table.add(
            {
                "pseudonym": subjects.of(version.patient_id).pseudonym,
                "order_number": numbers[version.line_id],
                "order_version": version.number,
                "order_drug": version.drug,
                "order_routes": "|".join(version.routes),
                "order_phase": version.phase,
                "order_dose_min_mg": version.dose_min_mg,
                "order_dose_max_mg": version.dose_max_mg,
                "order_daily_max_mg": version.daily_max_mg,
                "order_sessions_per_day": version.sessions_per_day,
                "order_start_day": subjects.day(
                    version.patient_id, clinic_today(clinic, version.starts_at)
                ),
                "order_end_day": subjects.day(
                    version.patient_id,
                    clinic_today(clinic, version.ends_at) if version.ends_at else None,
                ),
            }
        )
    return sort_rows(table, "pseudonym", "order_number", "order_version")
