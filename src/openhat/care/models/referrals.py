"""Referrals to outside services (CLINIC.md §3.6, §10) and the clinic's directory of partners.

A referral moves planned -> sent -> accepted -> attended -> completed, or ends declined or lost to
follow-up (openhat.care.transitions holds the legal moves). The date each stage was reached is
kept on the row; the database refuses a status without its date, dates out of order, and an open
referral without a follow-up date. pghistory keeps every version.
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from openhat.enrolment.models import DataCategory


class ReferralKind(models.TextChoices):
    """The services HAT patients are referred to (CLINIC.md §3.6)."""

    MEDICAL_CARE = "medical_care", "Medical care"
    HIV_HCV = "hiv_hcv", "HIV/HCV testing and treatment"
    WOUND_CARE = "wound_care", "Wound care"
    MENTAL_HEALTH = "mental_health", "Mental health"
    COUNSELLING = "counselling", "Counselling"
    ORAL_OAT_OR_ABSTINENCE = (
        "oral_oat_or_abstinence",
        "Oral OAT or abstinence-oriented treatment",
    )
    HOUSING = "housing", "Housing"
    INCOME = "income", "Income and benefits"
    LEGAL_AID = "legal_aid", "Legal aid"
    EMPLOYMENT = "employment", "Employment"


class ReferralStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    SENT = "sent", "Sent"
    ACCEPTED = "accepted", "Accepted"
    ATTENDED = "attended", "Attended"
    COMPLETED = "completed", "Completed"
    DECLINED = "declined", "Declined"
    LOST_TO_FOLLOW_UP = "lost_to_follow_up", "Lost to follow-up"


OPEN_STATUSES = (
    ReferralStatus.PLANNED,
    ReferralStatus.SENT,
    ReferralStatus.ACCEPTED,
    ReferralStatus.ATTENDED,
)
TERMINAL_STATUSES = (
    ReferralStatus.COMPLETED,
    ReferralStatus.DECLINED,
    ReferralStatus.LOST_TO_FOLLOW_UP,
)
_SENT_OR_LATER = (
    ReferralStatus.SENT,
    ReferralStatus.ACCEPTED,
    ReferralStatus.ATTENDED,
    ReferralStatus.COMPLETED,
)
_ACCEPTED_OR_LATER = (ReferralStatus.ACCEPTED, ReferralStatus.ATTENDED, ReferralStatus.COMPLETED)


@pghistory.track()
class PartnerService(models.Model):
    """An outside organisation the clinic refers to. `name` is matched (ignoring case and spacing)
    against the recipient named on a release-of-information consent."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    kinds = ArrayField(models.CharField(max_length=24, choices=ReferralKind.choices))
    contact = models.TextField(blank=True)  # address, phone, opening hours, a contact person
    note = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["clinic", "name"]
        constraints = [
            models.UniqueConstraint(
                "clinic", Lower("name"), name="partner_service_name_unique_in_clinic"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="partner_service_has_name"),
            models.CheckConstraint(
                condition=Q(kinds__len__gte=1) & Q(kinds__contained_by=ReferralKind.values),
                name="partner_service_kinds_known",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def kind_labels(self) -> list[str]:
        return [ReferralKind(kind).label for kind in self.kinds]


def _stage_dates_in_order() -> Q:
    """Each stage's date is on or after every earlier stage's date that is set."""
    stages = ["planned_on", "sent_on", "accepted_on", "attended_on", "ended_on"]
    condition = Q()
    for index, later in enumerate(stages[1:], start=1):
        for earlier in stages[:index]:
            condition &= Q(**{f"{later}__isnull": True}) | Q(**{f"{later}__gte": F(earlier)})
    return condition


@pghistory.track()
class Referral(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="referrals"
    )
    kind = models.CharField(max_length=24, choices=ReferralKind.choices)
    partner = models.ForeignKey(PartnerService, on_delete=models.PROTECT, related_name="referrals")
    reason = models.TextField()
    # The patient's data the referral sends to the partner; empty when nothing is sent (the
    # patient goes with the partner's address only).
    sends_data = ArrayField(
        models.CharField(max_length=24, choices=DataCategory.choices), default=list, blank=True
    )
    status = models.CharField(
        max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.PLANNED
    )
    planned_on = models.DateField()
    sent_on = models.DateField(null=True, blank=True)
    accepted_on = models.DateField(null=True, blank=True)
    attended_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)  # completed, declined or lost to follow-up
    follow_up_on = models.DateField(null=True, blank=True)  # set while the referral is open
    status_note = models.TextField(blank=True)  # why it was declined or lost, what was agreed
    # The release-of-information consents the sending relied on, as checked on sent_on.
    sent_under = models.ManyToManyField(
        "enrolment.Consent", blank=True, related_name="referrals_sent"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["patient", "-planned_on", "-id"]
        indexes = [
            models.Index(fields=["clinic", "status", "follow_up_on"], name="referral_follow_up")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ReferralKind.values), name="referral_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReferralStatus.values), name="referral_status_known"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="referral_has_reason"),
            models.CheckConstraint(
                condition=Q(sends_data__contained_by=DataCategory.values),
                name="referral_sends_known_categories",
            ),
            # Open referrals are followed up; ended ones carry the day they ended.
            models.CheckConstraint(
                condition=~Q(status__in=OPEN_STATUSES)
                | Q(follow_up_on__isnull=False, ended_on__isnull=True),
                name="referral_open_is_followed_up",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=TERMINAL_STATUSES)
                | Q(follow_up_on__isnull=True, ended_on__isnull=False),
                name="referral_ended_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=_SENT_OR_LATER) | Q(sent_on__isnull=False),
                name="referral_sent_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=_ACCEPTED_OR_LATER) | Q(accepted_on__isnull=False),
                name="referral_accepted_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReferralStatus.ATTENDED) | Q(attended_on__isnull=False),
                name="referral_attended_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReferralStatus.PLANNED)
                | Q(sent_on__isnull=True, accepted_on__isnull=True, attended_on__isnull=True),
                name="referral_planned_has_no_later_dates",
            ),
            models.CheckConstraint(
                condition=_stage_dates_in_order(), name="referral_stage_dates_in_order"
            ),
            models.CheckConstraint(
                condition=Q(follow_up_on__isnull=True) | Q(follow_up_on__gte=F("planned_on")),
                name="referral_follow_up_after_planned",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} referral {self.pk} of patient {self.patient_id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def sends_labels(self) -> list[str]:
        return [DataCategory(category).label for category in self.sends_data]

    def stage_dates(self) -> list[tuple[str, object]]:
        """(stage, date) for each stage reached, in order: the referral's timeline."""
        ended_label = ReferralStatus(self.status).label if not self.is_open else ""
        stages = [
            ("Planned", self.planned_on),
            ("Sent", self.sent_on),
            ("Accepted", self.accepted_on),
            ("Attended", self.attended_on),
            (ended_label, self.ended_on),
        ]
        return [(label, day) for label, day in stages if day is not None]
