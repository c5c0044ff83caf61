"""Helpers of the session-screen page tests (this module holds no tests): reading a page, its
one-time key, and posting a screen's form the way the browser would."""

from __future__ import annotations

import html
import io
import re
from typing import Any

from django.test import Client
from PIL import Image

from openhat.dosing.models import DosingSession, SessionDecision
from tests.conftest import PASSWORD

WITNESS = "pharmacy_technician_zrh"


def small_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (6, 6), (90, 160, 120)).save(buffer, format="PNG")
    return buffer.getvalue()


def text(response: Any) -> str:
    """The page with HTML entities read back (an apostrophe is &#x27; in the markup)."""
    return html.unescape(response.content.decode())


def key_on(page: str) -> str:
    found = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    assert found is not None, "the form carries a one-time key"
    return found.group(1)


def session_url(session: DosingSession | int) -> str:
    pk = session if isinstance(session, int) else session.pk
    return f"/dosing/sessions/{pk}/"


def step_url(session: DosingSession, step: str) -> str:
    return f"{session_url(session)}{step}/"


def witnessed(username: str = WITNESS, password: str = PASSWORD) -> dict[str, str]:
    return {"witness_username": username, "witness_password": password}


def field_error(page: str, field: str) -> str:
    """The error text shown beside a field (core/field.html marks it `<id>_error`)."""
    found = re.search(rf'id="id_{field}_error">(.*?)</ul>', page, re.S)
    return re.sub(r"<[^>]+>", " ", found.group(1)) if found else ""


def administer_data(
    decision: SessionDecision, preparation: Any, dose: object, **changes: Any
) -> dict[str, Any]:
    data = {
        "idempotency_key": f"test-administer-{decision.pk}-0001",
        "decision_id": str(decision.pk),
        "preparation_id": str(preparation.pk) if preparation else "",
        "site": "left_arm",
        "dose_mg": str(dose),
        "remainder": "",
        "remainder_reason": "",
        "witness_username": "",
        "witness_password": "",
        "stage": "confirm",
    }
    data.update(changes)
    return data


def post_assessment(
    client: Client, session: DosingSession, score: str = "1", **changes: Any
) -> Any:
    data = {
        "idempotency_key": f"test-assess-{session.pk}-{score}-0001",
        "sedation_score": score,
        "breath_alcohol_mg_per_l": "0",
        "other_signs": "",
        "notes": "",
    }
    data.update(changes)
    return client.post(step_url(session, "assess"), data)


def post_decision(client: Client, session: DosingSession, **changes: Any) -> Any:
    data = {
        "idempotency_key": f"test-decide-{session.pk}-0001",
        "therapy": "dam:iv",
        "dose_mg": "",
    }
    data.update(changes)
    return client.post(step_url(session, "decide"), data)
