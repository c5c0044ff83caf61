"""The board page (dosing:board) for a 150-patient clinic with a year of history.

The clinic and its patients, orders and stock are made through the services (dose_clinic). The
year before today is bulk-inserted in SQL (benchmark data, not the demo): ~90% of days attended,
morning and midday always and the evening on ~60% of attended days (about 2.6 doses a day),
each session a complete record (pre-dose assessment, a decision, the administration, the
post-dose assessment and its sign-off), within the models' constraints; the decisions carry a
real decision's snapshot and findings. Today runs through the services at today's clock times:
most patients had their morning dose, some were held, a few are in observation or checked in,
the rest have not come. The page is then rendered N times, signed in as a nurse, at 11:00.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import pgtrigger
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from dose_clinic import BenchClinic, BenchPatient, build_clinic
from dose_profile import where_in_source
from dose_report import percentile
from dose_sql import recording
from openhat.core import clock
from openhat.dosing.models import Administration, SessionDecision
from openhat.dosing.services.administer import administer, prepare
from openhat.dosing.services.exceptions import end_without_dose
from openhat.dosing.services.sessions import assess, check_in, decide_session, sign_off
from openhat.prescribing.models import OrderLine

BOARD_CODE = "BRD"
BOARD_PATIENTS = 150
SITES = ("left_arm", "right_arm", "left_hand", "right_hand")


@dataclass
class BoardTimes:
    renders: list[float]
    queries: int
    history_sessions: int
    setup_seconds: float
    sql_seconds: float = 0.0  # in one render, recorded
    slowest: list[str] = field(default_factory=list)  # that render's slowest statements
    top: list[str] = field(default_factory=list)  # cProfile, own time per render

    @property
    def p50(self) -> float:
        return percentile(self.renders, 0.5)

    @property
    def p95(self) -> float:
        return percentile(self.renders, 0.95)

    @property
    def p99(self) -> float:
        return percentile(self.renders, 0.99)


def _local(day: date, hhmm: str, zone: object) -> datetime:
    return datetime.combine(day, datetime.strptime(hhmm, "%H:%M").time(), zone)  # type: ignore[arg-type]


def measure_board(args: argparse.Namespace) -> BoardTimes:
    from rich.progress import Progress

    from openhat.clinics.models import Clinic

    started = time.perf_counter()
    found = Clinic.objects.filter(code=BOARD_CODE).first()
    if found is not None:  # a reused var directory: render the board it has
        nurse = User.objects.get(username=f"bench-{BOARD_CODE.lower()}-nurse-00")
        today = datetime.now(found.zone).date()
        sessions = _count_sessions(found.pk)
        print(f"board clinic {BOARD_CODE} (reused): {sessions} sessions")
        return _render(nurse, _local(today, "11:00", found.zone), args.board_renders, sessions, 0)
    with Progress(transient=True) as progress:
        task = progress.add_task("board clinic: enrolling", total=BOARD_PATIENTS)
        clinic = build_clinic(
            patients=BOARD_PATIENTS,
            nurses=1,
            hdm_share=0.2,
            doses_needed_mg=Decimal(200_000),
            code=BOARD_CODE,
            enrolled_days_ago=(380, 420),
            progress=lambda done: progress.update(task, completed=done),
        )
    zone = Clinic.objects.get(pk=clinic.clinic_id).zone
    today = datetime.now(zone).date()
    nurse = User.objects.get(pk=clinic.nurse_ids[0])
    history = _history(clinic, nurse, today, zone)
    _today(clinic, nurse, today, zone)
    setup = time.perf_counter() - started
    print(
        f"board clinic {BOARD_CODE}: {BOARD_PATIENTS} patients, {history} sessions in the year "
        f"before today, today's sessions through the services ({setup:.0f} s)"
    )
    return _render(nurse, _local(today, "11:00", zone), args.board_renders, history, setup)


def _history(clinic: BenchClinic, nurse: User, today: date, zone: object) -> int:
    template = (
        SessionDecision.objects.filter(verdict="dose").order_by("-pk").first()
        or SessionDecision.objects.filter(verdict="dose_reduced").order_by("-pk").first()
    )
    if template is None:
        raise RuntimeError("no stored decision to copy the snapshot from")
    lines = dict(
        OrderLine.objects.filter(clinic_id=clinic.clinic_id).values_list("patient_id", "pk")
    )
    patients = clinic.patients
    params = {
        "clinic": clinic.clinic_id,
        "zone": str(zone),
        "nurse": nurse.pk,
        "first": today - timedelta(days=365),
        "last": today - timedelta(days=1),
        "ids": [p.id for p in patients],
        "drugs": [p.drug for p in patients],
        "doses": [p.dose_mg for p in patients],
        "lines": [lines[p.id] for p in patients],
        "findings": json.dumps(template.findings),
        "snapshot": json.dumps(template.snapshot),
        "result": json.dumps(template.result),
        "engine": template.engine_version,
        "preset": template.preset_key,
        "hash": template.preset_hash,
        "today": today,
    }
    # The session table's row-history trigger (pghistory) is skipped for this bulk load only:
    # pgtrigger's ignore sets a transaction-local setting with the first statement.
    with transaction.atomic(), connection.cursor() as cursor:
        with pgtrigger.ignore("dosing.DosingSession:insert_insert"):
            cursor.execute("SELECT 1")
        for statement in HISTORY_SQL:
            cursor.execute(statement, params)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return _count_sessions(clinic.clinic_id)


def _count_sessions(clinic_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM dosing_dosingsession WHERE clinic_id = %s", [clinic_id]
        )
        return int(cursor.fetchone()[0])


# Each session: check-in, pre-dose assessment +3 min, decision +5, dose +10, observed 20 min,
# signed off +31. Attendance and the evening session follow a hash of patient and day.
HISTORY_SQL = [
    """
    INSERT INTO dosing_dosingsession (clinic_id, patient_id, "window", dosing_day, state,
        checked_in_at, checked_in_by_id, identity_confirmed, ended_at, end_reason)
    SELECT %(clinic)s, p.id, w.name, d.day::date, 'completed', t.at, %(nurse)s, true,
        t.at + interval '31 min', ''
    FROM unnest(%(ids)s::bigint[]) AS p(id)
    CROSS JOIN generate_series(%(first)s::date, %(last)s::date, interval '1 day') AS d(day)
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
        preset_key, preset_hash, at, by_id)
    SELECT s.id, o.drug, 'iv', o.dose, 'dose', o.dose, o.dose, 20, %(findings)s::jsonb,
        %(snapshot)s::jsonb, %(result)s::jsonb, %(engine)s, %(preset)s, %(hash)s,
        s.checked_in_at + interval '5 min', s.checked_in_by_id
    FROM dosing_dosingsession s
    JOIN unnest(%(ids)s::bigint[], %(drugs)s::text[], %(doses)s::numeric[])
        AS o(id, drug, dose) ON o.id = s.patient_id
    WHERE s.clinic_id = %(clinic)s AND s.dosing_day < %(today)s
    """,
    """
    INSERT INTO dosing_administration (order_line_id, drug, route, site, dose_mg,
        administered_at, observe_until, clinic_id, issued_entry_id, nurse_id, patient_id,
        session_id, decision_id, remainder_entry_id, remainder_mg, remainder_witness_id,
        preparation_id, override_id)
    SELECT o.line, d.drug, 'iv',
        (ARRAY['left_arm', 'right_arm', 'left_hand', 'right_hand'])[1 + s.id %% 4],
        d.max_dose_mg, s.checked_in_at + interval '10 min', s.checked_in_at + interval '30 min',
        s.clinic_id, NULL, s.checked_in_by_id, s.patient_id, s.id, d.id, NULL, 0, NULL, NULL,
        NULL
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
    """
    INSERT INTO dosing_dosingstate (patient_id, clinic_id, administrations, last_administered_at)
    SELECT patient_id, clinic_id, count(*), max(administered_at)
    FROM dosing_administration WHERE clinic_id = %(clinic)s GROUP BY patient_id, clinic_id
    ON CONFLICT (patient_id) DO UPDATE SET administrations = EXCLUDED.administrations,
        last_administered_at = EXCLUDED.last_administered_at
    """,
]


def _session(
    nurse: User, clinic: BenchClinic, patient: BenchPatient, at: datetime, window: str, until: str
) -> None:
    """One session through the services at `at`, carried as far as `until`."""
    with clock.backdated(at):
        session = check_in(
            actor=nurse, patient=_patient(patient), window=window, identity_confirmed=True
        )
    if until == "checked_in":
        return
    with clock.backdated(at + timedelta(minutes=2)):
        assess(actor=nurse, session_id=session.pk, sedation_score=1, breath_alcohol_mg_per_l="0")
        decision = decide_session(
            actor=nurse,
            session_id=session.pk,
            drug=patient.drug,
            route="iv",
            dose_mg=patient.dose_mg,
        )
    dose = min(patient.dose_mg, decision.max_dose_mg)
    if until == "held" or not decision.verdict.startswith("dose") or dose <= 0:
        with clock.backdated(at + timedelta(minutes=3)):
            end_without_dose(
                actor=nurse, session_id=session.pk, kind="held", notes="Sedated at assessment."
            )
        return
    with clock.backdated(at + timedelta(minutes=5)):
        drawn = prepare(
            actor=nurse,
            session_id=session.pk,
            decision_id=decision.pk,
            dose_mg=dose,
            lot_id=clinic.lot_for(patient.drug),
            location_id=clinic.dosing_room_id,
        )
        given: Administration = administer(
            actor=nurse,
            session_id=session.pk,
            decision_id=decision.pk,
            dose_mg=dose,
            site=SITES[patient.id % len(SITES)],
            preparation_id=drawn.pk,
        )
    if until == "done":
        with clock.backdated(given.observe_until + timedelta(minutes=1)):
            sign_off(actor=nurse, session_id=session.pk, sedation_score=1)


def _patient(patient: BenchPatient) -> object:
    from openhat.patients.models import Patient

    return Patient.objects.select_related("clinic").get(pk=patient.id)


def _today(clinic: BenchClinic, nurse: User, today: date, zone: object) -> None:
    """Morning: 100 done, 10 held; at 10:45-10:58: 8 in observation, 6 checked in; 26 not come."""
    patients = clinic.patients
    for index, patient in enumerate(patients[:110]):
        at = _local(today, "08:00", zone) + timedelta(seconds=30 * index)
        _session(nurse, clinic, patient, at, "morning", "held" if index >= 100 else "done")
    for index, patient in enumerate(patients[110:118]):
        at = _local(today, "10:40", zone) + timedelta(seconds=30 * index)
        _session(nurse, clinic, patient, at, "midday", "observing")
    for index, patient in enumerate(patients[118:124]):
        at = _local(today, "10:55", zone) + timedelta(seconds=30 * index)
        _session(nurse, clinic, patient, at, "midday", "checked_in")


def _render(nurse: User, moment: datetime, renders: int, history: int, setup: float) -> BoardTimes:
    client = Client(HTTP_X_FORWARDED_PROTO="https")
    client.force_login(nurse)
    url = reverse("dosing:board")
    times = []
    for index in range(renders + 5):
        with clock.backdated(moment):
            started = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"the board answered {response.status_code}")
        if index >= 5:  # the first renders warm the template and URL caches
            times.append(elapsed)
    with clock.backdated(moment), recording() as record:
        client.get(url)
    board = BoardTimes(times, len(record.sql_statements()), history, setup)
    board.sql_seconds = sum(item.seconds for item in record.statements)
    board.slowest = [
        f"{item.seconds * 1000:6.2f} ms  {' '.join(item.sql.split())[:150]}"
        for item in sorted(record.sql_statements(), key=lambda item: -item.seconds)[:3]
    ]
    board.top = _profile(client, url, moment)
    return board


def _profile(client: Client, url: str, moment: datetime, renders: int = 20) -> list[str]:
    profiler = cProfile.Profile()
    with clock.backdated(moment):
        profiler.enable()
        for _ in range(renders):
            client.get(url)
        profiler.disable()
    rows = [
        (own, count, f"{where_in_source(filename)}:{line} {name}")
        for (filename, line, name), (_c, count, own, _cum, _callers) in pstats.Stats(
            profiler
        ).stats.items()  # type: ignore[attr-defined]
    ]
    return [
        f"{1000 * own / renders:6.2f} ms/render own  {count / renders:8.1f} calls  {where}"
        for own, count, where in sorted(rows, reverse=True)[:10]
    ]
