"""Typed audit-event codes. Each area owns a range of a thousand; codes are never reused."""

from __future__ import annotations

from enum import IntEnum


class AuditCode(IntEnum):
    # 1000-1999 accounts and sign-in
    SIGNED_IN = 1001
    SIGN_IN_FAILED = 1002
    SIGNED_OUT = 1003
    LOCKED_OUT = 1004
    SECOND_FACTOR_VERIFIED = 1010
    SECOND_FACTOR_FAILED = 1011
    SECOND_FACTOR_DEVICE_CONFIRMED = 1012
    API_TOKEN_CREATED = 1020
    API_TOKEN_REVOKED = 1021
    # 2000-2999 clinics and staff
    CLINIC_CREATED = 2001
    CLINIC_UPDATED = 2002
    STAFF_MEMBERSHIP_ADDED = 2010
    STAFF_MEMBERSHIP_CHANGED = 2011
    CLINIC_SWITCHED = 2020
    # 3000-3999 patient registry
    PATIENT_REGISTERED = 3001
    PATIENT_IDENTITY_UPDATED = 3002
    PATIENT_STATUS_CHANGED = 3003
    PATIENT_PHOTO_UPLOADED = 3004
    # 4000-4999 eligibility, consents, prescribing
    ELIGIBILITY_ASSESSED = 4001
    LICENCE_RECORDED = 4002
    CONSENT_RECORDED = 4010
    CONSENT_REVOKED = 4011
    PATIENT_ENROLLED = 4020
    ORDER_SIGNED = 4100
    ORDER_SUPERSEDED = 4101
    ORDER_SUSPENDED = 4102
    ORDER_RESUMED = 4103
    ORDER_STOPPED = 4104
    ORDER_PRESET_LOOSENED = 4105
    ORDER_SIGNING_REFUSED = 4106
    # 5000-5999 dosing station
    SESSION_CHECKED_IN = 5001
    SESSION_ASSESSED = 5002
    SESSION_DECIDED = 5003
    DOSE_ADMINISTERED = 5004
    OBSERVATION_SIGNED_OFF = 5005
    # 6000-6999 controlled-substance pharmacy
    PRODUCT_SAVED = 6001
    LOCATION_SAVED = 6002
    STOCK_RECEIVED = 6010
    STOCK_TRANSFERRED = 6011
    STOCK_RECONSTITUTED = 6012
    DOSE_ISSUED = 6013
    DOSE_RETURNED = 6014
    STOCK_WASTED = 6015
    STOCK_ADJUSTED = 6016
    STOCK_DESTROYED = 6017
    EXPIRED_STOCK_REMOVED = 6018
    LEDGER_MOVEMENT_REVERSED = 6019
    STOCK_MOVEMENT_REFUSED = 6020
    STOCK_COUNTED = 6030
    DISCREPANCY_OPENED = 6031
    DISCREPANCY_CLOSED = 6032
    LEDGER_VERIFIED = 6040
    # 7000-7999 care and referrals
    # 8000-8999 outcomes, research and exports
    # 9000-9999 audit and system
    DEMO_CLINIC_LOADED = 9001
    AUDIT_CHAIN_VERIFIED = 9002

    @property
    def area(self) -> str:
        return _AREAS[self.value // 1000]


_AREAS = {
    1: "accounts",
    2: "clinics",
    3: "patients",
    4: "prescribing",
    5: "dosing",
    6: "pharmacy",
    7: "care",
    8: "outcomes",
    9: "system",
}
