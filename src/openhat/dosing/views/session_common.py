"""What the session screens share: access to a session, the patient's header, the decision in
words, the lots a dose may be drawn from, the injection-site history, and errors on forms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db.models import Count, Sum
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from openhat.clinics.access import membership_for, require
from openhat.clinics.models import StaffMembership
from openhat.clinics.roles import Capability, role_can
from openhat.clinics.view_helpers import acting_user
from openhat.core import clock
from openhat.core.errors import DomainError, NotFound
from openhat.dosing.forms import mg_text, therapy_label
from openhat.dosing.models import (
    Administration,
    DosePreparation,
    DosingSession,
    SessionDecision,
    SessionOverride,
)
from openhat.dosing.services.administer import FORMS_BY_ROUTE
from openhat.dosing.services.board_orders import drug_short
from openhat.dosing.services.observation import observation_of
from openhat.dosing.services.overrides import liftable_findings
from openhat.dosing.services.steps import (
    STOPPING,
    current_preparation,
    latest_decision,
    session_for,
)
from openhat.dosing.sites import site_label
from openhat.dosing.windows import window_label
from openhat.patients.models import Patient
from openhat.pharmacy.models import LocationKind, StockBalance
from openhat.pharmacy.services.lookup import lot_is_expired, solution_is_expired
from openhat.prescribing.forms import DRUG_LABELS, ROUTE_LABELS
from openhat.prescribing.models import OrderVersion
from openhat.prescribing.services.queries import active_orders

# Where a service's error field is shown on the session forms.
FIELD_ON_FORM = {
    "lot": "stock",
    "location": "stock",
    "witness": "witness_username",
    "breath_alcohol_mg_per_l": "breath_alcohol_mg_per_l",
    "drug": "therapy",
    "route": "therapy",
    "naloxone_given": "naloxone_given",
}
VERDICT_WORDS = {
    "dose": "Dose",
    "dose_reduced": "Dose — reduced",
    "hold": "Hold: no dose now",
    "not_due": "Not yet due",
    "no_valid_order": "No valid order",
    "physician_review": "Physician review needed",
}
STOP_VERDICTS = frozenset({"hold", "physician_review", "not_due", "no_valid_order"})
OVERRIDABLE_VERDICTS = frozenset({"hold", "physician_review"})
# Red: stops the dose. Amber: limits it. Neutral: for the nurse to know.
SEVERITY_TONE = {
    "hold": "stop",
    "review": "stop",
    "not_due": "stop",
    "block": "stop",
    "reduce": "limit",
    "cap": "limit",
    "advisory": "note",
    "info": "note",
}
SEVERITY_WORDS = {
    "hold": "Hold",
    "review": "Physician review",
    "not_due": "Not yet due",
    "block": "No valid order",
    "reduce": "Reduce",
    "cap": "Limit",
    "advisory": "Advisory",
    "info": "For the record",
}
SITE_HISTORY = 5


def board_url() -> str:
    return reverse("dosing:board")


def session_url(session: DosingSession, step: str = "") -> str:
    url = reverse("dosing:session", args=[session.pk])
    return f"{url}?step={step}" if step else url


def field_for(form: forms.Form, error: DomainError) -> str | None:
    name = FIELD_ON_FORM.get(error.field or "", error.field)
    return name if name in form.fields else None


def show_on_form(form: forms.Form, error: DomainError) -> None:
    form.add_error(field_for(form, error), error.message)


@dataclass
class SessionAccess:
    session: DosingSession
    membership: StaffMembership
    user: User

    def can(self, capability: Capability) -> bool:
        return role_can(self.membership.role, capability)


def session_access(
    request: HttpRequest, session_id: int, capability: Capability = Capability.VIEW_DOSING
) -> SessionAccess:
    """The session, if the user's role in its clinic has `capability` (else 404 or 403)."""
    user = acting_user(request)
    session = session_for(user, session_id, capability)
    membership = membership_for(user, session.clinic)
    assert membership is not None  # session_for found the role
    return SessionAccess(session, membership, user)


def patient_in_clinic(user: User, patient_id: int, capability: Capability) -> Patient:
    """The patient, if the user's role in the patient's clinic has `capability`."""
    patient = Patient.objects.select_related("clinic").filter(pk=patient_id).first()
    if patient is None:
        raise NotFound("patient_not_found", "No such patient in your clinics.", "patient")
    try:
        require(user, patient.clinic, capability)
    except NotFound:
        raise NotFound("patient_not_found", "No such patient in your clinics.", "patient") from None
    return patient


@dataclass
class FindingView:
    rule_id: str
    severity: str
    tone: str
    severity_words: str
    message: str
    value: str
    preset_key: str
    sources: list[str]
    overridden: bool
    overridden_by: str = ""
    override_reason: str = ""


def value_text(value: object, unit: str) -> str:
    """A preset value as the nurse reads it: "1,000 mg", "0.25 mg/L", "4 score"."""
    if value in (None, ""):
        return ""
    try:
        number = mg_text(Decimal(str(value)))
    except InvalidOperation:
        number = str(value)
    return f"{number} {unit}".strip()


def findings_of(decision: SessionDecision, overrides: list[SessionOverride]) -> list[FindingView]:
    """Every finding of the decision in words, stopping ones first; a lifted one names who lifted
    it and why."""
    views = []
    for finding in decision.findings:
        rule_id = str(finding.get("rule_id", ""))
        severity = str(finding.get("severity", "info"))
        value = finding.get("preset_value")
        lifted = next((row for row in reversed(overrides) if rule_id in row.rule_ids), None)
        views.append(
            FindingView(
                rule_id=rule_id,
                severity=severity,
                tone=SEVERITY_TONE.get(severity, "note"),
                severity_words=SEVERITY_WORDS.get(severity, severity),
                message=str(finding.get("message", "")),
                value=value_text(value, str(finding.get("unit") or "")),
                preset_key=str(finding.get("preset_key") or ""),
                sources=[str(source) for source in finding.get("sources") or ()],
                overridden=bool(finding.get("overridden")),
                overridden_by=lifted.physician.get_username() if lifted else "",
                override_reason=lifted.reason if lifted else "",
            )
        )
    # What stops the dose first, then a clinical reduction, then limits, then notes.
    order = {"stop": 0, "limit": 2, "note": 3}
    return sorted(
        views,
        key=lambda view: (view.overridden, 1 if view.severity == "reduce" else order[view.tone]),
    )


@dataclass
class DecisionView:
    decision: SessionDecision
    words: str
    tone: str
    allows_dose: bool
    may_override: bool
    therapy: str
    findings: list[FindingView]
    max_dose: str
    requested: str


def override_can_help(decision: SessionDecision) -> bool:
    """An override lifts only findings the protocol marks liftable; while a finding that stops
    the dose is not one of them (a blank reading after a hold, a hold that stands), lifting the
    others would still give no dose, so the station offers no override first."""
    stuck = [
        finding
        for finding in decision.findings
        if finding.get("severity") in STOPPING
        and not finding.get("overridable")
        and not finding.get("overridden")
    ]
    return not stuck and bool(liftable_findings(decision))


def decision_view(decision: SessionDecision | None) -> DecisionView | None:
    if decision is None:
        return None
    overrides = list(
        SessionOverride.objects.filter(session_id=decision.session_id)
        .select_related("physician")
        .order_by("at", "pk")
    )
    verdict = decision.verdict
    return DecisionView(
        decision=decision,
        words=VERDICT_WORDS.get(verdict, verdict),
        tone="stop" if verdict in STOP_VERDICTS else "limit" if verdict != "dose" else "go",
        allows_dose=verdict in ("dose", "dose_reduced"),
        may_override=verdict in OVERRIDABLE_VERDICTS and override_can_help(decision),
        therapy=therapy_label(decision.drug, decision.route),
        findings=findings_of(decision, overrides),
        max_dose=mg_text(decision.max_dose_mg),
        requested=mg_text(decision.requested_mg),
    )


@dataclass
class SiteUse:
    site: str
    label: str
    at: datetime
    route: str
    last: bool = False


def site_history(patient: Patient, limit: int = SITE_HISTORY) -> list[SiteUse]:
    rows = (
        Administration.objects.filter(patient=patient)
        .exclude(site="")
        .order_by("-administered_at", "-pk")[:limit]
    )
    uses = [SiteUse(row.site, site_label(row.site), row.administered_at, row.route) for row in rows]
    if uses:
        uses[0].last = True
    return uses


def site_notes(uses: list[SiteUse], zone: Any) -> dict[str, str]:
    """Words after each site in the list: when it was last used."""
    notes: dict[str, str] = {}
    for use in uses:
        if use.site not in notes:
            when = timezone.localtime(use.at, zone).strftime("%d.%m. %H:%M")
            notes[use.site] = f" — LAST USED {when}" if use.last else f" — used {when}"
    return notes


@dataclass
class LotChoice:
    value: str
    label: str
    mg_per_ml: str
    expired: bool
    balance_mg: Decimal = Decimal(0)


def first_to_use(lots: list[LotChoice], dose_mg: Decimal | None) -> str | None:
    """The lot the preparation screen proposes: of those that are not expired and hold the whole
    dose, the one that expires first (the list is soonest expiry first). None when no lot
    qualifies or the dose is not known: the nurse then chooses."""
    if dose_mg is None or dose_mg <= 0:
        return None
    return next((lot.value for lot in lots if not lot.expired and lot.balance_mg >= dose_mg), None)


def dose_lots(session: DosingSession, decision: SessionDecision) -> list[LotChoice]:
    """The dosing room's lots of the decision's drug in a form for its route, soonest expiry
    first. Expired ones are listed, marked, so the service can say why they may not be used."""
    kinds = FORMS_BY_ROUTE.get(decision.route, frozenset())
    rows = (
        StockBalance.objects.filter(
            clinic=session.clinic,
            balance_mg__gt=0,
            location__kind=LocationKind.DOSING_ROOM,
            product__drug=decision.drug,
            product__kind__in=sorted(kinds),
        )
        .select_related("product", "lot", "location")
        .order_by("lot__expires_on", "lot__in_use_expires_at", "lot__lot_number")
    )
    choices = []
    now = clock.now()
    for row in rows:
        lot, product = row.lot, row.product
        expired = lot_is_expired(lot, session.clinic, now) or solution_is_expired(lot, now)
        strength = f"{mg_text(product.mg_per_ml)} mg/mL" if product.mg_per_ml else product.name
        until = (
            timezone.localtime(lot.in_use_expires_at, session.clinic.zone).strftime(
                "use by %d.%m. %H:%M"
            )
            if lot.in_use_expires_at
            else f"exp. {lot.expires_on:%Y-%m-%d}"
        )
        label = (
            f"Lot {lot.lot_number} · {strength} · {until} · {mg_text(row.balance_mg)} mg held"
            + (" — EXPIRED" if expired else "")
        )
        choices.append(
            LotChoice(
                value=f"{lot.pk}:{row.location_id}",
                label=label,
                mg_per_ml=str(product.mg_per_ml or ""),
                expired=expired,
                balance_mg=row.balance_mg,
            )
        )
    return choices


@dataclass
class Today:
    doses: int
    by_drug: list[tuple[str, Decimal]]  # each drug's mg on its own, never one sum of two drugs


def doses_today(session: DosingSession) -> Today:
    rows = (
        Administration.objects.filter(
            patient_id=session.patient_id, session__dosing_day=session.dosing_day
        )
        .values("drug")
        .annotate(total=Sum("dose_mg"), doses=Count("pk"))
        .order_by("drug")
    )
    return Today(
        sum(row["doses"] for row in rows),
        [(drug_short(row["drug"]), row["total"]) for row in rows],
    )


@dataclass
class Header:
    """The patient and session facts every session screen shows at the top."""

    session: DosingSession
    patient: Patient
    window: str
    orders: list[OrderVersion]
    today: Today
    board_url: str

    @property
    def order_lines(self) -> list[tuple[str, OrderVersion]]:
        """Each active order as "Diacetylmorphine (DAM) IV, IM" beside its version."""
        return [
            (
                f"{DRUG_LABELS.get(version.drug, version.drug)} "
                + ", ".join(ROUTE_LABELS.get(route, route) for route in version.routes),
                version,
            )
            for version in self.orders
        ]


def header(session: DosingSession) -> Header:
    return Header(
        session=session,
        patient=session.patient,
        window=window_label(session.clinic, session.window),
        orders=active_orders(session.patient, clock.now()),
        today=doses_today(session),
        board_url=board_url(),
    )


def session_facts(session: DosingSession) -> dict[str, Any]:
    """The session's latest decision, current preparation and administration, for the screens."""
    decision = latest_decision(session)
    preparation: DosePreparation | None = current_preparation(session)
    administration = Administration.objects.filter(session=session).first()
    return {
        "decision": decision,
        "verdict": decision_view(decision),
        "preparation": preparation,
        "administration": administration,
        "observation": observation_of(session, administration, clock.now())
        if administration
        else None,
        "given_site": site_label(administration.site) if administration else "",
        "exceptions": list(session.exceptions.select_related("by", "witness").order_by("at")),
        "assessment": session.assessments.filter(kind="pre_dose").order_by("-at", "-pk").first(),
        "post_assessment": session.assessments.filter(kind="post_dose").first(),
    }
