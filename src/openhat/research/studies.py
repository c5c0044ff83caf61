"""Registering a study and finding one: the manager's side (Capability.MANAGE_SETTINGS)."""

from __future__ import annotations

import re

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from openhat.audit.codes import AuditCode
from openhat.audit.services import record_event
from openhat.clinics.access import require
from openhat.clinics.models import Clinic
from openhat.clinics.roles import Capability
from openhat.core.clock import now
from openhat.core.errors import Conflict, DomainError, NotFound
from openhat.enrolment.checks import normalise_text
from openhat.research.models import STUDY_KEY_PATTERN, DateMode, ResearchStudy


def study_for(clinic: Clinic, key: str | None) -> ResearchStudy:
    """The clinic's study of that key, or study_unknown (nothing is exported)."""
    wanted = (key or "").strip().lower()
    if not wanted:
        raise DomainError("study_unknown", "Name the study to export for (--study KEY).", "study")
    study = ResearchStudy.objects.filter(clinic=clinic, key=wanted).first()
    if study is None:
        raise NotFound(
            "study_unknown",
            f"No study {wanted!r} is registered at {clinic.code}; a manager registers it first.",
            "study",
        )
    return study


def register_study(
    *, actor: User, clinic: Clinic, key: str, name: str, date_mode: str
) -> ResearchStudy:
    """Register a study whose name matches what its research consents give as their purpose."""
    require(actor, clinic, Capability.MANAGE_SETTINGS)
    key = key.strip().lower()
    name = normalise_text(name)
    if not re.fullmatch(STUDY_KEY_PATTERN, key):
        raise DomainError(
            "study_key_invalid",
            "A study key is 2-40 lowercase letters, digits or dashes, starting with a letter.",
            "key",
        )
    if not name:
        raise DomainError(
            "study_name_missing",
            "Give the study's name as its research consents state their purpose.",
            "name",
        )
    if date_mode not in DateMode.values:
        raise DomainError(
            "study_date_mode_unknown",
            f"Choose the dates as {' or '.join(DateMode.values)}.",
            "date_mode",
        )
    try:
        with transaction.atomic():
            study = ResearchStudy.objects.create(
                clinic=clinic,
                key=key,
                name=name,
                date_mode=date_mode,
                registered_by=actor,
                registered_at=now(),
            )
            record_event(
                AuditCode.RESEARCH_STUDY_REGISTERED,
                actor=actor,
                clinic=clinic,
                target=study,
                data={"key": key, "name": name, "date_mode": date_mode},
            )
    except IntegrityError:
        raise Conflict(
            "study_exists",
            f"{clinic.code} already has a study with the key {key!r} or the name {name!r}.",
            "key",
        ) from None
    return study
