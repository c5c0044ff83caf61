"""The demo clinics' community log: a year of incidents near the clinic, neighbours' complaints
and meetings with neighbours, recorded by the demo manager through openhat.community.services on
their days (backdated, never after today), so the log's page and the public report's plot have
something to show.

How many a month is `local` (no published figure for a clinic's neighbourhood log): more
complaints and meetings in the first months, as around a new clinic, then a few a month. The texts
are bland and name no one. Idempotent: a clinic with any entry is left as it is.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.contrib.auth.models import User

from openhat.clinics.models import Clinic
from openhat.clinics.roles import Role
from openhat.community.models import CommunityLogEntry
from openhat.community.services import months_back, record_entry
from openhat.core import clock

MONTHS = 12
# (category, entries a month in the first three months, afterwards) — local, see above.
PER_MONTH = {"incident": (2, 1), "complaint": (3, 1), "meeting": (2, 1)}
TEXTS = {
    "incident": [
        ("Two people argued loudly at the tram stop opposite.", "A nurse went out; they left."),
        ("Used syringes found in the park behind the clinic.", "Collected safely; city informed."),
        ("Someone slept in the doorway of the neighbouring shop.", "Offered the day centre."),
    ],
    "complaint": [
        (
            "A neighbour said people wait on the pavement before opening.",
            "Opened the waiting room earlier.",
        ),
        (
            "Noise in the courtyard in the evening.",
            "Spoke with the neighbour; staff check at closing.",
        ),
        ("Litter near the entrance.", "Extra bin put up; swept twice a day."),
    ],
    "meeting": [
        (
            "Evening meeting with the residents' association.",
            "Agreed a phone number for complaints.",
        ),
        ("Met the shop owners of the street.", "Shared the opening hours and a contact."),
        ("Neighbourhood walk with the police liaison.", "Agreed to meet again in three months."),
    ],
}


def community_missing(clinic: Clinic) -> bool:
    return not CommunityLogEntry.objects.filter(clinic=clinic).exists()


def load_demo_community(clinic: Clinic, staff: dict[str, User], seed: int) -> int:
    """A year of community log entries; how many were written. Nothing when the clinic has any."""
    if not community_missing(clinic):
        return 0
    rng = random.Random(seed)
    manager = staff[Role.MANAGER.value]
    today = clock.clinic_today(clinic)
    first = months_back(today, MONTHS - 1)
    planned = []
    for month in range(MONTHS):
        start = months_back(today, MONTHS - 1 - month)
        end = min(today, months_back(start, -1) - timedelta(days=1))
        for category, (early, later) in PER_MONTH.items():
            for _ in range(rng.randint(0, early if month < 3 else later)):
                day = start + timedelta(days=rng.randint(0, (end - start).days))
                planned.append((day, category, rng.choice(TEXTS[category])))
    for day, category, (description, action) in sorted(planned):
        at = min(datetime.combine(day, time(17, 0), tzinfo=clinic.zone), clock.now())
        with clock.backdated(at):
            record_entry(
                actor=manager,
                clinic=clinic,
                occurred_on=day,
                category=category,
                description=description,
                action_taken=action,
            )
    assert all(day >= first for day, _c, _t in planned)
    return len(planned)
