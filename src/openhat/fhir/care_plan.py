"""A patient's care plan as a FHIR R4 CarePlan with its goals contained (fhir.resources.R4B).

Each goal is a contained Goal: its status maps to Goal.lifecycleStatus and, where HL7's
goal-achievement codes say the same thing, to achievementStatus; its agreed actions become the
plan's activities. The patient's own words for a goal are a note on the Goal, marked as theirs.
The subject is the pseudonymous client code only.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.careplan import CarePlan as FhirCarePlan
from fhir.resources.R4B.resource import Resource

from openhat.care.models import CareGoal, CarePlan, GoalStatus
from openhat.fhir.common import patient_reference
from openhat.patients.lifecycle import PatientStatus

CARE_PLAN_SYSTEM = "urn:openhat:care-plan"
CARE_DOMAIN_SYSTEM = "urn:openhat:care-domain"
GOAL_ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement"

# GoalStatus -> (Goal.lifecycleStatus, goal-achievement code or None, CarePlan activity status)
_GOAL_STATUS: dict[str, tuple[str, str | None, str]] = {
    GoalStatus.NOT_STARTED: ("accepted", None, "not-started"),
    GoalStatus.IN_PROGRESS: ("active", "in-progress", "in-progress"),
    GoalStatus.ACHIEVED: ("completed", "achieved", "completed"),
    GoalStatus.PARTLY_ACHIEVED: ("completed", None, "completed"),
    GoalStatus.NOT_ACHIEVED: ("completed", "not-achieved", "completed"),
    GoalStatus.DROPPED: ("cancelled", None, "cancelled"),
}


def _goal(goal: CareGoal, client_code: str) -> dict[str, Any]:
    lifecycle, achievement, _ = _GOAL_STATUS[goal.status]
    notes = []
    if goal.patient_words:
        notes.append({"text": f"In the patient's own words: {goal.patient_words}"})
    if goal.review_note:
        notes.append({"text": f"Review note: {goal.review_note}"})
    achievement_status: dict[str, Any] = {"text": goal.get_status_display()}
    if achievement:
        achievement_status["coding"] = [{"system": GOAL_ACHIEVEMENT, "code": achievement}]
    resource: dict[str, Any] = {
        "resourceType": "Goal",
        "id": f"goal-{goal.pk}",
        "lifecycleStatus": lifecycle,
        "achievementStatus": achievement_status,
        "category": [
            {
                "coding": [{"system": CARE_DOMAIN_SYSTEM, "code": goal.domain}],
                "text": goal.get_domain_display(),
            }
        ],
        "description": {"text": goal.goal},
        "subject": patient_reference(client_code),
        "target": [{"dueDate": goal.target_on.isoformat()}],
        "note": notes or None,
    }
    return {key: value for key, value in resource.items() if value is not None}


def _activities(goal: CareGoal) -> list[dict[str, Any]]:
    status = _GOAL_STATUS[goal.status][2]
    return [
        {
            "detail": {
                "status": status,
                "description": line,
                "goal": [{"reference": f"#goal-{goal.pk}"}],
            }
        }
        for line in goal.action_lines()
    ]


def care_plan_resource(plan: CarePlan) -> list[Resource]:
    """The plan as one validated CarePlan (a list, for the searchset Bundle)."""
    client_code = plan.patient.client_code
    goals = list(plan.goals.all())
    reviews = list(plan.reviews.all().order_by("reviewed_on", "pk"))
    exited = plan.patient.status == PatientStatus.EXITED
    resource = FhirCarePlan.model_validate(
        {
            "resourceType": "CarePlan",
            "id": f"care-plan-{plan.pk}",
            "identifier": [{"system": CARE_PLAN_SYSTEM, "value": str(plan.pk)}],
            "status": "completed" if exited else "active",
            "intent": "plan",
            "title": "Care plan",
            "subject": patient_reference(client_code),
            "period": {"start": plan.started_on.isoformat()},
            "created": plan.created_at.isoformat(),
            "contained": [_goal(goal, client_code) for goal in goals] or None,
            "goal": [{"reference": f"#goal-{goal.pk}"} for goal in goals] or None,
            "activity": [a for goal in goals for a in _activities(goal)] or None,
            "note": [
                {
                    "time": f"{review.reviewed_on.isoformat()}T00:00:00Z",
                    "authorString": review.reviewed_by.get_username(),
                    "text": f"Review: {review.note} (next review {review.next_review_on})",
                }
                for review in reviews
            ]
            + [{"text": f"Next review due {plan.next_review_on.isoformat()}."}],
        }
    )
    return [resource]
