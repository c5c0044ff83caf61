"""One station's whole session run inside this process, through Django's full request stack.

The same URLs, headers, middleware and handlers as over HTTP (Django's test client calls the
WSGI handler), at the same virtual times as a station would send; used to record the SQL of a
session and to profile.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.test import Client

from dose_clients import in_window
from dose_clinic import BenchClinic, BenchPatient
from dose_clock import AFTER_OBSERVATION, STEP
from openhat.clinics.models import Clinic
from openhat.core import clock
from openhat.dosing.windows import window_hours

STEPS = ("check_in", "assessment", "decision", "preparation", "administration", "sign_off")


@dataclass
class SessionTrace:
    keys: list[str] = field(default_factory=list)  # the Idempotency-Key of each request
    seconds: list[float] = field(default_factory=list)
    verdict: str = ""

    @property
    def full(self) -> bool:
        return len(self.seconds) == len(STEPS)


class InProcessStation:
    def __init__(self, clinic: BenchClinic, token: str) -> None:
        self.clinic = clinic
        self.client = Client(
            HTTP_AUTHORIZATION=f"Bearer {token}",
            HTTP_X_FORWARDED_PROTO="https",
            raise_request_exception=True,
        )
        self.base = f"/api/clinics/{clinic.code}/dosing"
        row = Clinic.objects.get(pk=clinic.clinic_id)
        self.zone, self.window_hours = row.zone, window_hours(row)

    def _post(self, path: str, payload: dict[str, Any], trace: SessionTrace, at: datetime) -> Any:
        key = uuid.uuid4().hex
        started = time.perf_counter()
        with clock.backdated(at):
            response = self.client.post(
                self.base + path,
                data=json.dumps(payload),
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=key,
            )
        trace.seconds.append(time.perf_counter() - started)
        trace.keys.append(key)
        if response.status_code != 201:
            raise RuntimeError(f"{path}: HTTP {response.status_code} {response.content[:300]!r}")
        return response.json()

    def session(
        self,
        patient: BenchPatient,
        at: datetime,
        before_request: Callable[[int], None] | None = None,
    ) -> SessionTrace:
        """The six requests from `at`; `before_request(n)` is called before the n-th (0-5)."""
        trace = SessionTrace()
        step = before_request or (lambda _index: None)
        at, window = in_window(at, self.zone, self.window_hours)  # the window open then, or next
        step(0)
        session = self._post(
            "/sessions",
            {"patient_id": patient.id, "window": window, "identity_confirmed": True},
            trace,
            at,
        )
        path = f"/sessions/{session['id']}"
        step(1)
        self._post(
            path + "/assessment",
            {"sedation_score": 1, "breath_alcohol_mg_per_l": "0.00", "signs": [], "notes": ""},
            trace,
            at + STEP,
        )
        step(2)
        decision = self._post(
            path + "/decision",
            {"drug": patient.drug, "route": "iv", "dose_mg": str(patient.dose_mg)},
            trace,
            at + 2 * STEP,
        )
        trace.verdict = str(decision["verdict"])
        dose = min(patient.dose_mg, Decimal(str(decision["max_dose_mg"])))
        if trace.verdict not in ("dose", "dose_reduced") or dose <= 0:
            held = {"kind": "held", "notes": "Held (benchmark)."}
            self._post(path + "/exceptions", held, trace, at + 3 * STEP)
            return trace
        step(3)
        prepared = self._post(
            path + "/preparation",
            {
                "decision_id": decision["id"],
                "dose_mg": str(dose),
                "lot_id": self.clinic.lot_for(patient.drug),
                "location_id": self.clinic.dosing_room_id,
            },
            trace,
            at + 3 * STEP,
        )
        step(4)
        given = self._post(
            path + "/administration",
            {
                "decision_id": decision["id"],
                "dose_mg": str(dose),
                "site": "left_arm",
                "preparation_id": prepared["id"],
            },
            trace,
            at + 4 * STEP,
        )
        step(5)
        self._post(
            path + "/sign-off",
            {"sedation_score": 1, "notes": ""},
            trace,
            datetime.fromisoformat(str(given["observe_until"])) + AFTER_OBSERVATION,
        )
        return trace
