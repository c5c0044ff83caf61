"""Forms of the care pages. They check the shape of input; the services hold the rules."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from openhat.care.inputs import GoalInput, GoalReviewInput, PartnerInput, ReferralInput
from openhat.care.models import (
    CareDomain,
    CareGoal,
    GoalOwner,
    GoalStatus,
    PartnerService,
    ReferralKind,
    ReferralStatus,
)
from openhat.enrolment.forms import OneTimeKeyForm
from openhat.enrolment.models import DataCategory

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_NOTE = forms.Textarea(attrs={"rows": 3})


class GoalForm(OneTimeKeyForm):
    key_prefix = "goal"

    domain = forms.ChoiceField(label="Domain", choices=CareDomain.choices)
    goal = forms.CharField(label="Goal", max_length=300)
    patient_words = forms.CharField(
        label="In the patient's own words",
        required=False,
        widget=_NOTE,
        help_text="What the patient said they want, as they said it.",
    )
    actions = forms.CharField(
        label="Actions", required=False, widget=_NOTE, help_text="One step a line."
    )
    owner = forms.ChoiceField(label="Owner", choices=GoalOwner.choices)
    target_on = forms.DateField(label="Target date", widget=_DATE)
    status = forms.ChoiceField(label="Status", choices=GoalStatus.choices)
    review_note = forms.CharField(label="Review note", required=False, widget=_NOTE)

    def goal_input(self) -> GoalInput:
        data = self.cleaned_data
        return GoalInput(
            domain=data["domain"],
            goal=data["goal"],
            owner=data["owner"],
            target_on=data["target_on"],
            actions=data["actions"],
            status=data["status"],
            review_note=data["review_note"],
            patient_words=data["patient_words"],
        )

    @classmethod
    def for_goal(cls, goal: CareGoal) -> GoalForm:
        return cls(
            initial={
                name: getattr(goal, name)
                for name in (
                    "domain",
                    "goal",
                    "patient_words",
                    "actions",
                    "owner",
                    "target_on",
                    "status",
                    "review_note",
                )
            }
        )


class ReviewForm(OneTimeKeyForm):
    """The review's note, and a status and review note for each goal of the plan."""

    key_prefix = "review"

    reviewed_on = forms.DateField(
        label="Review date", required=False, widget=_DATE, help_text="Leave empty for today."
    )
    note = forms.CharField(label="What was reviewed and agreed", widget=_NOTE)

    def __init__(self, *args: Any, goals: list[CareGoal], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.goals = goals
        for goal in goals:
            # Left out of a post: the goal keeps its status.
            self.fields[f"goal_{goal.pk}_status"] = forms.ChoiceField(
                label="Status", choices=GoalStatus.choices, initial=goal.status, required=False
            )
            self.fields[f"goal_{goal.pk}_note"] = forms.CharField(
                label="Review note", required=False, widget=_NOTE, initial=goal.review_note
            )

    def goal_rows(self) -> list[tuple[CareGoal, Any, Any]]:
        return [
            (goal, self[f"goal_{goal.pk}_status"], self[f"goal_{goal.pk}_note"])
            for goal in self.goals
        ]

    def goal_reviews(self) -> list[GoalReviewInput]:
        return [
            GoalReviewInput(
                goal_id=goal.pk,
                status=self.cleaned_data[f"goal_{goal.pk}_status"] or goal.status,
                review_note=self.cleaned_data[f"goal_{goal.pk}_note"],
            )
            for goal in self.goals
            if f"goal_{goal.pk}_status" in self.data
        ]


class ReferralForm(OneTimeKeyForm):
    key_prefix = "referral"

    kind = forms.ChoiceField(label="Kind of referral", choices=ReferralKind.choices)
    partner = forms.TypedChoiceField(label="To", coerce=int)
    reason = forms.CharField(label="Reason", widget=_NOTE)
    sends_data = forms.MultipleChoiceField(
        label="Patient data sent with it",
        required=False,
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked when nothing is sent. Sending needs the patient's "
        "release-of-information consent for this partner, checked when it is sent.",
    )
    follow_up_on = forms.DateField(label="Follow up on", widget=_DATE)

    def __init__(self, *args: Any, partners: list[PartnerService], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["partner"]).choices = [
            (p.pk, f"{p.name} ({', '.join(p.kind_labels())})") for p in partners
        ]

    def referral_input(self) -> ReferralInput:
        data = self.cleaned_data
        return ReferralInput(
            kind=data["kind"],
            partner_id=data["partner"],
            reason=data["reason"],
            follow_up_on=data["follow_up_on"],
            sends_data=list(data["sends_data"]),
        )


class ReferralStatusForm(OneTimeKeyForm):
    key_prefix = "referral-status"

    status = forms.ChoiceField(label="New status")
    on = forms.DateField(label="On", required=False, widget=_DATE, help_text="Empty: today.")
    follow_up_on = forms.DateField(
        label="Next follow-up",
        required=False,
        widget=_DATE,
        help_text="Needed while the referral stays open.",
    )
    note = forms.CharField(label="Note", required=False, widget=_NOTE)
    confirm_final = forms.BooleanField(
        label="I understand that completed, declined and lost to follow-up end the referral.",
        required=False,
    )

    def __init__(self, *args: Any, allowed: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["status"]).choices = [
            (s, ReferralStatus(s).label) for s in allowed
        ]


class FollowUpForm(forms.Form):
    follow_up_on = forms.DateField(label="Move the follow-up to", widget=_DATE)
    note = forms.CharField(label="Note", required=False, widget=_NOTE)


class PartnerForm(OneTimeKeyForm):
    key_prefix = "partner"

    name = forms.CharField(
        label="Name",
        max_length=200,
        help_text="As the patient's release-of-information consent names the recipient.",
    )
    kinds = forms.MultipleChoiceField(
        label="Services offered", choices=ReferralKind.choices, widget=forms.CheckboxSelectMultiple
    )
    contact = forms.CharField(label="Contact", required=False, widget=_NOTE)
    note = forms.CharField(label="Note", required=False, widget=_NOTE)
    is_active = forms.BooleanField(label="In use", required=False, initial=True)

    def partner_input(self) -> PartnerInput:
        data = self.cleaned_data
        return PartnerInput(
            name=data["name"],
            kinds=list(data["kinds"]),
            contact=data["contact"],
            note=data["note"],
            is_active=data["is_active"],
        )
