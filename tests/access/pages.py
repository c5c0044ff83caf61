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
MERGERS = frozenset({"physician", "manager"})
AUDIT_READERS = frozenset({"manager", "auditor"})
PHYSICIANS = frozenset({"physician"})
CONSENT_RECORDERS = frozenset({"physician", "nurse", "counsellor", "manager"})
READY = ("{ready_code}",)

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
ELIGIBLE_FACTS = {
    "date_of_birth": "1975-05-17",
    "years_dependent": "12",
    "years_injecting": "10",
    "heroin_route": "injecting",
    "flag_severe_heroin_dependence": "yes",
    "flag_has_deficits": "yes",
    "pt0_kind": "methadone",
    "pt0_started_on": "2015-01-01",
    "pt0_ended_on": "2016-06-30",
    "pt0_outcome": "failed",
    "pt1_kind": "residential",
    "pt1_started_on": "2018-03-01",
    "pt1_ended_on": "2018-05-31",
    "pt1_outcome": "abandoned",
    "action": "sign",
    "decision": "eligible",
}
DAM_ORDER = {
    "drug": "dam",
    "routes": ["iv"],
    "dose_unit": "mg",
    "dose_min": "150",
    "dose_max": "200",
    "sessions_per_day": "2",
    "daily_max": "400",
    "phase": "maintenance",
    "reason": "matrix",
    "totp_code": "{totp}",
}
ORDER = "/patients/{ready_code}/orders/{line_id}"
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
    RouteCase("patients:merge", "GET", "/patients/{code}/merge/", MERGERS, OK),
    # Without the confirmation: the screen comparing both records (each identity read is logged).
    RouteCase(
        "patients:merge",
        "POST",
        "/patients/{code}/merge/",
        MERGERS,
        OK,
        data={"survivor": "{ready_code}", "reason": "matrix: the same person twice"},
        outsider_must_not_see=("{code}", "{ready_code}"),
    ),
    # --- enrolment (on {code}, referred; or {ready_code}, being assessed with every prerequisite)
    RouteCase("enrolment:assess", "GET", "/patients/{code}/eligibility/", PHYSICIANS, OK),
    RouteCase(
        "enrolment:assess",
        "POST",
        "/patients/{code}/eligibility/",
        PHYSICIANS,
        REDIRECT,
        data=ELIGIBLE_FACTS,
    ),
    RouteCase("enrolment:licence", "GET", "/patients/{code}/licence/", CONSENT_RECORDERS, OK),
    RouteCase(
        "enrolment:licence",
        "POST",
        "/patients/{code}/licence/",
        CONSENT_RECORDERS,
        REDIRECT,
        data={
            "number": "BAG-MATRIX-1",
            "authority": "Federal Office of Public Health",
            "valid_from": "{today}",
            "valid_until": "2099-12-31",
        },
    ),
    RouteCase("enrolment:consent", "GET", "/patients/{code}/consents/new/", CONSENT_RECORDERS, OK),
    RouteCase(
        "enrolment:consent",
        "POST",
        "/patients/{code}/consents/new/",
        CONSENT_RECORDERS,
        REDIRECT,
        data={"kind": "treatment", "given_on": "{today}"},
    ),
    RouteCase(
        "enrolment:revoke_consent",
        "GET",
        "/patients/{ready_code}/consents/{consent_id}/revoke/",
        CONSENT_RECORDERS,
        OK,
        outsider_must_not_see=READY,
    ),
    RouteCase(
        "enrolment:revoke_consent",
        "POST",
        "/patients/{ready_code}/consents/{consent_id}/revoke/",
        CONSENT_RECORDERS,
        REDIRECT,
        data={"reason": "The patient withdrew it."},
        outsider_must_not_see=READY,
    ),
    RouteCase(
        "enrolment:enrol",
        "GET",
        "/patients/{ready_code}/enrol/",
        PHYSICIANS,
        OK,
        outsider_must_not_see=READY,
    ),
    RouteCase(
        "enrolment:enrol",
        "POST",
        "/patients/{ready_code}/enrol/",
        PHYSICIANS,
        REDIRECT,
        data={"start_date": "{today}"},
        outsider_must_not_see=READY,
    ),
    # --- prescribing (the ready patient has an active and a suspended DAM order) --------------
    RouteCase(
        "prescribing:new_order",
        "GET",
        "/patients/{ready_code}/orders/new/",
        PHYSICIANS,
        OK,
        outsider_must_not_see=READY,
    ),
    RouteCase(
        "prescribing:new_order",
        "POST",
        "/patients/{ready_code}/orders/new/",
        PHYSICIANS,
        REDIRECT,
        data=DAM_ORDER,
        outsider_must_not_see=READY,
    ),
    RouteCase(
        "prescribing:change_order",
        "GET",
        f"{ORDER}/change/",
        PHYSICIANS,
        OK,
        outsider_must_not_see=READY,
    ),
    RouteCase(
        "prescribing:change_order",
        "POST",
        f"{ORDER}/change/",
        PHYSICIANS,
        REDIRECT,
        data={**DAM_ORDER, "dose_min": "160", "expected_version": "1"},
        outsider_must_not_see=READY,
    ),
    RouteCase(
        "prescribing:suspend_order",
        "GET",
        f"{ORDER}/suspend/",
        PHYSICIANS,
        OK,
        outsider_must_not_see=READY,
    ),
    RouteCase(
        "prescribing:suspend_order",
        "POST",
        f"{ORDER}/suspend/",
        PHYSICIANS,
        REDIRECT,
        data={"reason": "matrix: in hospital"},
        outsider_must_not_see=READY,
    ),
    RouteCase(
        "prescribing:resume_order",
        "GET",
        "/patients/{ready_code}/orders/{suspended_line_id}/resume/",
        PHYSICIANS,
        OK,
        outsider_must_not_see=READY,
    ),
    RouteCase(
        "prescribing:resume_order",
        "POST",
        "/patients/{ready_code}/orders/{suspended_line_id}/resume/",
        PHYSICIANS,
        REDIRECT,
        data={"reason": "matrix: back", "totp_code": "{totp}"},
        outsider_must_not_see=READY,
    ),
    RouteCase(
        "prescribing:stop_order",
        "GET",
        f"{ORDER}/stop/",
        PHYSICIANS,
        OK,
        outsider_must_not_see=READY,
    ),
    RouteCase(
        "prescribing:stop_order",
        "POST",
        f"{ORDER}/stop/",
        PHYSICIANS,
        REDIRECT,
        data={"reason": "matrix: moved away"},
        outsider_must_not_see=READY,
    ),
    # Each reader sees their own clinic's orders.
    RouteCase("orders:list", "GET", "/orders/", CHART_READERS, OK, outsider_status=OK),
    # --- audit (each reader sees their own clinic's trail) ------------------------------------
    RouteCase("audit:events", "GET", "/audit/", AUDIT_READERS, OK, outsider_status=OK),
    RouteCase(
        "audit:access_log", "GET", "/audit/access-log/", AUDIT_READERS, OK, outsider_status=OK
    ),
]
