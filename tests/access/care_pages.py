"""Role x route cases for care plans, referrals and the partner directory (format:
tests/access/cases.py).

Placeholders from CareWorld.placeholders() (built in tests/test_role_matrix.py on the ZRH patient
{code}): {goal_id} a goal of its care plan, {referral_id} a planned referral that sends no data,
{partner_id} a ZRH partner service.

Who: counsellors write care plans and referrals (WRITE_CARE); nurses and physicians read them
(VIEW_CARE); other roles, researchers included, get a 403, and the outsider a 404. The partner
directory is kept by counsellors and managers (MANAGE_PARTNERS) and lists the caller's own clinic,
so the outsider gets OUT's directory, with nothing of ZRH in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from openhat.care import services
from openhat.care.inputs import GoalInput, PartnerInput, ReferralInput
from openhat.core.clock import clinic_today
from openhat.patients.models import Patient
from tests.access.cases import RouteCase
from tests.conftest import Personas

READERS = frozenset({"physician", "nurse", "counsellor"})
COUNSELLORS = frozenset({"counsellor"})
DIRECTORY_READERS = frozenset({"physician", "nurse", "counsellor", "manager"})
DIRECTORY_KEEPERS = frozenset({"counsellor", "manager"})
OK = frozenset({200})
SAVED = frozenset({302})
PARTNER_NAME = "Matrix Housing Partner"


@dataclass(frozen=True)
class CareWorld:
    goal_id: int
    referral_id: int
    partner_id: int

    def placeholders(self) -> dict[str, str]:
        return {
            "{goal_id}": str(self.goal_id),
            "{referral_id}": str(self.referral_id),
            "{partner_id}": str(self.partner_id),
        }


def build_care(personas: Personas, patient: Patient) -> CareWorld:
    counsellor = personas["counsellor"]
    today = clinic_today(personas.clinic)
    plan = services.start_care_plan(actor=counsellor, patient=patient)
    goal = services.add_goal(
        actor=counsellor,
        plan=plan,
        goal=GoalInput("housing", "A room", "shared", today + timedelta(days=60)),
    )
    partner = services.save_partner_service(
        actor=counsellor,
        clinic=personas.clinic,
        partner=PartnerInput(name=PARTNER_NAME, kinds=["housing"]),
    )
    referral = services.plan_referral(
        actor=counsellor,
        patient=patient,
        referral=ReferralInput("housing", partner.pk, "needs a room", today + timedelta(days=7)),
    )
    return CareWorld(goal.pk, referral.pk, partner.pk)


GOAL_FORM = {
    "domain": "income",
    "goal": "Claim the benefits due",
    "owner": "patient",
    "target_on": "{today}",
    "status": "not_started",
}
PLAN = "/care/patients/{code}"
REFERRAL = f"{PLAN}/referrals/{{referral_id}}"
CARE_PAGE_CASES: list[RouteCase] = [
    RouteCase("care:plan", "GET", f"{PLAN}/", READERS),
    RouteCase("care:start_plan", "POST", f"{PLAN}/start/", COUNSELLORS, ok_status=SAVED),
    RouteCase("care:add_goal", "GET", f"{PLAN}/goals/new/", COUNSELLORS),
    RouteCase(
        "care:add_goal", "POST", f"{PLAN}/goals/new/", COUNSELLORS, ok_status=SAVED, data=GOAL_FORM
    ),
    RouteCase("care:edit_goal", "GET", f"{PLAN}/goals/{{goal_id}}/", COUNSELLORS),
    RouteCase(
        "care:edit_goal",
        "POST",
        f"{PLAN}/goals/{{goal_id}}/",
        COUNSELLORS,
        ok_status=SAVED,
        data=GOAL_FORM,
    ),
    RouteCase("care:review", "GET", f"{PLAN}/review/", COUNSELLORS),
    RouteCase(
        "care:review",
        "POST",
        f"{PLAN}/review/",
        COUNSELLORS,
        ok_status=SAVED,
        data={"note": "Reviewed in the matrix"},
    ),
    RouteCase("care:new_referral", "GET", f"{PLAN}/referrals/new/", COUNSELLORS),
    RouteCase(
        "care:new_referral",
        "POST",
        f"{PLAN}/referrals/new/",
        COUNSELLORS,
        ok_status=SAVED,
        data={
            "kind": "housing",
            "partner": "{partner_id}",
            "reason": "another try",
            "follow_up_on": "{today}",
        },
    ),
    RouteCase("care:referral", "GET", f"{REFERRAL}/", READERS),
    RouteCase(
        "care:referral",
        "POST",
        f"{REFERRAL}/",
        COUNSELLORS,
        ok_status=SAVED,
        data={"status": "sent", "follow_up_on": "{today}"},
    ),
    RouteCase(
        "care:follow_up",
        "POST",
        f"{REFERRAL}/follow-up/",
        COUNSELLORS,
        ok_status=SAVED,
        data={"follow_up_on": "{today}"},
    ),
    RouteCase(
        "care:partners",
        "GET",
        "/care/partners/",
        DIRECTORY_READERS,
        outsider_status=OK,
        outsider_must_not_see=(PARTNER_NAME,),
    ),
    RouteCase(
        "care:new_partner",
        "GET",
        "/care/partners/new/",
        DIRECTORY_KEEPERS,
        outsider_status=OK,
        outsider_must_not_see=(PARTNER_NAME,),
    ),
    RouteCase(
        "care:new_partner",
        "POST",
        "/care/partners/new/",
        DIRECTORY_KEEPERS,
        ok_status=SAVED,
        outsider_status=SAVED,
        outsider_must_not_see=(PARTNER_NAME,),
        data={"name": "Matrix legal aid", "kinds": ["legal_aid"], "is_active": "on"},
    ),
    RouteCase("care:edit_partner", "GET", "/care/partners/{partner_id}/", DIRECTORY_KEEPERS),
    RouteCase(
        "care:edit_partner",
        "POST",
        "/care/partners/{partner_id}/",
        DIRECTORY_KEEPERS,
        ok_status=SAVED,
        outsider_must_not_see=(PARTNER_NAME,),
        data={"name": PARTNER_NAME, "kinds": ["housing", "income"], "is_active": "on"},
    ),
]

MANAGERS = frozenset({"manager"})
CARE_PAGE_CASES += [
    RouteCase("care:settings", "GET", "/care/settings/", MANAGERS, outsider_status=OK),
    RouteCase(
        "care:settings",
        "POST",
        "/care/settings/",
        MANAGERS,
        ok_status=SAVED,
        outsider_status=SAVED,
        data={"care_plan_review_months": "4"},
    ),
]
