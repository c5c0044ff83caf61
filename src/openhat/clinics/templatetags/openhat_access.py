"""Template filters asking the role table (clinics.roles) what the current membership may do,
so templates never repeat the role list by hand."""

from __future__ import annotations

from django import template

from openhat.clinics.models import StaffMembership
from openhat.clinics.roles import Capability, role_can

register = template.Library()


@register.filter
def can(membership: StaffMembership | None, capability: str) -> bool:
    """`{% if current_membership|can:"view_audit" %}`; an unknown capability name is an error."""
    if membership is None:
        return False
    return role_can(membership.role, Capability(capability))
