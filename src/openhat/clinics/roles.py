"""Roles (docs/domain.md §2) and what each may do. Every permission check asks for a Capability."""

from __future__ import annotations

from enum import StrEnum

from django.db import models


class Role(models.TextChoices):
    PHYSICIAN = "physician", "Physician"
    NURSE = "nurse", "Nurse"
    PHARMACIST = "pharmacist", "Pharmacist"
    PHARMACY_TECHNICIAN = "pharmacy_technician", "Pharmacy technician"
    COUNSELLOR = "counsellor", "Counsellor / case manager"
    MANAGER = "manager", "Clinic manager"
    AUDITOR = "auditor", "Auditor"
    RESEARCHER = "researcher", "Researcher"


class Capability(StrEnum):
    VIEW_PATIENTS = "view_patients"  # pseudonymous: client code, status, chart skeleton
    EDIT_PATIENTS = "edit_patients"  # register, edit identifying data, upload a photo
    VIEW_IDENTITY = "view_identity"  # legal name, date of birth, health number, photo
    CHANGE_STATUS = "change_status"  # assessing, suspension, exit, readmission
    VIEW_AUDIT = "view_audit"
    VIEW_AGGREGATES = "view_aggregates"  # pseudonymised exports and aggregate reports
    # The clinic's outcomes report unsuppressed (retention, safety, interviews, screens); a
    # researcher sees the same report through small-cell suppression with VIEW_AGGREGATES.
    VIEW_OUTCOMES = "view_outcomes"
    VIEW_CLINICAL = "view_clinical"  # eligibility, consents, orders on the chart (read)
    ASSESS_ELIGIBILITY = "assess_eligibility"  # sign an eligibility assessment, enrol
    RECORD_CONSENT = "record_consent"  # record or revoke a consent, record a licence
    PRESCRIBE = "prescribe"  # write, change and stop medication orders
    VIEW_STOCK = "view_stock"  # every location's stock, the ledger, counts and registers
    VIEW_DOSING_ROOM_STOCK = "view_dosing_room_stock"  # the dosing room's stock only
    MOVE_STOCK = "move_stock"  # receive, transfer, reconstitute, waste, count, adjust, reverse
    WITNESS_STOCK = "witness_stock"  # co-sign waste, adjustments and destruction
    ISSUE_DOSE = "issue_dose"  # draw a patient's dose from the dosing room's stock
    VIEW_DOSING = "view_dosing"  # the dosing board, sessions, day sheet (read)
    RUN_SESSIONS = "run_sessions"  # check in, assess, decide, administer, observe, exceptions
    OVERRIDE_DOSE = "override_dose"  # lift a hold or cap for one session (second factor)
    RECORD_ADVERSE_EVENT = "record_adverse_event"
    SIGN_OFF_ADVERSE_EVENT = "sign_off_adverse_event"
    MANAGE_STAFF = "manage_staff"  # invite staff, change roles, deactivate, reset a second factor
    MERGE_PATIENTS = (
        "merge_patients"  # join a duplicate record to the same person's (second factor)
    )
    MANAGE_SETTINGS = "manage_settings"  # the clinic's settings: its dosing windows
    RECORD_INTERVIEWS = "record_interviews"  # outcome interviews: record one, or why it was missed
    # Urine drug screens and harm reduction (supplies, training, tests offered): recorded by the
    # staff who see the patient; read on the chart with VIEW_CLINICAL.
    RECORD_SCREENS = "record_screens"
    # Counselling notes are protected apart from the chart (42 CFR Part 2, docs/domain.md §12):
    # counsellors write them and read the clinic's; a note's author may always read it.
    COUNSELLING_NOTES = "counselling_notes"
    VIEW_CARE = "view_care"  # care plans and referrals (read)
    WRITE_CARE = "write_care"  # start and review care plans, plan and track referrals
    MANAGE_PARTNERS = "manage_partners"  # the clinic's directory of partner services
    # Send a patient's records to a named recipient under the patient's release-of-information
    # consent (US 42 CFR Part 2), and read the releases made. Counselling notes go only with a
    # counsellor's release (counselling.release).
    RELEASE_INFORMATION = "release_information"
    # The community log (docs/domain.md §14): incidents near the clinic, neighbours' complaints and
    # meetings. Recorded and read by the staff who meet the neighbourhood: managers, physicians,
    # nurses and counsellors. No patient data, but free text, so never researchers.
    COMMUNITY_LOG = "community_log"
    # Make and download a study's pseudonymised export (research.services): researchers only.
    EXPORT_RESEARCH = "export_research"
    # The clinic's own full, identifiable FHIR export (research.bulk.clinic): managers only.
    EXPORT_CLINIC_DATA = "export_clinic_data"


_READ_CHARTS = {Capability.VIEW_PATIENTS, Capability.VIEW_CLINICAL, Capability.VIEW_DOSING}
# Only pharmacists and physicians move controlled stock; nurses draw doses in the dosing room.
_STOCK_KEEPER = {
    Capability.VIEW_STOCK,
    Capability.VIEW_DOSING_ROOM_STOCK,
    Capability.MOVE_STOCK,
    Capability.WITNESS_STOCK,
    Capability.ISSUE_DOSE,
}
_STOCK_READER = {Capability.VIEW_STOCK, Capability.VIEW_DOSING_ROOM_STOCK}
ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.PHYSICIAN: frozenset(
        _READ_CHARTS
        | {
            Capability.EDIT_PATIENTS,
            Capability.VIEW_IDENTITY,
            Capability.CHANGE_STATUS,
            Capability.ASSESS_ELIGIBILITY,
            Capability.RECORD_CONSENT,
            Capability.PRESCRIBE,
            Capability.OVERRIDE_DOSE,
            Capability.RECORD_ADVERSE_EVENT,
            Capability.SIGN_OFF_ADVERSE_EVENT,
            Capability.MERGE_PATIENTS,
            Capability.RECORD_SCREENS,
            Capability.VIEW_CARE,
            Capability.RELEASE_INFORMATION,
            Capability.VIEW_OUTCOMES,
            Capability.COMMUNITY_LOG,
        }
        | _STOCK_KEEPER
    ),
    # Nurses check identity against the photo at every session and do intake.
    Role.NURSE: frozenset(
        _READ_CHARTS
        | {
            Capability.EDIT_PATIENTS,
            Capability.VIEW_IDENTITY,
            Capability.RECORD_CONSENT,
            Capability.VIEW_DOSING_ROOM_STOCK,
            Capability.WITNESS_STOCK,
            Capability.ISSUE_DOSE,
            Capability.RUN_SESSIONS,
            Capability.RECORD_ADVERSE_EVENT,
            Capability.RECORD_SCREENS,
            Capability.VIEW_CARE,
            Capability.COMMUNITY_LOG,
        }
    ),
    # The pharmacy works with client codes; it has no need for names.
    Role.PHARMACIST: frozenset(_READ_CHARTS | _STOCK_KEEPER),
    # Technicians prepare and count with a pharmacist; they witness but do not move stock alone.
    Role.PHARMACY_TECHNICIAN: frozenset(_READ_CHARTS | _STOCK_READER | {Capability.WITNESS_STOCK}),
    # Case managers arrange housing, income and legal aid, which needs the legal name.
    Role.COUNSELLOR: frozenset(
        _READ_CHARTS
        | {
            Capability.EDIT_PATIENTS,
            Capability.VIEW_IDENTITY,
            Capability.RECORD_CONSENT,
            Capability.RECORD_INTERVIEWS,
            Capability.RECORD_SCREENS,
            Capability.COUNSELLING_NOTES,
            Capability.VIEW_CARE,
            Capability.WRITE_CARE,
            Capability.MANAGE_PARTNERS,
            Capability.RELEASE_INFORMATION,
            Capability.COMMUNITY_LOG,
        }
    ),
    Role.MANAGER: frozenset(
        _READ_CHARTS
        | {
            Capability.EDIT_PATIENTS,
            Capability.VIEW_IDENTITY,
            Capability.CHANGE_STATUS,
            Capability.VIEW_AUDIT,
            Capability.RECORD_CONSENT,
            Capability.MANAGE_STAFF,
            Capability.MERGE_PATIENTS,
            Capability.MANAGE_SETTINGS,
            # The directory of partner services, not the patients' care plans.
            Capability.MANAGE_PARTNERS,
            Capability.RELEASE_INFORMATION,
            Capability.VIEW_OUTCOMES,
            Capability.COMMUNITY_LOG,
            Capability.EXPORT_CLINIC_DATA,
        }
        | _STOCK_READER
    ),
    Role.AUDITOR: frozenset(
        _READ_CHARTS
        | _STOCK_READER
        | {Capability.VIEW_AUDIT, Capability.VIEW_AGGREGATES, Capability.VIEW_OUTCOMES}
    ),
    # Researchers never see charts, names or identifiers (docs/domain.md §7 invariant 8).
    Role.RESEARCHER: frozenset({Capability.VIEW_AGGREGATES, Capability.EXPORT_RESEARCH}),
}


def role_can(role: str, capability: Capability) -> bool:
    return capability in ROLE_CAPABILITIES.get(Role(role), frozenset())
