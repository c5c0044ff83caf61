"""Audit chain and patient registry at clinic scale.

Prints: audit events appended per second (one transaction each, as services do), rows verified per
second, and patient search times on a clinic of N patients (by full code, by number, list page).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import date

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openhat.settings")
os.environ.setdefault("OPENHAT_TEST_DATABASE", "bench_openhat")

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from rich.progress import Progress  # noqa: E402

from openhat.audit.codes import AuditCode  # noqa: E402
from openhat.audit.models import AuditEvent  # noqa: E402
from openhat.audit.services import record_event, verify_chain  # noqa: E402
from openhat.clinics.services import add_membership, create_clinic  # noqa: E402
from openhat.patients.access import search_patients  # noqa: E402
from openhat.patients.models import Patient  # noqa: E402
from openhat.patients.services import register_patient  # noqa: E402
from openhat.patients.validation import IdentityInput  # noqa: E402


def timed(function, repeat: int = 20) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--patients", type=int, default=1500)
    args = parser.parse_args()

    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        clinic = create_clinic(
            actor=None,
            code="BEN",
            name="Bench",
            time_zone="Europe/Zurich",
            jurisdiction_preset="ch",
        )
        nurse = User.objects.create_user("bench-nurse")
        add_membership(actor=None, user=nurse, clinic=clinic, role="nurse")

        with Progress(transient=True) as progress:
            task = progress.add_task("appending audit events", total=args.events)
            start = time.perf_counter()
            for index in range(args.events):
                with transaction.atomic():
                    record_event(
                        AuditCode.CLINIC_UPDATED, actor=nurse, clinic=clinic, data={"i": index}
                    )
                progress.advance(task)
            append_seconds = time.perf_counter() - start

            task = progress.add_task("registering patients", total=args.patients)
            start = time.perf_counter()
            for index in range(args.patients):
                register_patient(
                    actor=nurse,
                    clinic=clinic,
                    identity=IdentityInput(f"Bench Person {index}", date(1980, 1, 1)),
                )
                progress.advance(task)
            register_seconds = time.perf_counter() - start

        rows = AuditEvent.objects.count()
        start = time.perf_counter()
        checked, broken = verify_chain(AuditEvent, "audit_event")
        verify_seconds = time.perf_counter() - start
        assert broken is None and checked == rows

        middle = Patient.objects.order_by("number")[args.patients // 2]
        by_code = timed(lambda: list(search_patients(nurse, clinic.pk, middle.client_code)))
        by_number = timed(lambda: list(search_patients(nurse, clinic.pk, str(middle.number))))
        first_page = timed(lambda: list(search_patients(nurse, clinic.pk)[:50]))

        append_rate = args.events / append_seconds
        verify_rate = checked / verify_seconds
        print(
            f"audit events appended:   {args.events} in {append_seconds:.2f} s = {append_rate:,.0f} events/s"
        )
        print(
            f"patients registered:     {args.patients} in {register_seconds:.2f} s = {args.patients / register_seconds:,.0f} patients/s"
        )
        print(
            f"audit rows verified:     {checked} in {verify_seconds:.2f} s = {verify_rate:,.0f} rows/s"
        )
        print(f"verify / append rate:    {verify_rate / append_rate:.1f}x")
        print(
            f"search by code (median): {by_code * 1000:.2f} ms   by number: {by_number * 1000:.2f} ms   first 50: {first_page * 1000:.2f} ms"
        )
        print(f"search by code / first page: {by_code / first_page:.2f}x")
    finally:
        connection.creation.destroy_test_db(test_name, verbosity=0)


if __name__ == "__main__":
    main()
