"""The page routes of the role x route matrix (format: tests/access/cases.py).

One RouteCase per page route and HTTP method. Roles are the personas of clinic ZRH; the outsider is
the manager of clinic OUT. Pages that only show the caller's own clinic (the patient list, the
new-patient form, the audit pages, the account pages) answer the outsider normally, for OUT.
"""

from __future__ import annotations

import io

from PIL import Image

from tests.access.cases import ALL_ROLES, RouteCase

CHART_READERS = ALL_ROLES - {"researcher"}
PATIENT_EDITORS = frozenset({"physician", "nurse", "counsellor", "manager"})
IDENTITY_READERS = frozenset({"physician", "nurse", "counsellor", "manager"})
STATUS_CHANGERS = frozenset({"physician", "manager"})
AUDIT_READERS = frozenset({"manager", "auditor"})

OK = frozenset({200})
REDIRECT = frozenset({302})


def _png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (120, 140, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


class ReusablePhotoUpload:
    """A file for the test client that can be posted any number of times (a real file object is
    used up after one read, and the matrix posts the same case once per role)."""

    name = "photo.png"
    content_type = "image/png"
    _content = _png_bytes()

    def read(self, *_: object) -> bytes:
        return self._content


NEW_PATIENT = {
    "legal_name": "Test Person Matrix",
    "date_of_birth": "1980-02-03",
    "sex": "unknown",
    "health_number": "",
    "idempotency_key": "matrix-new-patient-0001",
}
IDENTITY = {
    "legal_name": "Test Person Edited",
    "date_of_birth": "1975-05-17",
    "sex": "female",
    "health_number": "",
}

PAGE_CASES: list[RouteCase] = [
    RouteCase("home", "GET", "/", ALL_ROLES, REDIRECT, outsider_status=REDIRECT),
    # --- accounts (own account only: everyone signed in may use them) ------------------------
    RouteCase("accounts:login", "GET", "/accounts/login/", ALL_ROLES, OK, outsider_status=OK),
    # No password: the form comes back with an error. (A wrong password would count towards the
    # lockout, and the matrix posts the case once per role, so the later roles would be locked.)
    RouteCase(
        "accounts:login",
        "POST",
        "/accounts/login/",
        ALL_ROLES,
        OK,
        outsider_status=OK,
        data={"username": "no_such_user_matrix", "password": ""},
    ),
    RouteCase(
        "accounts:logout",
        "POST",
        "/accounts/logout/",
        ALL_ROLES,
        REDIRECT,
        outsider_status=REDIRECT,
    ),
    # The personas have passed their second factor already, so the page sends them on.
    RouteCase(
        "accounts:second_factor",
        "GET",
        "/accounts/second-factor/",
        ALL_ROLES,
        REDIRECT,
        outsider_status=REDIRECT,
    ),
    RouteCase(
        "accounts:second_factor",
        "POST",
        "/accounts/second-factor/",
        ALL_ROLES,
        REDIRECT,
        outsider_status=REDIRECT,
        data={"token": "000000"},
    ),
    # Switching to ZRH: every ZRH member may; the outsider is no member, so ZRH is "not found".
    RouteCase(
        "accounts:switch_clinic",
        "POST",
        "/accounts/clinic/",
        ALL_ROLES,
        REDIRECT,
        data={"clinic": "{clinic}"},
    ),
    RouteCase("accounts:tokens", "GET", "/accounts/tokens/", ALL_ROLES, OK, outsider_status=OK),
    RouteCase(
        "accounts:tokens",
        "POST",
        "/accounts/tokens/",
        ALL_ROLES,
        OK,
        outsider_status=OK,
        data={"name": "matrix token"},
    ),
    # An unknown token id: back to the token list with "no such token of yours".
    RouteCase(
        "accounts:revoke_token",
        "GET",
        "/accounts/tokens/revoke/?token_id=999999",
        ALL_ROLES,
        REDIRECT,
        outsider_status=REDIRECT,
    ),
    RouteCase(
        "accounts:revoke_token",
        "POST",
        "/accounts/tokens/revoke/",
        ALL_ROLES,
        REDIRECT,
        outsider_status=REDIRECT,
        data={"token_id": "999999"},
    ),
    # --- patients ----------------------------------------------------------------------------
    RouteCase("patients:list", "GET", "/patients/", CHART_READERS, OK, outsider_status=OK),
    RouteCase("patients:new", "GET", "/patients/new/", PATIENT_EDITORS, OK, outsider_status=OK),
    RouteCase(
        "patients:new",
        "POST",
        "/patients/new/",
        PATIENT_EDITORS,
        REDIRECT,
        outsider_status=REDIRECT,
        data=NEW_PATIENT,
    ),
    RouteCase("patients:chart", "GET", "/patients/{code}/", CHART_READERS, OK),
    # The matrix gives the patient a photo first (NEEDS_PHOTO in tests/access/api.py).
    RouteCase("patients:photo", "GET", "/patients/{code}/photo", IDENTITY_READERS, OK),
    RouteCase("patients:edit_identity", "GET", "/patients/{code}/identity/", PATIENT_EDITORS, OK),
    RouteCase(
        "patients:edit_identity",
        "POST",
        "/patients/{code}/identity/",
        PATIENT_EDITORS,
        REDIRECT,
        data=IDENTITY,
    ),
    RouteCase("patients:change_status", "GET", "/patients/{code}/status/", STATUS_CHANGERS, OK),
    RouteCase(
        "patients:change_status",
        "POST",
        "/patients/{code}/status/",
        STATUS_CHANGERS,
        REDIRECT,
        data={"to_status": "assessing"},
    ),
    RouteCase(
        "patients:upload_photo", "GET", "/patients/{code}/photo/upload/", PATIENT_EDITORS, OK
    ),
    RouteCase(
        "patients:upload_photo",
        "POST",
        "/patients/{code}/photo/upload/",
        PATIENT_EDITORS,
        REDIRECT,
        data={"photo": ReusablePhotoUpload()},
    ),
    # --- audit (each reader sees their own clinic's trail) ------------------------------------
    RouteCase("audit:events", "GET", "/audit/", AUDIT_READERS, OK, outsider_status=OK),
    RouteCase(
        "audit:access_log", "GET", "/audit/access-log/", AUDIT_READERS, OK, outsider_status=OK
    ),
]
