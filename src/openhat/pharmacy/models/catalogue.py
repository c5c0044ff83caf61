"""What the pharmacy holds: products with their units and conversions, lots, and locations.

Every quantity is kept in mg; liquids are kept in mL as well (German BtM records need mL). A
product's unit of count (vial, tablet, capsule, mL or mg) converts to mg through `mg_per_unit` or,
for liquids, `mg_per_ml`.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q

from openhat.rules.context import Drug

DRUG_CHOICES = [(drug.value, drug.value) for drug in Drug]
MG_PLACES = Decimal("0.001")


def mg_field(**options: object) -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=3, **options)  # type: ignore[arg-type]


class ProductKind(models.TextChoices):
    DAM_VIAL = "dam_vial", "Diacetylmorphine lyophilised vial"
    DAM_SOLUTION = "dam_solution", "Diacetylmorphine solution (reconstituted)"
    DAM_TABLET = "dam_tablet", "Diacetylmorphine tablet"
    HDM_INJECTABLE = "hdm_injectable", "Hydromorphone injectable solution"
    METHADONE_SOLUTION = "methadone_solution", "Methadone oral solution"
    SROM_CAPSULE = "srom_capsule", "Slow-release oral morphine capsule"


LIQUID_KINDS = frozenset(
    {ProductKind.DAM_SOLUTION, ProductKind.HDM_INJECTABLE, ProductKind.METHADONE_SOLUTION}
)
# What a dose may be drawn from: never a vial that has not been reconstituted.
DOSE_KINDS = frozenset(set(ProductKind) - {ProductKind.DAM_VIAL})


class CountUnit(models.TextChoices):
    MG = "mg", "mg"
    ML = "ml", "mL"
    VIAL = "vial", "vial"
    TABLET = "tablet", "tablet"
    CAPSULE = "capsule", "capsule"


class LocationKind(models.TextChoices):
    SAFE = "safe", "Safe"
    DOSING_ROOM = "dosing_room", "Dosing room"
    QUARANTINE = "quarantine", "Quarantine"


class Product(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=24, choices=ProductKind.choices)
    drug = models.CharField(max_length=16, choices=DRUG_CHOICES)
    count_unit = models.CharField(max_length=8, choices=CountUnit.choices)
    mg_per_unit = mg_field(null=True, blank=True)
    mg_per_ml = mg_field(null=True, blank=True)
    reconstitutes_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    in_use_hours = models.PositiveIntegerField(null=True, blank=True)
    reorder_level_mg = mg_field(default=Decimal("0"))
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["clinic", "code"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "code"], name="product_code_per_clinic"),
            models.CheckConstraint(
                condition=Q(mg_per_unit__isnull=True) | Q(mg_per_unit__gt=0),
                name="product_mg_per_unit_positive",
            ),
            models.CheckConstraint(
                condition=Q(mg_per_ml__isnull=True) | Q(mg_per_ml__gt=0),
                name="product_mg_per_ml_positive",
            ),
            models.CheckConstraint(
                condition=Q(reorder_level_mg__gte=0), name="product_reorder_level_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_liquid(self) -> bool:
        return self.mg_per_ml is not None

    @property
    def units(self) -> list[str]:
        """The units a quantity of this product may be given in."""
        units = [CountUnit.MG.value]
        if self.is_liquid:
            units.append(CountUnit.ML.value)
        if self.mg_per_unit is not None:
            units.append(self.count_unit)
        return units

    def ml_for(self, quantity_mg: Decimal) -> Decimal | None:
        if self.mg_per_ml is None:
            return None
        return (quantity_mg / self.mg_per_ml).quantize(MG_PLACES)

    def in_count_units(self, quantity_mg: Decimal) -> Decimal:
        if self.mg_per_unit is not None:
            return quantity_mg / self.mg_per_unit
        if self.mg_per_ml is not None:
            return (quantity_mg / self.mg_per_ml).quantize(MG_PLACES)
        return quantity_mg


class Location(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=LocationKind.choices)

    class Meta:
        ordering = ["clinic", "code"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "code"], name="location_code_per_clinic"),
        ]

    def __str__(self) -> str:
        return self.name


class Lot(models.Model):
    """A supplier's lot, or a batch of solution made by reconstituting vials of one."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="lots")
    lot_number = models.CharField(max_length=60)
    supplier = models.CharField(max_length=120, blank=True)
    expires_on = models.DateField()
    receipt_document = models.CharField(max_length=80, blank=True)
    source_lot = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="solutions"
    )
    in_use_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["product", "expires_on", "lot_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "product", "lot_number"], name="lot_number_per_product"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.code} lot {self.lot_number}"


class StockBalance(models.Model):
    """The running balance of one lot at one location: the row a movement locks.

    The ledger is the record; this row is the sum of its entries kept for locking and speed.
    `openhat ledger verify` checks that the two agree. The CHECK constraints are the database's
    last word that stock never goes negative, should a service ever miss it.
    """

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="balances")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="balances")
    balance_mg = mg_field(default=Decimal("0"))
    balance_ml = mg_field(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["product", "lot", "location"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "location"], name="balance_per_lot_location"),
            models.CheckConstraint(
                condition=Q(balance_mg__gte=0), name="balance_mg_never_negative"
            ),
            models.CheckConstraint(
                condition=Q(balance_ml__isnull=True) | Q(balance_ml__gte=0),
                name="balance_ml_never_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lot} at {self.location}: {self.balance_mg} mg"
