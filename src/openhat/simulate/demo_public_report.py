"""The demo clinics' public transparency report for the last month that has ended, frozen by the
demo manager through openhat.outcomes.public_services, so the public page and the pilot planner's
brief (which can quote it) have a real report to show.

Idempotent: freezing a month whose figures have not changed returns the version that exists; a
demo loaded again in a later month freezes that month too, and earlier months stay as published.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import User

from openhat.clinics.models import Clinic
from openhat.clinics.roles import Role
from openhat.core.clock import clinic_today
from openhat.outcomes import public_services
from openhat.outcomes.models import PublicReport


def public_report_missing(clinic: Clinic) -> bool:
    return not PublicReport.objects.filter(clinic=clinic).exists()


def load_demo_public_report(clinic: Clinic, staff: dict[str, User]) -> PublicReport | None:
    """The report of the month before today's, or None when nothing was recorded in it."""
    manager = staff[Role.MANAGER.value]
    last_month = clinic_today(clinic).replace(day=1) - timedelta(days=1)
    period = f"{last_month.year:04d}-{last_month.month:02d}"
    shown = public_services.preview(actor=manager, clinic=clinic, period=period)
    if shown.content["empty"]:
        return None
    return public_services.freeze(
        actor=manager, clinic=clinic, period=period, expected_sha256=shown.sha256
    ).report
