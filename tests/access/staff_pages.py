"""The staff, casework and research pages of the role x route matrix (format: tests/access/cases.py).

Placeholders filled from StaffWorld.placeholders() (built in tests/test_role_matrix.py):
  {membership_id}      the ZRH pharmacy technician's membership (never the manager's own)
  {invitation_id}      an open invitation to ZRH, made by its manager
  {invitation_secret}  that invitation's link secret

The staff pages are for managers; the outsider manages clinic OUT, so the pages about their own
clinic answer them, and ZRH's memberships and invitations are "not found" to them. The invitation
link answers anyone who holds it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User

from openhat.clinics.models import StaffMembership
from openhat.staff.services import invite
from tests.access.cases import ALL_ROLES, RouteCase
from tests.conftest import Personas

MANAGERS = frozenset({"manager"})
CONSENT_RECORDERS = frozenset({"physician", "nurse", "counsellor", "manager"})
AGGREGATE_READERS = frozenset({"auditor", "researcher"})
OK = frozenset({200})
CREATED = frozenset({201})
REDIRECT = frozenset({302})
FORBIDDEN = frozenset({403})
MEMBER = "/staff/{membership_id}/"
WITHDRAW = "/staff/invitations/{invitation_id}/withdraw/"
NEW_PASSWORD = "a long matrix passphrase 7"


@dataclass(frozen=True)
class StaffWorld:
    membership_id: int
    invitation_id: int
    invitation_secret: str

    def placeholders(self) -> dict[str, str]:
        return {
            "{membership_id}": str(self.membership_id),
            "{invitation_id}": str(self.invitation_id),
            "{invitation_secret}": self.invitation_secret,
        }


def build_staff(personas: Personas) -> StaffWorld:
    manager: User = personas["manager"]
    invitation, secret = invite(
        actor=manager, clinic=personas.clinic, username="matrix_invitee", role="nurse"
    )
    technician = StaffMembership.objects.get(
        user=personas["pharmacy_technician"], clinic=personas.clinic
    )
    return StaffWorld(technician.pk, invitation.pk, secret)


STAFF_PAGE_CASES: list[RouteCase] = [
    RouteCase("staff:overview", "GET", "/staff/", MANAGERS, OK, outsider_status=OK),
    RouteCase("staff:invite", "GET", "/staff/invite/", MANAGERS, OK, outsider_status=OK),
    RouteCase(
        "staff:invite",
        "POST",
        "/staff/invite/",
        MANAGERS,
        CREATED,
        outsider_status=CREATED,
        data={"username": "matrix_colleague", "role": "nurse"},
    ),
    RouteCase(
        "staff:dosing_windows", "GET", "/staff/dosing-windows/", MANAGERS, OK, outsider_status=OK
    ),
    # Hours that keep a window open round the clock but for the last minute (as the test clinic).
    RouteCase(
        "staff:dosing_windows",
        "POST",
        "/staff/dosing-windows/",
        MANAGERS,
        REDIRECT,
        outsider_status=REDIRECT,
        data={
            "morning_opens": "00:00",
            "morning_closes": "10:30",
            "midday_opens": "10:30",
            "midday_closes": "16:00",
            "evening_opens": "16:00",
            "evening_closes": "23:59",
        },
    ),
    RouteCase("staff:member", "GET", MEMBER, MANAGERS, OK),
    RouteCase("staff:member", "POST", MEMBER, MANAGERS, REDIRECT, data={"role": "pharmacist"}),
    RouteCase("staff:member_step", "GET", MEMBER + "deactivate/", MANAGERS, OK),
    RouteCase("staff:member_step", "POST", MEMBER + "deactivate/", MANAGERS, REDIRECT),
    RouteCase("staff:revoke_invitation", "GET", WITHDRAW, MANAGERS, OK),
    RouteCase("staff:revoke_invitation", "POST", WITHDRAW, MANAGERS, REDIRECT),
    # The link is the credential: it answers anyone holding it, signed in or not.
    RouteCase(
        "staff:join",
        "GET",
        "/staff/join/{invitation_secret}/",
        ALL_ROLES,
        OK,
        outsider_status=OK,
    ),
    RouteCase(
        "staff:join",
        "POST",
        "/staff/join/{invitation_secret}/",
        ALL_ROLES,
        REDIRECT,
        outsider_status=REDIRECT,
        data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    ),
    RouteCase("casework:start", "GET", "/casework/", CONSENT_RECORDERS, OK, outsider_status=OK),
    RouteCase(
        "outcomes:start", "GET", "/research/", AGGREGATE_READERS, OK, outsider_status=FORBIDDEN
    ),
]
