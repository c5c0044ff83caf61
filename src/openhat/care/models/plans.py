"""A patient's care plan (CLINIC.md §3.6, §10): goals across the care domains, reviewed on the
clinic's schedule.

The plan and its goals are edited in place and versioned by pghistory (who changed what, when);
a review is an append-only row. Every row carries clinic_id, like every clinical row.
"""

from __future__ import annotations

import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import F, Q

_APPEND_ONLY = pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)


class CareDomain(models.TextChoices):
    """The care plan's domains (CLINIC.md §10)."""

    DRUG_USE = "drug_use", "Drug use"
    PHYSICAL_HEALTH = "physical_health", "Physical health"
    MENTAL_HEALTH = "mental_health", "Mental health"
    HOUSING = "housing", "Housing"
    INCOME = "income", "Income"
    LEGAL = "legal", "Legal"
    WORK_AND_EDUCATION = "work_and_education", "Work and education"
    FAMILY_AND_SOCIAL = "family_and_social", "Family and social"


class GoalOwner(models.TextChoices):
    """Who carries a goal forward."""

    PATIENT = "patient", "The patient"
    COUNSELLOR = "counsellor", "The counsellor / case manager"
    SHARED = "shared", "The patient and the counsellor together"
    CLINIC_TEAM = "clinic_team", "The clinic's medical team"
    PARTNER = "partner", "A partner service"


class GoalStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    ACHIEVED = "achieved", "Achieved"
    PARTLY_ACHIEVED = "partly_achieved", "Partly achieved"
    NOT_ACHIEVED = "not_achieved", "Not achieved"
    DROPPED = "dropped", "Dropped by agreement"


OPEN_GOAL_STATUSES = (GoalStatus.NOT_STARTED, GoalStatus.IN_PROGRESS)


@pghistory.track()
class CarePlan(models.Model):
    """One per patient: started once, then its goals change and it is reviewed."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.PROTECT, related_name="care_plan"
    )
    started_on = models.DateField()
    last_reviewed_on = models.DateField(null=True, blank=True)
    # Derived by the services: the last review (or the start) plus the clinic's review interval.
    next_review_on = models.DateField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["patient"]
        indexes = [models.Index(fields=["clinic", "next_review_on"], name="care_plan_review_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_reviewed_on__isnull=True)
                | Q(last_reviewed_on__gte=F("started_on")),
                name="care_plan_reviewed_after_start",
            ),
            models.CheckConstraint(
                condition=Q(next_review_on__gt=F("started_on"))
                & (Q(last_reviewed_on__isnull=True) | Q(next_review_on__gt=F("last_reviewed_on"))),
                name="care_plan_next_review_ahead",
            ),
        ]

    def __str__(self) -> str:
        return f"care plan of patient {self.patient_id}"


@pghistory.track()
class CareGoal(models.Model):
    care_plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="goals")
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    domain = models.CharField(max_length=24, choices=CareDomain.choices)
    goal = models.CharField(max_length=300)
    # The steps agreed, one a line.
    actions = models.TextField(blank=True)
    owner = models.CharField(max_length=16, choices=GoalOwner.choices)
    target_on = models.DateField()
    status = models.CharField(
        max_length=16, choices=GoalStatus.choices, default=GoalStatus.NOT_STARTED
    )
    review_note = models.TextField(blank=True)
    # What the patient said they want, in their words (optional, kept as said).
    patient_words = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["care_plan", "domain", "target_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(domain__in=CareDomain.values), name="care_goal_domain_known"
            ),
            models.CheckConstraint(
                condition=Q(owner__in=GoalOwner.values), name="care_goal_owner_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=GoalStatus.values), name="care_goal_status_known"
            ),
            models.CheckConstraint(condition=~Q(goal=""), name="care_goal_has_text"),
        ]

    def __str__(self) -> str:
        return f"{self.domain} goal {self.pk} of care plan {self.care_plan_id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_GOAL_STATUSES

    def action_lines(self) -> list[str]:
        return [line.strip() for line in self.actions.splitlines() if line.strip()]


class CarePlanReview(models.Model):
    """A review of the plan as it happened: who, when, what was said, and the next date it set."""

    care_plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="reviews")
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    reviewed_on = models.DateField()
    note = models.TextField()
    next_review_on = models.DateField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["care_plan", "reviewed_on", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(note=""), name="care_review_has_note"),
            models.CheckConstraint(
                condition=Q(next_review_on__gt=F("reviewed_on")),
                name="care_review_next_after_review",
            ),
        ]
        triggers = [_APPEND_ONLY]

    def __str__(self) -> str:
        return f"review {self.pk} of care plan {self.care_plan_id} on {self.reviewed_on}"
