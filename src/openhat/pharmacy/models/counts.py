"""Physical counts, and the discrepancies a count opens until someone investigates and closes them.

All append-only: a count is what was seen at a moment; a discrepancy is closed by a closure row,
never by editing it.
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models

from openhat.pharmacy.models.catalogue import Location, Lot, Product, mg_field
from openhat.pharmacy.models.ledger import LedgerEntry

_APPEND_ONLY = pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)


class CountOccasion(models.TextChoices):
    SHIFT_CHANGE = "shift_change", "Shift change"
    DAY_END = "day_end", "End of day"
    SPOT_CHECK = "spot_check", "Spot check"


class StockCount(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="counts")
    occasion = models.CharField(max_length=16, choices=CountOccasion.choices)
    counted_at = models.DateTimeField()
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    counted_by_username = models.CharField(max_length=150)
    note = models.CharField(max_length=500, blank=True)
    # The ledger's last position when the count was taken: expected balances are read there.
    ledger_position = models.BigIntegerField()

    class Meta:
        ordering = ["-counted_at"]
        triggers = [_APPEND_ONLY]
        indexes = [models.Index(fields=["location", "-counted_at"], name="count_location_at")]

    def __str__(self) -> str:
        return f"Count of {self.location} at {self.counted_at:%Y-%m-%d %H:%M}"


class CountLine(models.Model):
    count = models.ForeignKey(StockCount, on_delete=models.PROTECT, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    counted_mg = mg_field()
    counted_ml = mg_field(null=True, blank=True)
    expected_mg = mg_field()
    expected_ml = mg_field(null=True, blank=True)
    difference_mg = mg_field()

    class Meta:
        ordering = ["count", "product", "lot"]
        triggers = [_APPEND_ONLY]
        constraints = [
            models.UniqueConstraint(fields=["count", "lot"], name="count_line_per_lot"),
            models.CheckConstraint(
                condition=models.Q(counted_mg__gte=0), name="count_line_counted_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lot}: counted {self.counted_mg} mg, expected {self.expected_mg} mg"


class Discrepancy(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    count_line = models.OneToOneField(
        CountLine, on_delete=models.PROTECT, related_name="discrepancy"
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    difference_mg = mg_field()
    opened_at = models.DateTimeField()

    class Meta:
        ordering = ["-opened_at"]
        verbose_name_plural = "discrepancies"
        triggers = [_APPEND_ONLY]

    def __str__(self) -> str:
        return f"Discrepancy {self.pk}: {self.difference_mg} mg of {self.lot}"


class DiscrepancyClosure(models.Model):
    discrepancy = models.OneToOneField(
        Discrepancy, on_delete=models.PROTECT, related_name="closure"
    )
    closed_at = models.DateTimeField()
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_by_username = models.CharField(max_length=150)
    investigation_note = models.TextField()
    adjustment = models.OneToOneField(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="closes"
    )

    class Meta:
        ordering = ["-closed_at"]
        triggers = [_APPEND_ONLY]

    def __str__(self) -> str:
        return f"Closure of discrepancy {self.discrepancy_id}"
