"""The benchmark's client stations: each a thread with its own nurse's API token and patients.

A station runs whole sessions back to back through the JSON API (check in, assess, decide,
prepare, administer, sign off), one HTTP keep-alive connection each, an Idempotency-Key on every
POST and the virtual time in the X-Bench-Clock header (dose_clock): its patients come in turn,
each every 8 virtual hours, and the sign-off is sent a minute after the `observe_until` the
administration answered.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from dose_clinic import BenchClinic, BenchPatient
from dose_clock import AFTER_OBSERVATION, HEADER, SESSION_SPACING, STEP

KINDS = ("check_in", "assessment", "decision", "preparation", "administration", "sign_off")
SITES = ("left_arm", "right_arm", "left_hand", "right_hand")
ALLOWS_DOSE = ("dose", "dose_reduced")


class StepFailed(Exception):
    def __init__(self, kind: str, status: int, body: Any) -> None:
        code = body.get("code", "") if isinstance(body, dict) else ""
        super().__init__(f"{kind}: HTTP {status} {code}")
        self.kind, self.status, self.code = kind, status, code


@dataclass
class Totals:
    """What one station measured; merged over the stations afterwards."""

    requests: list[tuple[str, float, float]] = field(default_factory=list)  # kind, end, seconds
    sessions: list[tuple[float, float]] = field(default_factory=list)  # sign-off end, seconds
    verdicts: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    held: int = 0


class Connection:
    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port = host, port
        self.headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "X-Forwarded-Proto": "https",
        }
        self.http = http.client.HTTPConnection(host, port, timeout=60)

    def post(self, path: str, payload: dict[str, Any], at: datetime) -> tuple[int, Any, float]:
        body = json.dumps(payload)
        headers = {**self.headers, "Idempotency-Key": uuid.uuid4().hex, HEADER: at.isoformat()}
        for attempt in (1, 2):
            started = time.perf_counter()
            try:
                self.http.request("POST", path, body=body, headers=headers)
                response = self.http.getresponse()
                data = response.read()
            except (http.client.HTTPException, OSError):
                # A keep-alive connection the server closed: the same key makes the retry safe.
                self.http.close()
                self.http = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt == 2:
                    raise
                continue
            elapsed = time.perf_counter() - started
            return response.status, json.loads(data) if data else None, elapsed
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.http.close()


def in_window(
    moment: datetime, zone: ZoneInfo, hours: dict[str, tuple[Any, Any]]
) -> tuple[datetime, str]:
    """`moment` and the window open then, or else the next opening and its window.

    The window of a check-in is the clinic clock's, so a session the timeline puts between two
    windows (or at night) waits for the next one to open, as a patient at the door would.
    """
    local = moment.astimezone(zone)
    for day in range(2):
        date = local.date() + timedelta(days=day)
        for name in ("morning", "midday", "evening"):
            opens = datetime.combine(date, hours[name][0], zone)
            closes = datetime.combine(date, hours[name][1], zone)
            if local < closes:
                return max(local, opens), name
    raise AssertionError("a clinic with no dosing window")


class Station(threading.Thread):
    def __init__(
        self,
        *,
        index: int,
        clinic: BenchClinic,
        patients: list[BenchPatient],
        token: str,
        start: datetime,
        port: int,
        stop_at: float,
        zone: ZoneInfo,
        window_hours: dict[str, tuple[Any, Any]],
    ) -> None:
        super().__init__(name=f"station-{index:02d}", daemon=True)
        self.clinic = clinic
        self.patients = patients
        self.base = f"/api/clinics/{clinic.code}/dosing"
        self.connection = Connection("127.0.0.1", port, token)
        self.stop_at = stop_at
        self.zone, self.window_hours = zone, window_hours
        self.totals = Totals()
        self.site = index
        # Each patient's next session, spread over the spacing so the day is evenly used.
        gap = SESSION_SPACING / max(1, len(patients))
        self.next_at = {p.id: start + gap * n for n, p in enumerate(patients)}
        self.completed: set[int] = set()  # patients with a signed-off session in this run
        self.broken: set[int] = set()  # patients whose session an error left open
        self._elapsed = 0.0

    def run(self) -> None:
        try:
            while time.time() < self.stop_at:
                ready = [p for p in self.patients if p.id not in self.broken]
                if not ready:
                    return
                for patient in sorted(ready, key=lambda p: self.next_at[p.id]):
                    if time.time() >= self.stop_at:
                        break
                    self._session(patient)
        finally:
            self.connection.close()

    def _post(self, kind: str, path: str, payload: dict[str, Any], at: datetime) -> Any:
        status, body, elapsed = self.connection.post(self.base + path, payload, at)
        self.totals.requests.append((kind, time.time(), elapsed))
        self._elapsed = elapsed
        if status != 201:
            raise StepFailed(kind, status, body)
        return body

    def _session(self, patient: BenchPatient) -> None:
        at, window = in_window(self.next_at[patient.id], self.zone, self.window_hours)
        self.next_at[patient.id] = at + SESSION_SPACING
        latency = 0.0
        try:
            session = self._post(
                "check_in",
                "/sessions",
                {"patient_id": patient.id, "window": window, "identity_confirmed": True},
                at,
            )
            latency += self._elapsed
            path = f"/sessions/{session['id']}"
            self._post(
                "assessment",
                path + "/assessment",
                {"sedation_score": 1, "breath_alcohol_mg_per_l": "0.00", "signs": [], "notes": ""},
                at + STEP,
            )
            latency += self._elapsed
            decision = self._post(
                "decision",
                path + "/decision",
                {"drug": patient.drug, "route": "iv", "dose_mg": str(patient.dose_mg)},
                at + 2 * STEP,
            )
            latency += self._elapsed
            verdict = str(decision["verdict"])
            self.totals.verdicts[verdict] = self.totals.verdicts.get(verdict, 0) + 1
            dose = min(patient.dose_mg, Decimal(str(decision["max_dose_mg"])))
            if verdict not in ALLOWS_DOSE or dose <= 0:
                self._post(
                    "exception",
                    path + "/exceptions",
                    {"kind": "held", "notes": "Held by the rules (benchmark)."},
                    at + 3 * STEP,
                )
                self.totals.held += 1
                return
            prepared = self._post(
                "preparation",
                path + "/preparation",
                {
                    "decision_id": decision["id"],
                    "dose_mg": str(dose),
                    "lot_id": self.clinic.lot_for(patient.drug),
                    "location_id": self.clinic.dosing_room_id,
                },
                at + 3 * STEP,
            )
            latency += self._elapsed
            given = self._post(
                "administration",
                path + "/administration",
                {
                    "decision_id": decision["id"],
                    "dose_mg": str(dose),
                    "site": SITES[self.site % len(SITES)],
                    "preparation_id": prepared["id"],
                },
                at + 4 * STEP,
            )
            self.site += 1
            latency += self._elapsed
            observe_until = datetime.fromisoformat(str(given["observe_until"]))
            self._post(
                "sign_off",
                path + "/sign-off",
                {"sedation_score": 1, "notes": ""},
                observe_until + AFTER_OBSERVATION,
            )
            latency += self._elapsed
        except StepFailed as error:
            key = f"{error.kind} {error.status} {error.code}"
            self.totals.errors[key] = self.totals.errors.get(key, 0) + 1
            self.broken.add(patient.id)  # its session may be open: leave it out of this run
            return
        self.totals.sessions.append((time.time(), latency))
        self.completed.add(patient.id)


def merge(stations: list[Station]) -> Totals:
    merged = Totals()
    for station in stations:
        totals = station.totals
        merged.requests.extend(totals.requests)
        merged.sessions.extend(totals.sessions)
        for key, value in totals.verdicts.items():
            merged.verdicts[key] = merged.verdicts.get(key, 0) + value
        for key, value in totals.errors.items():
            merged.errors[key] = merged.errors.get(key, 0) + value
        merged.held += totals.held
    return merged
