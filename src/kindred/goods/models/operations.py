"""Documents that move stock after intake: sortings, transfers, stock counts and
disposal lots."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from kindred.core.models import Site

from .catalogue import ItemType
from .common import QTY, Grade, NumberedDocument, StockLine, Stream, org_field
from .locations import Location


class Sorting(NumberedDocument):
    """Sacks taken by weight from unsorted stock and sorted into counted items and
    streams; kilograms in and out are compared and the difference shown."""

    PREFIX = "S"

    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )
    source_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("taken from")
    )
    source_item_type = models.ForeignKey(
        ItemType, on_delete=models.PROTECT, related_name="+", verbose_name=_("unsorted goods")
    )
    source_grade = models.CharField(
        _("condition"), max_length=10, choices=Grade.choices, default=Grade.UNSORTED
    )
    weight_kg = models.DecimalField(_("weight taken (kg)"), max_digits=10, decimal_places=3)
    created_at = models.DateTimeField(_("sorted"), default=timezone.now)

    class Meta:
        verbose_name = _("sorting")
        verbose_name_plural = _("sortings")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="sorting_number"),
            models.CheckConstraint(condition=Q(weight_kg__gt=0), name="sorting_weight_positive"),
        ]


class SortingLine(models.Model):
    organization = org_field()
    sorting = models.ForeignKey(Sorting, on_delete=models.CASCADE, related_name="lines")
    stream = models.CharField(_("stream"), max_length=10, choices=Stream.choices)
    item_type = models.ForeignKey(
        ItemType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("item type"),
    )
    size = models.CharField(_("size"), max_length=10, blank=True)
    grade = models.CharField(_("condition"), max_length=10, choices=Grade.choices, blank=True)
    quantity = models.DecimalField(_("quantity"), null=True, blank=True, **QTY)
    weight_kg = models.DecimalField(
        _("weight (kg)"), max_digits=10, decimal_places=3, null=True, blank=True
    )
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("put in"),
    )

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.stream} {self.item_type or ''} {self.weight_kg or ''}"


class Transfer(NumberedDocument):
    """Goods moved between locations. Within a site they arrive at once; between sites
    they wait in the receiving site's in-transit location until received. A reversed
    transfer (services.reverse_document) is REVERSED: its goods are back where they were
    sent from, and a transfer reversed while in transit can no longer be received."""

    PREFIX = "T"

    class Status(models.TextChoices):
        IN_TRANSIT = "in_transit", _("In transit")
        DONE = "done", _("Done")
        REVERSED = "reversed", _("Reversed")

    from_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("from")
    )
    to_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("to")
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    received_at = models.DateTimeField(_("received"), null=True, blank=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="transfer_number")
        ]


class TransferLine(StockLine):
    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="lines")
    quantity = models.DecimalField(_("quantity"), **QTY)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.item_type} {self.size} x {self.quantity}"


class StockCount(NumberedDocument):
    """A count sheet for one location: the expected quantities are taken when it opens,
    counted ones entered, and a coordinator's approval turns the differences into count
    adjustments (counted minus expected, so movements during the count are not undone)."""

    PREFIX = "C"

    class Status(models.TextChoices):
        OPEN = "open", _("Counting")
        APPROVED = "approved", _("Approved")
        CANCELLED = "cancelled", _("Cancelled")

    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("location")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)

    class Meta:
        verbose_name = _("stock count")
        verbose_name_plural = _("stock counts")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="count_number")
        ]


class StockCountLine(StockLine):
    count = models.ForeignKey(StockCount, on_delete=models.CASCADE, related_name="lines")
    expected = models.DecimalField(_("expected"), **QTY)
    counted = models.DecimalField(_("counted"), null=True, blank=True, **QTY)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["count", "item_type", "size", "grade"], name="count_line_unique"
            ),
            models.CheckConstraint(
                condition=Q(counted__isnull=True) | Q(counted__gte=0),
                name="count_line_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_type} {self.size}: {self.counted}"

    @property
    def difference(self) -> Decimal | None:
        return None if self.counted is None else self.counted - self.expected


class DisposalLot(NumberedDocument):
    """Goods leaving for good: an export lot to a named receiver (with a waybill),
    textile recycling, or discard, each with a reason."""

    PREFIX = "D"

    class Kind(models.TextChoices):
        EXPORT = "export", _("Export")
        RECYCLE = "recycle", _("Recycling")
        DISCARD = "discard", _("Discard")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )
    receiver_contact = models.ForeignKey(
        "people.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("receiver"),
    )
    receiver_name = models.CharField(_("receiver's name"), max_length=200, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    shipped_on = models.DateField(_("date"))
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("disposal lot")
        verbose_name_plural = _("disposal lots")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="disposal_number")
        ]


class DisposalLine(StockLine):
    lot = models.ForeignKey(DisposalLot, on_delete=models.CASCADE, related_name="lines")
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("location")
    )
    quantity = models.DecimalField(_("quantity"), **QTY)
    weight_kg = models.DecimalField(
        _("weight (kg)"), max_digits=10, decimal_places=3, null=True, blank=True
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.item_type} {self.size} x {self.quantity}"
