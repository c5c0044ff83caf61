"""The controlled-substance ledger: one append-only, hash-chained row per line of a movement.

A movement (a receipt, a transfer, a reconstitution, a dose issued ...) writes one entry for each
(lot, location) balance it changes, all sharing one `movement` id; a transfer writes an entry out
of one location and one into the other. Each entry keeps the running balance of its lot at its
location and of its product in the whole clinic, so the register reads straight off the ledger.
Corrections never edit: a reversal entry points at the entry it undoes.
"""

from __future__ import annotations

import uuid
from typing import Any

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q

from openhat.audit.chain import normalise, timestamp_text
from openhat.audit.models import ChainedRow
from openhat.pharmacy.models.catalogue import Location, Lot, Product, mg_field

_APPEND_ONLY = pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)


class EntryKind(models.TextChoices):
    RECEIPT = "receipt", "Receipt"
    TRANSFER = "transfer", "Transfer"
    RECONSTITUTION = "reconstitution", "Reconstitution"
    DOSE_ISSUED = "dose_issued", "Dose issued"
    DOSE_RETURNED = "dose_returned", "Dose returned"
    WASTE = "waste", "Waste"
    ADJUSTMENT = "adjustment", "Count adjustment"
    DESTRUCTION = "destruction", "Destruction"
    EXPIRY_REMOVAL = "expiry_removal", "Expiry removal"
    REVERSAL = "reversal", "Reversal"


# A second signed-in person must witness these (docs/domain.md §6).
WITNESSED_KINDS = frozenset({EntryKind.WASTE, EntryKind.ADJUSTMENT, EntryKind.DESTRUCTION})


class LedgerEntry(ChainedRow):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    movement = models.UUIDField(default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="entries")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="entries")
    quantity_mg = mg_field()
    volume_ml = mg_field(null=True, blank=True)
    balance_mg = mg_field()
    balance_ml = mg_field(null=True, blank=True)
    product_balance_mg = mg_field()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    actor_username = models.CharField(max_length=150)
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    witness_username = models.CharField(max_length=150, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    document_number = models.CharField(max_length=80, blank=True)
    patient = models.ForeignKey(
        "patients.Patient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dose_reference = models.CharField(max_length=80, blank=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    returns_entry = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="returns"
    )

    class Meta:
        ordering = ["chain_key", "chain_seq"]
        verbose_name_plural = "ledger entries"
        constraints = [
            models.UniqueConstraint(
                fields=["chain_key", "chain_seq"], name="ledger_entry_chain_position"
            ),
            models.CheckConstraint(condition=~Q(quantity_mg=0), name="ledger_quantity_not_zero"),
            models.CheckConstraint(
                condition=Q(balance_mg__gte=0), name="ledger_balance_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(product_balance_mg__gte=0), name="ledger_product_balance_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(witness__isnull=True) | ~Q(witness=models.F("actor")),
                name="ledger_witness_is_not_actor",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=sorted(kind.value for kind in WITNESSED_KINDS))
                | Q(witness__isnull=False),
                name="ledger_witnessed_kinds_have_witness",
            ),
            models.CheckConstraint(
                condition=Q(kind=EntryKind.REVERSAL, reverses__isnull=False)
                | (~Q(kind=EntryKind.REVERSAL) & Q(reverses__isnull=True)),
                name="ledger_reversal_points_to_original",
            ),
        ]
        indexes = [
            models.Index(fields=["clinic", "product", "chain_seq"], name="ledger_product_seq"),
            models.Index(fields=["lot", "location", "chain_seq"], name="ledger_lot_location_seq"),
            models.Index(fields=["clinic", "at"], name="ledger_clinic_at"),
            models.Index(fields=["movement"], name="ledger_movement"),
        ]
        triggers = [_APPEND_ONLY]

    def __str__(self) -> str:
        return f"#{self.chain_seq} {self.kind} {self.quantity_mg} mg"

    def hash_content(self) -> dict[str, Any]:
        return normalise(
            {
                "chain_key": self.chain_key,
                "chain_seq": self.chain_seq,
                "at": timestamp_text(self.at),
                "clinic_id": self.clinic_id,
                "movement": str(self.movement),
                "kind": self.kind,
                "product_id": self.product_id,
                "lot_id": self.lot_id,
                "location_id": self.location_id,
                "quantity_mg": str(self.quantity_mg),
                "volume_ml": None if self.volume_ml is None else str(self.volume_ml),
                "balance_mg": str(self.balance_mg),
                "balance_ml": None if self.balance_ml is None else str(self.balance_ml),
                "product_balance_mg": str(self.product_balance_mg),
                "actor_id": self.actor_id,
                "actor_username": self.actor_username,
                "witness_id": self.witness_id,
                "witness_username": self.witness_username,
                "reason": self.reason,
                "document_number": self.document_number,
                "patient_id": self.patient_id,
                "dose_reference": self.dose_reference,
                "reverses_id": self.reverses_id,
                "returns_entry_id": self.returns_entry_id,
            }
        )
