"""The demo clinic's medication orders, signed by the demo physician through `sign_order`.

Calibration (docs/domain.md §9, NAOMI [S13]): the mean prescribed maintenance daily dose of DAM is
454 mg. Maintenance patients get DAM IV three sessions a day (morning, midday, evening) with a
range of about ±15% around a per-session dose; the per-session doses below average 151.4 mg, so
the prescribed daily dose (sessions x the middle of the range, see `prescribed_daily_mg`)
averages 454 mg. Most also get oral night cover in the evening: methadone (at most 150 mg a day
beside DAM, the preset's limit [S16]) or slow-release oral morphine. A few recently enrolled
patients are in titration (a wide range from the label's 15 mg first dose [S15]).

HDM: the Swiss demo clinic (ZRH) uses the `ch-diaphin` dosing preset, which has rules for DAM
only, so `sign_order` refuses an HDM order there (and should); ZRH has a few patients on oral
night cover only instead. The smaller Canadian demo clinic (VAN, `ca-ioat` preset) has the HDM
arm: HDM IV three sessions a day with per-session doses averaging 71 mg, i.e. 213 mg/day, near
NAOMI's mean prescribed maintenance daily dose of 212.6 mg [S13], each order within the preset's
500 mg/day HDM maximum; and one or two DAM patients dosed as in ZRH.

Second factor: `sign_order` checks a fresh TOTP code of the physician's confirmed device, and
django-otp accepts each time step only once (replay protection), so signing dozens of orders in
a row with "the current code" fails from the second order on. The loader does not bypass or
relax that check. It signs with an authenticator of its own (`LoaderAuthenticator`): a confirmed
TOTP device of the demo physician that exists only while the demo loads. Each code it produces
is for the next unused time step within the device's tolerance (one step ahead of the last
accepted one), which `TOTPDevice.verify_token` accepts and then records as the device's drift, so
every signature passes the production check unchanged. Because that leaves the device's clock
ahead of real time, the device is deleted when loading ends, and the authenticator the demo
prints for the physician is a fresh device created afterwards.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from openhat.clinics.services import totp_device_for
from openhat.patients.models import Patient
from openhat.prescribing.models import OrderLine, OrderVersion
from openhat.prescribing.services import OrderInput, sign_order, stop_order, suspend_order

LOADER_DEVICE_NAME = "demo loader (deleted when loading ends)"

# Per-session DAM doses (mg, the middle of each range) for maintenance patients; mean 151.4 mg,
# i.e. 454 mg/day at three sessions (NAOMI [S13]).
MAINTENANCE_SESSION_MG = (90, 110, 125, 135, 145, 150, 155, 165, 175, 190, 225)
SESSIONS_PER_DAY = 3
ALL_WINDOWS = ("morning", "midday", "evening")
DAM_DAILY_CAP_MG = 1000  # the ch-diaphin and ca-ioat presets' daily maximum [S13, S16]
# Per-session HDM doses (mg, the middle of each range) for maintenance patients in VAN; mean
# 71 mg, i.e. 213 mg/day at three sessions (NAOMI's 212.6 mg [S13]).
HDM_MAINTENANCE_SESSION_MG = (55, 80, 65, 95, 60)
HDM_DAILY_CAP_MG = 500  # the ca-ioat preset's HDM daily maximum
TITRATION_DAYS = 14
TITRATION_COUNT = 3  # enrolled patients in titration (enrolled in the last days)
ORAL_ONLY_COUNT = 2  # enrolled patients on oral night cover only (no HAT order; see above)
NIGHT_COVER_SHARE = 0.8  # of DAM maintenance patients
METHADONE_NIGHT_MG = (20, 30, 40, 50, 60)  # beside DAM: at most 150 mg/day [S16]
SROM_NIGHT_MG = (200, 300, 400)
METHADONE_ONLY_MG = (60, 80, 100, 120)
SROM_ONLY_MG = (400, 500, 600)
SESSION_START = time(8, 0)
NIGHT_COVER_END = time(21, 0)


class Plan(StrEnum):
    TITRATION = "titration"
    MAINTENANCE = "maintenance"  # DAM
    HDM_MAINTENANCE = "hdm_maintenance"
    ORAL_ONLY = "oral_only"


def plan_for_enrolled(position: int) -> Plan:
    """The treatment of the `position`-th enrolled patient (0-based) in loading order."""
    if position < TITRATION_COUNT:
        return Plan.TITRATION
    if position < TITRATION_COUNT + ORAL_ONLY_COUNT:
        return Plan.ORAL_ONLY
    return Plan.MAINTENANCE


def canada_plan_for_enrolled(position: int, dam_count: int) -> Plan:
    """VAN's enrolled patients: the first `dam_count` on DAM, the others on HDM (maintenance)."""
    return Plan.MAINTENANCE if position < dam_count else Plan.HDM_MAINTENANCE


def prescribed_daily_mg(version: OrderVersion) -> Decimal:
    """The daily dose an order prescribes: sessions x the middle of its range, within its
    daily maximum (what the calibration figure "mean prescribed daily dose" is compared with)."""
    middle = (version.dose_min_mg + version.dose_max_mg) / 2
    return min(version.daily_max_mg, middle * version.sessions_per_day)


class LoaderAuthenticator:
    """The demo physician's signing device while the demo loads (see the module docstring).

    `code()` is the code for the next time step the device will accept: one past the last
    accepted step, or the current step if that is later. `remove()` deletes the device.
    """

    def __init__(self, physician: User) -> None:
        self.physician = physician
        self.device = TOTPDevice.objects.create(
            user=physician, name=LOADER_DEVICE_NAME, confirmed=True
        )

    def code(self) -> str:
        if totp_device_for(self.physician).pk != self.device.pk:
            raise RuntimeError("The demo physician has another confirmed device while loading.")
        device = self.device
        device.refresh_from_db(fields=["last_t", "drift"])
        clock = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        current = clock.t()
        step = max(current, device.last_t + 1)
        if step > current + device.tolerance:
            raise RuntimeError("The demo signing device has no unused time step left.")
        clock.drift += step - current
        return f"{clock.token():0{device.digits}d}"

    def remove(self) -> None:
        self.device.delete()


@dataclass
class DemoPrescriber:
    physician: User
    authenticator: LoaderAuthenticator
    rng: random.Random
    today: date
    maintenance_doses: list[int]
    maintenance_signed: int = 0
    oral_only_signed: int = 0
    hdm_signed: int = 0

    @classmethod
    def start(cls, physician: User, seed: int, today: date) -> DemoPrescriber:
        rng = random.Random(seed)  # its own generator: the patients' draws stay as they were
        doses = list(MAINTENANCE_SESSION_MG)
        rng.shuffle(doses)
        return cls(physician, LoaderAuthenticator(physician), rng, today, doses)

    def finish(self) -> None:
        self.authenticator.remove()

    def _sign(self, patient: Patient, order: OrderInput) -> OrderLine:
        version = sign_order(
            actor=self.physician,
            patient=patient,
            order=order,
            totp_code=self.authenticator.code(),
        )
        return version.line

    def _next_session_mg(self, active: bool) -> int:
        """Active maintenance patients take the calibrated doses in turn (so their mean is the
        list's); suspended and exited patients draw from the same list."""
        if not active:
            return self.rng.choice(MAINTENANCE_SESSION_MG)
        dose = self.maintenance_doses[self.maintenance_signed % len(self.maintenance_doses)]
        self.maintenance_signed += 1
        return dose

    def prescribe(
        self, patient: Patient, plan: Plan, start: date, *, stays_active: bool
    ) -> list[OrderLine]:
        """Sign the plan's orders for a just-enrolled patient, in force from `start` (08:00)."""
        zone = ZoneInfo(patient.clinic.time_zone)
        starts_at = datetime.combine(start, SESSION_START, tzinfo=zone)
        if plan == Plan.TITRATION:
            return [self._sign(patient, self._titration(starts_at))]
        if plan == Plan.ORAL_ONLY:
            return [self._sign(patient, self._oral_only(starts_at))]
        if plan == Plan.HDM_MAINTENANCE:
            lines = [self._sign(patient, self._hdm_maintenance(starts_at))]
            beside = "hydromorphone"
        else:
            lines = [self._sign(patient, self._maintenance(starts_at, stays_active))]
            beside = "diacetylmorphine"
        if self.rng.random() < NIGHT_COVER_SHARE:
            lines.append(self._sign(patient, self._night_cover(starts_at, beside)))
        return lines

    def _maintenance(self, starts_at: datetime, active: bool) -> OrderInput:
        middle = self._next_session_mg(active)
        spread = max(10, round(middle * 0.15 / 5) * 5)
        dose_max = middle + spread
        return OrderInput(
            drug="dam",
            routes=("iv",),
            dose_min=middle - spread,
            dose_max=dose_max,
            sessions_per_day=SESSIONS_PER_DAY,
            daily_max=min(DAM_DAILY_CAP_MG, SESSIONS_PER_DAY * dose_max),
            starts_at=starts_at,
            phase="maintenance",
            windows=ALL_WINDOWS,
            reason="Maintenance dose after titration (synthetic demo order).",
            note=f"Usual dose {middle} mg; adjust within the range for sedation or withdrawal.",
        )

    def _hdm_maintenance(self, starts_at: datetime) -> OrderInput:
        """HDM patients take the calibrated doses in turn (VAN's HDM patients all stay active)."""
        middle = HDM_MAINTENANCE_SESSION_MG[self.hdm_signed % len(HDM_MAINTENANCE_SESSION_MG)]
        self.hdm_signed += 1
        spread = max(10, round(middle * 0.15 / 5) * 5)
        dose_max = middle + spread
        return OrderInput(
            drug="hdm",
            routes=("iv",),
            dose_min=middle - spread,
            dose_max=dose_max,
            sessions_per_day=SESSIONS_PER_DAY,
            daily_max=min(HDM_DAILY_CAP_MG, SESSIONS_PER_DAY * dose_max),
            starts_at=starts_at,
            phase="maintenance",
            windows=ALL_WINDOWS,
            reason="Hydromorphone maintenance dose after titration (synthetic demo order).",
            note=f"Usual dose {middle} mg; adjust within the range for sedation or withdrawal.",
        )

    def _titration(self, starts_at: datetime) -> OrderInput:
        return OrderInput(
            drug="dam",
            routes=("iv",),
            dose_min=15,
            dose_max=self.rng.choice((150, 200, 250)),
            sessions_per_day=SESSIONS_PER_DAY,
            daily_max=600,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(days=TITRATION_DAYS),
            phase="titration",
            windows=ALL_WINDOWS,
            reason="Induction: titrate from 15 mg as the preset's label schedule allows "
            "(synthetic demo order).",
            note="Observe 20 minutes after each dose; review the dose daily with the physician.",
        )

    def _night_cover(self, starts_at: datetime, beside: str) -> OrderInput:
        if self.rng.random() < 0.6:
            drug, dose = "methadone", self.rng.choice(METHADONE_NIGHT_MG)
        else:
            drug, dose = "srom", self.rng.choice(SROM_NIGHT_MG)
        return OrderInput(
            drug=drug,
            routes=("oral",),
            dose_min=dose,
            sessions_per_day=1,
            daily_max=dose,
            starts_at=starts_at,
            phase="maintenance",
            windows=("evening",),
            reason=f"Oral night cover beside {beside} (synthetic demo order).",
            note="Give with the evening session, observed.",
        )

    def _oral_only(self, starts_at: datetime) -> OrderInput:
        if self.rng.random() < 0.5:
            drug, dose = "methadone", self.rng.choice(METHADONE_ONLY_MG)
        else:
            drug, dose = "srom", self.rng.choice(SROM_ONLY_MG)
        # The first such order is due for renewal within days: the expiry flag shows on the
        # chart and the clinic's list.
        ends_at = None
        if self.oral_only_signed == 0:
            ends_at = datetime.combine(
                self.today + timedelta(days=2), NIGHT_COVER_END, tzinfo=starts_at.tzinfo
            )
        self.oral_only_signed += 1
        return OrderInput(
            drug=drug,
            routes=("oral",),
            dose_min=dose,
            sessions_per_day=1,
            daily_max=dose,
            starts_at=starts_at,
            ends_at=ends_at,
            phase="maintenance",
            windows=("evening",),
            reason="Oral night cover only: no HAT order under this clinic's preset "
            "(synthetic demo order).",
            note="Give with the evening session, observed.",
        )

    def suspend(self, lines: list[OrderLine]) -> None:
        for line in lines:
            suspend_order(
                actor=self.physician,
                line=line,
                reason="Patient suspended pending review after repeated missed sessions "
                "(synthetic).",
            )

    def stop(self, lines: list[OrderLine], exit_reason: str) -> None:
        for line in lines:
            stop_order(
                actor=self.physician,
                line=line,
                reason=f"Patient left treatment ({exit_reason}) (synthetic).",
            )
