"""A generated clinic for the outcomes benchmark: N patients whose starts spread over Y years.

Made through the services (bench/dose_clinic.build_clinic, a ca-crism clinic): the patients,
their eligibility, consents, enrolment (dated from today minus up to Y years, uniformly) and a
signed DAM (~80%) or HDM maintenance order; exits (`patients.services.change_status`) drawn
so that ~88% are still in treatment after 12 months (a constant hazard; NAOMI's DAM arm kept
87.8% at 12 months, CLINIC.md §8), ~40% of them switches to oral OAT, the rest dropouts,
incarceration, abstinence or transfer.

The history is bulk-inserted in SQL (the services are far too slow for ~400,000 doses): for
each day from the start to the day before the exit (or yesterday), ~90% of days attended, the
morning and midday sessions always and the evening on ~60% of attended days (~2.6 injections
per attended day), each a complete session (check-in, pre-dose assessment, decision,
administration, post-dose assessment, sign-off) within the models' constraints; an adverse
event for about one injection in 4,000 (a third of them an overdose given naloxone); urine
screens every 2-4 weeks (street-heroin markers positive in ~60% at the start, ~20% after six
months); interviews at intake, 3, 6 and 12 months (~85% done, the rest missed) whose answers
improve over the year (street-heroin days 26 -> ~5, the demo's NAOMI-like figures).

FOR TIMING READS ONLY: the decisions, administrations and adverse events are hash-chained
(`audit.models.SelfChainedRow`); the bulk rows take their clinic's chain key and consecutive
chain positions, but their hashes are a placeholder (key id `bench`, all zeros), not the HMAC
chain the services compute, and no audit event is written for them. the chain verifiers
(`openhat sessions verify`) would reject such rows (not tried). The row-history triggers (pghistory) are skipped
for the bulk load, and no stock is drawn from the ledger (issued_entry is empty).
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pgtrigger
from django.contrib.auth.models import User
from django.db import connection, transaction

from dose_clinic import BenchClinic, build_clinic
from openhat.clinics.models import Clinic
from openhat.core.clock import clinic_today
from openhat.dosing.models import SessionDecision
from openhat.enrolment.models import Enrolment
from openhat.interviews.loader import load_shipped_instruments
from openhat.interviews.models import Instrument, Interview, InterviewStatus, MissedReason
from openhat.patients.lifecycle import ExitReason, PatientStatus
from openhat.patients.models import Patient
from openhat.patients.services import change_status
from openhat.prescribing.models import OrderLine
from openhat.screens.models import UrineDrugScreen
from openhat.screens.panel import Result, SampleSetting
from openhat.screens.street_heroin import STREET_MARKERS, StreetHeroin

GENERATED_CODE = "GEN"
RETAINED_AT_12_MONTHS = 0.88  # NAOMI's DAM arm, 87.8% (CLINIC.md §8): the exit hazard
EXIT_REASONS = (  # local: a plausible mix, ~40% to oral OAT
    (ExitReason.ORAL_OAT, 40),
    (ExitReason.DROPOUT, 30),
    (ExitReason.INCARCERATION, 10),
    (ExitReason.ABSTINENCE, 10),
    (ExitReason.TRANSFER, 10),
)
POINTS = (("intake", 0), ("month_3", 3), ("month_6", 6), ("month_12", 12))
PLACEHOLDER_HASH = "0" * 64

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Generated:
    clinic_id: int
    patients: int
    exits: int
    sessions: int
    administrations: int
    adverse_events: int
    screens: int
    interviews: int


def generate_clinic(
    *,
    patients: int = 150,
    years: float = 3.0,
    code: str = GENERATED_CODE,
    seed: int = 20261207,
    progress: Progress | None = None,
) -> Generated:
    days = max(1, round(365 * years))
    bench = build_clinic(
        patients=patients,
        nurses=1,
        hdm_share=0.2,
        doses_needed_mg=Decimal(20_000),
        code=code,
        enrolled_days_ago=(1, days),
        seed=seed,
        progress=progress,
    )
    clinic = Clinic.objects.get(pk=bench.clinic_id)
    today = clinic_today(clinic)
    staff = {
        role: User.objects.get(username=f"bench-{code.lower()}-{role}")
        for role in ("physician", "nurse-00")
    }
    rng = random.Random(seed)
    spans = _exits(bench, clinic, staff["physician"], today, rng)
    exits = sum(1 for _, _, exited in spans.values() if exited)
    _history(bench, clinic, staff["nurse-00"], spans, today)
    _screens(clinic, staff["nurse-00"], spans, rng)
    _interviews(clinic, staff["nurse-00"], spans, today, rng)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return Generated(
        clinic.pk,
        patients,
        exits,
        _count("dosing_dosingsession", clinic.pk),
        _count("dosing_administration", clinic.pk),
        _count("dosing_adverseevent", clinic.pk),
        _count("screens_urinedrugscreen", clinic.pk),
        _count("interviews_interview", clinic.pk),
    )


def _count(table: str, clinic_id: int) -> int:
    with connection.cursor() as cursor:
        sql = f"SELECT count(*) FROM {table} WHERE clinic_id = %s"  # noqa: S608 (our names)
        cursor.execute(sql, [clinic_id])
        return int(cursor.fetchone()[0])


def _exits(
    bench: BenchClinic, clinic: Clinic, physician: User, today: date, rng: random.Random
) -> dict[int, tuple[date, date, bool]]:
    """patient -> (first day, last day dosed, exited); exits through the service."""
    hazard = -math.log(RETAINED_AT_12_MONTHS) / 365
    reasons = [reason for reason, weight in EXIT_REASONS for _ in range(weight)]
    starts = dict(Enrolment.objects.filter(clinic=clinic).values_list("patient_id", "start_date"))
    spans: dict[int, tuple[date, date, bool]] = {}
    for patient in bench.patients:
        start = starts[patient.id]
        exit_on = start + timedelta(days=1 + int(rng.expovariate(hazard)))
        if exit_on < today:
            change_status(
                actor=physician,
                patient=Patient.objects.select_related("clinic").get(pk=patient.id),
                to_status=PatientStatus.EXITED,
                effective_date=exit_on,
                exit_reason=rng.choice(reasons),
            )
            spans[patient.id] = (start, exit_on - timedelta(days=1), True)
        else:
            spans[patient.id] = (start, today - timedelta(days=1), False)
    return spans


def _history(
    bench: BenchClinic,
    clinic: Clinic,
    nurse: User,
    spans: dict[int, tuple[date, date, bool]],
    today: date,
) -> None:
    template = SessionDecision.objects.filter(verdict="dose").order_by("-pk").first()
    lines = dict(OrderLine.objects.filter(clinic=clinic).values_list("patient_id", "pk"))
    dosed = [p for p in bench.patients if spans[p.id][1] >= spans[p.id][0]]
    params: dict[str, Any] = {
        "clinic": clinic.pk,
        "zone": str(clinic.zone),
        "nurse": nurse.pk,
        "ids": [p.id for p in dosed],
        "firsts": [spans[p.id][0] for p in dosed],
        "lasts": [spans[p.id][1] for p in dosed],
        "drugs": [p.drug for p in dosed],
        "doses": [p.dose_mg for p in dosed],
        "lines": [lines[p.id] for p in dosed],
        "findings": json.dumps(template.findings if template else []),
        "snapshot": json.dumps(template.snapshot if template else {}),
        "result": json.dumps(template.result if template else {}),
        "engine": template.engine_version if template else "bench",
        "preset": template.preset_key if template else "ca-ioat",
        "hash": template.preset_hash if template else PLACEHOLDER_HASH,
        "today": today,
        "zeros": PLACEHOLDER_HASH,
    }
    # pgtrigger's ignore sets a transaction-local setting with the first statement: the
    # session table's row-history trigger is skipped for this bulk load only.
    with transaction.atomic(), connection.cursor() as cursor:
        with pgtrigger.ignore("dosing.DosingSession:insert_insert"):
            cursor.execute("SELECT 1")
        for statement in HISTORY_SQL:
            cursor.execute(statement, params)


# Each session: check-in, pre-dose assessment +3 min, decision +5, dose +10, observed 20 min,
# signed off +31. Attendance and the evening session follow a hash of patient and day.
# The chain columns: the clinic's chain, consecutive positions, the placeholder hash (see above).
HISTORY_SQL = [
    """
    INSERT INTO dosing_dosingsession (clinic_id, patient_id, "window", dosing_day, state,
        checked_in_at, checked_in_by_id, identity_confirmed, ended_at, end_reason,
        out_of_window_reason)
    SELECT %(clinic)s, p.id, w.name, d.day::date, 'completed', t.at, %(nurse)s, true,
        t.at + interval '31 min', '', ''
    FROM unnest(%(ids)s::bigint[], %(firsts)s::date[], %(lasts)s::date[]) AS p(id, first, last)
    CROSS JOIN LATERAL generate_series(p.first, p.last, interval '1 day') AS d(day)
    CROSS JOIN (VALUES ('morning', time '08:00', 0), ('midday', time '12:00', 1),
                       ('evening', time '16:30', 2)) AS w(name, starts, n)
    CROSS JOIN LATERAL (SELECT ((d.day::date + w.starts) AT TIME ZONE %(zone)s)
        + make_interval(mins => abs(hashtext(p.id || w.name || d.day)) %% 45) AS at) AS t
    WHERE abs(hashtext(p.id || '/' || d.day)) %% 100 < 90
      AND (w.n < 2 OR abs(hashtext(p.id || '/e/' || d.day)) %% 100 < 60)
    ORDER BY d.day, t.at
    """,
    """
    INSERT INTO dosing_sessionassessment (session_id, kind, sedation_score,
        breath_alcohol_mg_per_l, signs, notes, at, by_id)
    SELECT id, 'pre_dose', 1, 0.00, '{}', '', checked_in_at + interval '3 min', checked_in_by_id
    FROM dosing_dosingsession WHERE clinic_id = %(clinic)s AND dosing_day < %(today)s
    """,
    """
    INSERT INTO dosing_sessiondecision (session_id, drug, route, requested_mg, verdict,
        max_dose_mg, cap_mg, observation_minutes, findings, snapshot, result, engine_version,
        preset_key, preset_hash, at, by_id,
        chain_key, chain_seq, key_id, prev_sha256, row_sha256)
    SELECT s.id, o.drug, 'iv', o.dose, 'dose', o.dose, o.dose, 20, %(findings)s::jsonb,
        %(snapshot)s::jsonb, %(result)s::jsonb, %(engine)s, %(preset)s, %(hash)s,
        s.checked_in_at + interval '5 min', s.checked_in_by_id,
        %(clinic)s, row_number() OVER (ORDER BY s.id), 'bench', %(zeros)s, %(zeros)s
    FROM dosing_dosingsession s
    JOIN unnest(%(ids)s::bigint[], %(drugs)s::text[], %(doses)s::numeric[])
        AS o(id, drug, dose) ON o.id = s.patient_id
    WHERE s.clinic_id = %(clinic)s AND s.dosing_day < %(today)s
    """,
    """
    INSERT INTO dosing_administration (order_line_id, drug, route, site, dose_mg,
        administered_at, observe_until, clinic_id, issued_entry_id, nurse_id, patient_id,
        session_id, decision_id, remainder_entry_id, remainder_mg, remainder_witness_id,
        preparation_id, override_id, chain_key, chain_seq, key_id, prev_sha256, row_sha256)
    SELECT o.line, d.drug, 'iv',
        (ARRAY['left_arm', 'right_arm', 'left_hand', 'right_hand'])[1 + s.id %% 4],
        d.max_dose_mg, s.checked_in_at + interval '10 min', s.checked_in_at + interval '30 min',
        s.clinic_id, NULL, s.checked_in_by_id, s.patient_id, s.id, d.id, NULL, 0, NULL, NULL,
        NULL, %(clinic)s, row_number() OVER (ORDER BY s.id), 'bench', %(zeros)s, %(zeros)s
    FROM dosing_dosingsession s
    JOIN dosing_sessiondecision d ON d.session_id = s.id
    JOIN unnest(%(ids)s::bigint[], %(lines)s::bigint[]) AS o(id, line) ON o.id = s.patient_id
    WHERE s.clinic_id = %(clinic)s AND s.dosing_day < %(today)s
    """,
    """
    INSERT INTO dosing_sessionassessment (session_id, kind, sedation_score,
        breath_alcohol_mg_per_l, signs, notes, at, by_id)
    SELECT s.id, 'post_dose', 1, NULL, '{}', '', s.checked_in_at + interval '31 min',
        s.checked_in_by_id
    FROM dosing_dosingsession s WHERE s.clinic_id = %(clinic)s AND s.dosing_day < %(today)s
    """,
    """
    INSERT INTO dosing_observationsignoff (session_id, assessment_id, at, by_id)
    SELECT a.session_id, a.id, a.at, a.by_id
    FROM dosing_sessionassessment a JOIN dosing_dosingsession s ON s.id = a.session_id
    WHERE s.clinic_id = %(clinic)s AND s.dosing_day < %(today)s AND a.kind = 'post_dose'
    """,
    # About one injection in 4,000; a third of them an overdose reversed with naloxone.
    """
    INSERT INTO dosing_adverseevent (clinic_id, patient_id, session_id, kind, severity,
        onset_at, description, naloxone_given, naloxone_dose_mg, naloxone_route, oxygen_given,
        ambulance_called, outcome, recorded_at, recorded_by_id,
        chain_key, chain_seq, key_id, prev_sha256, row_sha256)
    SELECT a.clinic_id, a.patient_id, a.session_id,
        CASE WHEN a.id %% 3 = 0 THEN 'overdose' ELSE 'other' END,
        CASE WHEN a.id %% 3 = 0 THEN 'severe' ELSE 'mild' END,
        a.administered_at + interval '8 min', '', a.id %% 3 = 0,
        CASE WHEN a.id %% 3 = 0 THEN 0.40 END, CASE WHEN a.id %% 3 = 0 THEN 'im' ELSE '' END,
        a.id %% 3 = 0, false, 'recovered', a.administered_at + interval '40 min', a.nurse_id,
        %(clinic)s, row_number() OVER (ORDER BY a.id), 'bench', %(zeros)s, %(zeros)s
    FROM dosing_administration a
    WHERE a.clinic_id = %(clinic)s AND abs(hashtext('ae' || a.id)) %% 4000 = 0
    """,
    """
    INSERT INTO dosing_dosingstate (patient_id, clinic_id, administrations, last_administered_at)
    SELECT patient_id, clinic_id, count(*), max(administered_at)
    FROM dosing_administration WHERE clinic_id = %(clinic)s GROUP BY patient_id, clinic_id
    ON CONFLICT (patient_id) DO UPDATE SET administrations = EXCLUDED.administrations,
        last_administered_at = EXCLUDED.last_administered_at
    """,
]


def _at(clinic: Clinic, day: date, hour: int) -> datetime:
    return datetime.combine(day, datetime.min.time(), clinic.zone) + timedelta(hours=hour)


def _screens(
    clinic: Clinic, nurse: User, spans: dict[int, tuple[date, date, bool]], rng: random.Random
) -> None:
    """A supervised point-of-care screen every 2-4 weeks while in treatment."""
    rows = []
    for patient_id, (first, last, _) in spans.items():
        day = first
        while day <= last:
            months = (day - first).days / 30.4
            positive = rng.random() < max(0.2, 0.6 - 0.4 * months / 6)
            marker = Result.POSITIVE if positive else Result.NEGATIVE
            sampled = _at(clinic, day, 10)
            rows.append(
                UrineDrugScreen(
                    clinic=clinic,
                    patient_id=patient_id,
                    sampled_at=sampled,
                    supervised=True,
                    setting=SampleSetting.POINT_OF_CARE,
                    morphine_opiates=Result.POSITIVE,
                    monoacetylmorphine=Result.POSITIVE,
                    **dict.fromkeys(STREET_MARKERS, marker),
                    street_heroin=StreetHeroin.DETECTED if positive else StreetHeroin.NOT_DETECTED,
                    recorded_by=nurse,
                    recorded_at=sampled + timedelta(minutes=15),
                )
            )
            day += timedelta(days=rng.randint(14, 28))
    UrineDrugScreen.objects.bulk_create(rows, batch_size=2000)


def _answers(months: int, rng: random.Random) -> dict[str, Any]:
    """Answers that improve over the first year (street-heroin days 26 -> ~5 by 12 months)."""
    better = min(months, 12) / 12

    def days(start: float, end: float) -> int:
        centre = start + (end - start) * better
        return max(0, min(30, round(rng.gauss(centre, 5))))

    return {
        "street_heroin_days": days(26, 5),
        "illegal_activity_days": days(14, 3.5),
        "injecting_days": days(25, 6),
        "paid_work_days": days(1, 4),
        "housing_status": "own_home" if rng.random() < 0.4 + 0.2 * better else "homeless",
        "housing_at_risk": rng.random() < 0.4 - 0.15 * better,
        "physical_health": max(0, min(20, round(rng.gauss(10 + 2 * better, 3)))),
        "psychological_health": max(0, min(20, round(rng.gauss(9 + 2 * better, 3)))),
        "quality_of_life": max(0, min(20, round(rng.gauss(9 + 3 * better, 3)))),
    }


def _interviews(
    clinic: Clinic,
    nurse: User,
    spans: dict[int, tuple[date, date, bool]],
    today: date,
    rng: random.Random,
) -> None:
    from openhat.interviews.schedule import add_months

    instrument = Instrument.objects.filter(key="openhat-core").order_by("-version").first()
    if instrument is None:
        load_shipped_instruments()
        instrument = Instrument.objects.filter(key="openhat-core").order_by("-version").first()
    assert instrument is not None
    rows = []
    for patient_id, (first, last, exited) in spans.items():
        for point, months in POINTS:
            target = add_months(first, months)
            if target >= today or (exited and target > last):
                continue
            done = rng.random() < 0.85
            rows.append(
                Interview(
                    clinic=clinic,
                    patient_id=patient_id,
                    time_point=point,
                    target_date=target,
                    status=InterviewStatus.COMPLETED if done else InterviewStatus.MISSED,
                    instrument=instrument if done else None,
                    on_date=target,
                    answers=_answers(months, rng) if done else {},
                    missed_reason="" if done else MissedReason.NOT_REACHABLE,
                    recorded_by=nurse,
                    recorded_at=_at(clinic, target, 14),
                )
            )
    Interview.objects.bulk_create(rows, batch_size=2000)
