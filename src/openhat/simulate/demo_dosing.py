"""The demo clinics' dosing station: four weeks of sessions and a realistic today.

Every dose a demo patient was given comes from a session written through the station's services
(check-in, assessment, decision, the dose drawn and given, observation signed off; overrides,
exceptions and adverse events where the plan has them), each at a backdated time, so the ledger's
`dose issued` entries, the stored decisions with their snapshots and the audit trail are what
real use would leave: `openhat ledger verify`, `openhat audit verify` and `openhat sessions
replay --date D` check them. The pharmacy history (demo_pharmacy) sizes its deliveries from this
plan and hands each window of each day to it, between its own morning work and day end; the
station is the only source of dose issues.

- The plan (demo_dosing_plan): attendance about 90% of days, 2.6 DAM / 2.5 HDM injections per
  attended day, oral night cover, the records' first day (go-live, with the physician's
  overrides for the patients already in treatment), new patients titrating as the engine allows,
  and the one-off events.
- One session (demo_dosing_station), its adverse events (demo_dosing_events).
- Today (demo_dosing_today): the current window of the clinic's day with a patient at every step.
- The figures printed after loading (demo_dosing_figures).

The physician's overrides need a fresh second-factor code each: the loader signs with its own
authenticator as demo_orders does (`LoaderAuthenticator`), set up only while the history is
written, with the printed authenticator set aside and restored unchanged.

Idempotent with the pharmacy: a clinic that already has its pharmacy is left alone (a demo loaded
before the station keeps its pharmacy-issued doses and gets no sessions).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django_otp.plugins.otp_totp.models import TOTPDevice

from openhat.clinics.models import Clinic
from openhat.clinics.roles import Role
from openhat.dosing.services.context import protocol_for
from openhat.dosing.windows import window_bounds
from openhat.simulate.demo_dosing_plan import DosingPlan, Planner, Visit
from openhat.simulate.demo_dosing_station import Outcome, Station
from openhat.simulate.demo_dosing_today import write_today
from openhat.simulate.demo_orders import LoaderAuthenticator
from openhat.simulate.demo_pharmacy import (
    DayProgress,
    Dose,
    PharmacyHistory,
    load_demo_pharmacy,
    pharmacy_missing,
)

SEEDS = {"ZRH": 2026112210, "VAN": 2026112220}
MINUTE = timedelta(minutes=1)
LAST_START_BEFORE_END = timedelta(minutes=10)  # a session starts at least this long before the
# window closes; one that cannot (the interval since the last dose) is a missed session


def load_demo_dosing(
    clinic: Clinic, staff: dict[str, User], progress: DayProgress | None = None
) -> bool:
    """The clinic's pharmacy history with its doses given at the station, and today; False if
    the clinic already has its pharmacy. `progress` hears of each day done."""
    if not pharmacy_missing(clinic):
        return False
    with loader_signature(staff[Role.PHYSICIAN.value]) as signer:
        return load_demo_pharmacy(clinic, staff, DemoDosing(clinic, staff, signer), progress)


@contextmanager
def loader_signature(physician: User) -> Iterator[Callable[[], str]]:
    """Second-factor codes for the physician's overrides while the demo loads (see the module
    docstring); the physician's own authenticator is set aside meanwhile and restored."""
    set_aside = list(
        TOTPDevice.objects.filter(user=physician, confirmed=True).values_list("pk", flat=True)
    )
    TOTPDevice.objects.filter(pk__in=set_aside).update(confirmed=False)
    authenticator = LoaderAuthenticator(physician)
    try:
        yield authenticator.code
    finally:
        authenticator.remove()
        TOTPDevice.objects.filter(pk__in=set_aside).update(confirmed=True)


class DemoDosing:
    """The pharmacy history's source of doses: the plan's sessions, window by window."""

    plan: DosingPlan
    planner: Planner
    station: Station

    def __init__(self, clinic: Clinic, staff: dict[str, User], signer: Callable[[], str]) -> None:
        self.clinic = clinic
        self.staff = staff
        self.signer = signer
        self.seed = SEEDS.get(clinic.code, 2026112299)
        minutes = protocol_for(clinic).numbers["sessions.min_interval_minutes"]
        self.interval = timedelta(minutes=int(minutes))
        self.free_at: dict[int, datetime] = {}  # patient -> when their last session ended
        self.last_hat: dict[int, datetime] = {}  # patient -> their last HAT dose
        self.missed_sessions = 0

    # -- DoseSource -----------------------------------------------------------------------

    def planned(self, pharmacy: PharmacyHistory) -> list[Dose]:
        self.planner = Planner(self.clinic, pharmacy.first_day, pharmacy.days, self.seed)
        self.plan = self.planner.plan(dam=pharmacy.plan.reconstitutes)
        self.station = Station(pharmacy, self.staff, self.signer, self.seed + 1)
        return self.plan.planned_doses()

    def window(self, pharmacy: PharmacyHistory, day: int, window: str) -> None:
        _, closes = window_bounds(self.clinic, pharmacy.first_day + timedelta(days=day), window)
        for visit in self.plan.window_visits(day, window):
            start = self.start_for(visit)
            if start > closes - LAST_START_BEFORE_END:
                self.missed_sessions += 1
                continue
            self.ran(visit, self.station.run(visit, start))

    def today(self, pharmacy: PharmacyHistory) -> None:
        write_today(self, pharmacy)

    # -- the patients' own times ----------------------------------------------------------

    def start_for(self, visit: Visit) -> datetime:
        """The visit's arrival, or later: after the patient's last session ended, and for a HAT
        dose after the protocol's interval since the last one."""
        patient = visit.course.patient.pk
        start = visit.arrival
        if patient in self.free_at:
            start = max(start, self.free_at[patient] + MINUTE)
        if visit.hat and patient in self.last_hat:
            start = max(start, self.last_hat[patient] + self.interval + MINUTE)
        return start

    def ran(self, visit: Visit, outcome: Outcome) -> None:
        patient = visit.course.patient.pk
        self.free_at[patient] = outcome.free_at
        if visit.hat and outcome.administered_at is not None:
            self.last_hat[patient] = outcome.administered_at
