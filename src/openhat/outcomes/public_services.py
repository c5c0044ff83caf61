"""The public report's writers and readers: the clinic's threshold, previews, freezing, serving.

Freezing writes a new version only when the content differs from the period's latest version;
the same content frozen twice (a second click, a retry) answers with the version that exists.
The public side reads the stored text and nothing else (docs/public-report.md).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max

from openhat.audit.codes import AuditCode
from openhat.audit.services import record_event
from openhat.clinics.access import require
from openhat.clinics.models import Clinic
from openhat.clinics.roles import Capability
from openhat.core import clock
from openhat.core.clock import clinic_today
from openhat.core.errors import Conflict, DomainError, NotFound
from openhat.outcomes.models import (
    DEFAULT_PUBLIC_THRESHOLD,
    MAXIMUM_PUBLIC_THRESHOLD,
    MINIMUM_PUBLIC_THRESHOLD,
    PublicReport,
    PublicReportSettings,
)
from openhat.outcomes.public_counts import Month
from openhat.outcomes.public_snapshot import build_content, canonical, sha256_of

_PERIOD = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")
NOT_FROZEN = "report_not_frozen"


def threshold_of(clinic: Clinic) -> int:
    found = (
        PublicReportSettings.objects.filter(clinic=clinic)
        .values_list("small_cell_threshold", flat=True)
        .first()
    )
    return found or DEFAULT_PUBLIC_THRESHOLD


def check_threshold(value: int) -> int:
    if value < MINIMUM_PUBLIC_THRESHOLD:
        raise DomainError(
            "threshold_below_minimum",
            f"The threshold is at least {MINIMUM_PUBLIC_THRESHOLD}: smaller counts can point at "
            "one or two people.",
            "small_cell_threshold",
        )
    if value > MAXIMUM_PUBLIC_THRESHOLD:
        raise DomainError(
            "threshold_above_maximum",
            f"The threshold is at most {MAXIMUM_PUBLIC_THRESHOLD}.",
            "small_cell_threshold",
        )
    return value


def set_threshold(*, actor: User, clinic: Clinic, threshold: int) -> PublicReportSettings:
    """The clinic's small-cell threshold for its public reports (managers); reports frozen
    before keep the threshold they were frozen with."""
    require(actor, clinic, Capability.MANAGE_SETTINGS)
    check_threshold(threshold)
    with transaction.atomic():
        found, _ = PublicReportSettings.objects.select_for_update().get_or_create(clinic=clinic)
        before = found.small_cell_threshold
        if before == threshold:
            return found
        found.small_cell_threshold = threshold
        found.save(update_fields=["small_cell_threshold", "updated_at"])
        record_event(
            AuditCode.PUBLIC_REPORT_THRESHOLD_SET,
            actor=actor,
            clinic=clinic,
            target=found,
            data={"small_cell_threshold": {"before": before, "after": threshold}},
        )
        return found


def parse_period(text: str) -> Month:
    match = _PERIOD.match(text or "")
    if match is None:
        raise DomainError("invalid_period", "A period is a calendar month: YYYY-MM.", "period")
    return Month.of(int(match.group(1)), int(match.group(2)))


def _contents(clinic: Clinic, **filters: Any) -> list[dict[str, Any]]:
    rows = PublicReport.objects.filter(clinic=clinic, **filters).order_by("frozen_at", "pk")
    return [json.loads(text) for text in rows.values_list("content", flat=True)]


def _latest_per_period(contents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    latest: dict[str, dict[str, Any]] = {}
    for content in contents:
        latest[content["period"]] = content
    return list(latest.values())


def compute(clinic: Clinic, month: Month, *, complementary: bool = True) -> dict[str, Any]:
    """The content the period would have if frozen now (nothing is written)."""
    earlier = _contents(clinic)
    others = [c for c in _latest_per_period(earlier) if c["period"] != month.key]
    return build_content(
        clinic,
        month,
        threshold_of(clinic),
        earlier=earlier,
        history=others,
        complementary=complementary,
    )


@dataclass(frozen=True)
class Preview:
    content: dict[str, Any]
    sha256: str
    ended: bool
    latest: PublicReport | None

    @property
    def unchanged(self) -> bool:
        return self.latest is not None and self.latest.content_sha256 == self.sha256


def preview(*, actor: User, clinic: Clinic, period: str) -> Preview:
    require(actor, clinic, Capability.MANAGE_SETTINGS)
    month = parse_period(period)
    content = compute(clinic, month)
    latest = (
        PublicReport.objects.filter(clinic=clinic, period=month.key).order_by("-version").first()
    )
    ended = month.last < clinic_today(clinic)
    return Preview(content, sha256_of(canonical(content)), ended, latest)


@dataclass(frozen=True)
class Frozen:
    report: PublicReport
    created: bool


def freeze(*, actor: User, clinic: Clinic, period: str, expected_sha256: str) -> Frozen:
    """Freeze the period as the manager saw it in the preview (`expected_sha256`): a new version,
    or the latest one when its content is the same."""
    require(actor, clinic, Capability.MANAGE_SETTINGS)
    month = parse_period(period)
    if month.last >= clinic_today(clinic):
        raise DomainError(
            "period_not_ended",
            "Only a month that has ended can be frozen: its records are still being written.",
            "period",
        )
    with transaction.atomic():
        # One freeze of a clinic at a time: the version number and the earlier reports that the
        # suppression reads must not change under it.
        PublicReportSettings.objects.get_or_create(clinic=clinic)
        PublicReportSettings.objects.select_for_update().get(clinic=clinic)
        content = compute(clinic, month)
        text = canonical(content)
        sha256 = sha256_of(text)
        latest = (
            PublicReport.objects.filter(clinic=clinic, period=month.key)
            .order_by("-version")
            .first()
        )
        if latest is not None and latest.content_sha256 == sha256:
            return Frozen(latest, created=False)
        if sha256 != expected_sha256:
            raise Conflict(
                "report_changed",
                "The figures changed since the preview was shown; look at them again before "
                "freezing.",
                None,
            )
        if content["empty"]:
            raise DomainError(
                "period_empty",
                "Nothing was recorded in this month: there is no report to publish.",
                "period",
            )
        report = PublicReport.objects.create(
            clinic=clinic,
            period=month.key,
            version=(latest.version + 1) if latest else 1,
            content=text,
            content_sha256=sha256,
            frozen_at=clock.now(),
            frozen_by=actor,
        )
        record_event(
            AuditCode.PUBLIC_REPORT_FROZEN,
            actor=actor,
            clinic=clinic,
            target=report,
            data={"period": month.key, "version": report.version, "sha256": sha256},
        )
        return Frozen(report, created=True)


def frozen_reports(clinic: Clinic) -> list[PublicReport]:
    return list(
        PublicReport.objects.filter(clinic=clinic).defer("content").order_by("-period", "-version")
    )


@dataclass(frozen=True)
class Published:
    report: PublicReport
    content: dict[str, Any]
    versions: list[int]


def published(clinic_code: str, period: str, version: int | None = None) -> Published:
    """A frozen report as stored (the latest version unless one is named); anyone may read it.
    A period not frozen (or an unknown clinic) is `report_not_frozen`."""
    not_frozen = NotFound(
        NOT_FROZEN,
        "No report has been published for this clinic and month yet. A clinic publishes a "
        "month's report after the month has ended.",
    )
    if not _PERIOD.match(period or ""):
        raise not_frozen
    rows = PublicReport.objects.filter(clinic__code=clinic_code, period=period)
    versions = sorted(rows.values_list("version", flat=True))
    if not versions or (version is not None and version not in versions):
        raise not_frozen
    report = rows.select_related("clinic").get(version=version or versions[-1])
    return Published(report, json.loads(report.content), versions)


def published_periods(clinic_code: str) -> tuple[Clinic, list[str]]:
    clinic = Clinic.objects.filter(code=clinic_code).first()
    if clinic is None:
        raise NotFound(NOT_FROZEN, "No clinic publishes reports under this code.")
    periods = (
        PublicReport.objects.filter(clinic=clinic)
        .order_by("-period")
        .values_list("period", flat=True)
        .distinct()
    )
    return clinic, list(periods)


def published_index() -> list[PublicReport]:
    """The latest version of every published month of every clinic (without its content), by
    clinic and newest month first: what the pilot planner's brief may quote."""
    latest = (
        PublicReport.objects.order_by("clinic__code", "-period", "-version")
        .distinct("clinic__code", "period")
        .select_related("clinic")
        .defer("content")
    )
    return list(latest)


def latest_version(clinic: Clinic, period: str) -> int:
    found = PublicReport.objects.filter(clinic=clinic, period=period).aggregate(
        latest=Max("version")
    )
    return int(found["latest"] or 0)
