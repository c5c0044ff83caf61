from __future__ import annotations

from typing import Any, ClassVar

import pgtrigger
from django.conf import settings
from django.db import models, transaction

from openhat.audit.chain import append, field_content, normalise, timestamp_text

_APPEND_ONLY = pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)


class ChainLinks(models.Model):
    """An append-only row's place in a per-clinic hash chain (`audit.chain`)."""

    chain_key = models.BigIntegerField(editable=False)
    chain_seq = models.BigIntegerField(editable=False)
    # The id of the chain key the row's hash was made with (audit.keys), so rotation keeps old
    # rows verifiable. Empty only on rows sealed before chains were keyed.
    key_id = models.CharField(max_length=16, editable=False, default="")
    prev_sha256 = models.CharField(max_length=64, editable=False)
    row_sha256 = models.CharField(max_length=64, editable=False)

    class Meta:
        abstract = True

    def hash_content(self) -> dict[str, Any]:
        raise NotImplementedError


class SelfChainedRow(ChainLinks):
    """A chained row that takes its place in its clinic's chain when first saved.

    The dosing records (decisions, administrations, adverse events) are written by services that
    lock their own rows first; the chain's lock is taken at the insert, inside the caller's
    transaction, in the order `audit.chain` describes. The hash covers every stored field.
    """

    CHAIN_NAME: ClassVar[str] = ""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding and not self.row_sha256:
            with transaction.atomic(using=kwargs.get("using")):
                append(self, self.CHAIN_NAME, self.chain_key_for_row())
                super().save(*args, **kwargs)
            return
        super().save(*args, **kwargs)

    def chain_key_for_row(self) -> int:
        raise NotImplementedError

    def hash_content(self) -> dict[str, Any]:
        return field_content(self)


class ChainedRow(ChainLinks):
    """A chained row whose time is its place in the chain (audit events, the ledger)."""

    at = models.DateTimeField(editable=False)

    class Meta:
        abstract = True


class AuditEvent(ChainedRow):
    clinic = models.ForeignKey(
        "clinics.Clinic", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True)
    code = models.PositiveIntegerField()
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict)
    ip = models.GenericIPAddressField(null=True, blank=True)
    route = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["chain_key", "chain_seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["chain_key", "chain_seq"], name="audit_event_chain_position"
            ),
        ]
        indexes = [
            models.Index(fields=["clinic", "-at"], name="audit_event_clinic_at"),
            models.Index(fields=["object_type", "object_id"], name="audit_event_object"),
        ]
        triggers = [_APPEND_ONLY]

    def __str__(self) -> str:
        return f"#{self.pk} {self.code} {self.object_type}:{self.object_id}"

    def hash_content(self) -> dict[str, Any]:
        return {
            "chain_key": self.chain_key,
            "chain_seq": self.chain_seq,
            "at": timestamp_text(self.at),
            "clinic_id": self.clinic_id,
            "actor_id": self.actor_id,
            "actor_username": self.actor_username,
            "code": self.code,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "data": normalise(self.data),
            "ip": self.ip,
            "route": self.route,
        }


class AccessedRecord(models.TextChoices):
    """What was read. One row per patient and request, named by the record read; a page that
    shows several (the chart: identity with licence and eligibility) logs the identity."""

    IDENTITY = "identity", "Identifying data"
    PHOTO = "photo", "Identity photo"
    # A dose or session of the patient: the day sheet, a session's screens, its API and FHIR.
    DOSING_RECORD = "dosing_record", "Dosing record"
    ELIGIBILITY = "eligibility", "Eligibility assessment (date of birth)"
    LICENCE = "licence", "Patient licence (number)"
    # Outcome interviews: drug use, crime and health in the patient's own answers.
    INTERVIEW = "interview", "Outcome interview"
    # Protected apart from the chart (docs/domain.md §12): every read of a note is logged.
    COUNSELLING_NOTE = "counselling_note", "Counselling note"
    # A care plan (goals in the patient's own words) or a referral, on a page, the API or FHIR.
    CARE_RECORD = "care_record", "Care plan or referral"
    # The FHIR patient Bundle and releases of information read these too.
    PRESCRIPTION = "prescription", "Prescription (order versions)"
    URINE_SCREEN = "urine_screen", "Urine drug screen"
    CONSENT = "consent", "Consent"


class AccessLog(ChainedRow):
    """One row for every view of an identifiable record (docs/domain.md §7 invariant 7)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    record = models.CharField(max_length=20, choices=AccessedRecord.choices)
    ip = models.GenericIPAddressField(null=True, blank=True)
    route = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["chain_key", "chain_seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["chain_key", "chain_seq"], name="access_log_chain_position"
            ),
        ]
        indexes = [models.Index(fields=["patient", "-at"], name="access_log_patient_at")]
        triggers = [_APPEND_ONLY]

    def __str__(self) -> str:
        return f"#{self.pk} {self.record} of patient {self.patient_id} by {self.actor_id}"

    def hash_content(self) -> dict[str, Any]:
        return {
            "chain_key": self.chain_key,
            "chain_seq": self.chain_seq,
            "at": timestamp_text(self.at),
            "clinic_id": self.clinic_id,
            "actor_id": self.actor_id,
            "patient_id": self.patient_id,
            "record": self.record,
            "ip": self.ip,
            "route": self.route,
        }
