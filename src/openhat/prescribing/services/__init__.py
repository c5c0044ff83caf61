"""The only writers of medication orders, and the queries the chart and the dosing station use.

version = sign_order(actor=physician, patient=p, order=OrderInput(...), totp_code="123456")
supersede_order(actor=physician, line=version.line, expected_version=1, order=..., totp_code=...)
suspend_order / resume_order / stop_order(actor=..., line=..., reason=...)
active_orders(patient, at) · engine_orders(patient, at) · expiring_orders(clinic) · order_history(patient)
"""

from openhat.prescribing.services.changes import resume_order, stop_order, suspend_order
from openhat.prescribing.services.inputs import CleanOrder, OrderInput, clean_order
from openhat.prescribing.services.queries import (
    VersionSpan,
    active_orders,
    clinic_protocol,
    engine_orders,
    expiring_orders,
    order_events,
    order_history,
    orders_for_checks,
    spans_in_force,
)
from openhat.prescribing.services.signing import (
    OrderRefused,
    fresh_second_factor,
    sign_order,
    supersede_order,
)

__all__ = [
    "CleanOrder",
    "OrderInput",
    "OrderRefused",
    "VersionSpan",
    "active_orders",
    "clean_order",
    "clinic_protocol",
    "engine_orders",
    "expiring_orders",
    "fresh_second_factor",
    "order_events",
    "order_history",
    "orders_for_checks",
    "resume_order",
    "sign_order",
    "spans_in_force",
    "stop_order",
    "supersede_order",
    "suspend_order",
]
