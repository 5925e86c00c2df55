"""The stock ledger (ADR 0011): append-only movements, the balances written only by
`goods.services.ledger` in the same transaction, and document numbers."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from .catalogue import ItemType
from .common import QTY, ZERO, Grade, org_field
from .locations import Location


class StockBalance(models.Model):
    """The current quantity of one stock key. Written only by goods.services.ledger."""

    organization = org_field()
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="balances", verbose_name=_("location")
    )
    item_type = models.ForeignKey(
        ItemType, on_delete=models.PROTECT, related_name="balances", verbose_name=_("item type")
    )
    size = models.CharField(_("size"), max_length=10, blank=True)
    grade = models.CharField(_("condition"), max_length=10, choices=Grade.choices)
    quantity = models.DecimalField(_("quantity"), default=ZERO, **QTY)
    # Set aside for a household (help requests); still on the shelf, not available.
    reserved = models.DecimalField(_("reserved"), default=ZERO, **QTY)
    updated_at = models.DateTimeField(_("changed"), default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("stock balance")
        verbose_name_plural = _("stock balances")
        constraints = [
            models.UniqueConstraint(
                fields=["location", "item_type", "size", "grade"], name="balance_key_unique"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="balance_not_negative"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0) & Q(reserved__lte=F("quantity")),
                name="balance_reserved_within_quantity",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "item_type", "size"], name="balance_by_type"),
        ]

    def __str__(self) -> str:
        return f"{self.item_type} {self.size} {self.grade}: {self.quantity}"

    @property
    def available(self) -> Decimal:
        return self.quantity - self.reserved


class MovementQuerySet(models.QuerySet):
    """The ledger is append-only, like the audit log: a mistake is corrected by a reversing
    movement, never by changing or deleting one."""

    def update(self, **kwargs):
        raise TypeError("Ledger movements are append-only.")

    def delete(self):
        raise TypeError("Ledger movements are append-only.")

    def backdate(self, created_at) -> int:
        """Demo data and tests only: spread movements over past weeks. Changes nothing but
        the time, and no service calls it."""
        return super().update(created_at=created_at)


class Movement(models.Model):
    """One append-only line of the ledger: `quantity` of a stock key moved from a location
    (an outflow), to a location (an inflow) or between two. RESERVE and RELEASE change the
    reserved part at `from_location` and move nothing."""

    class Kind(models.TextChoices):
        INTAKE = "intake", _("Intake")
        SORT = "sort", _("Sorting")
        TRANSFER = "transfer", _("Transfer")
        RESERVE = "reserve", _("Reservation")
        RELEASE = "release", _("Release of a reservation")
        HANDOUT = "handout", _("Handout")
        TO_SHOP = "to_shop", _("To a shop")
        SALE = "sale", _("Sale")
        EXPORT = "export", _("Export")
        RECYCLE = "recycle", _("Recycling")
        DISCARD = "discard", _("Discard")
        COUNT = "count", _("Count adjustment")
        CORRECTION = "correction", _("Correction")

    organization = org_field()
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    item_type = models.ForeignKey(
        ItemType, on_delete=models.PROTECT, related_name="movements", verbose_name=_("item type")
    )
    size = models.CharField(_("size"), max_length=10, blank=True)
    grade = models.CharField(_("condition"), max_length=10, choices=Grade.choices)
    quantity = models.DecimalField(_("quantity"), **QTY)
    from_location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from"),
    )
    to_location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("to"),
    )
    # The document that caused it ("receipt", "sorting", "transfer", "count", "disposal",
    # "handout", …) and its id: a loose reference, so later apps add documents freely.
    document_type = models.CharField(_("document"), max_length=20, blank=True)
    document_id = models.BigIntegerField(null=True, blank=True)
    reverses = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversals",
        verbose_name=_("reverses"),
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    objects = ScopedManager(
        organization="organization", _manager_class=models.Manager.from_queryset(MovementQuerySet)
    )

    class Meta:
        verbose_name = _("movement")
        verbose_name_plural = _("movements")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="movement_quantity_positive"),
            models.CheckConstraint(
                condition=Q(from_location__isnull=False) | Q(to_location__isnull=False),
                name="movement_has_a_location",
            ),
            models.CheckConstraint(
                condition=~Q(from_location=F("to_location")), name="movement_from_is_not_to"
            ),
            # A reservation or its release changes the reserved part at one location.
            models.CheckConstraint(
                condition=~Q(kind__in=["reserve", "release"])
                | Q(from_location__isnull=False, to_location__isnull=True),
                name="movement_reserve_shape",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "created_at"], name="movement_by_time"),
            models.Index(fields=["from_location", "created_at"], name="movement_from"),
            models.Index(fields=["to_location", "created_at"], name="movement_to"),
            models.Index(fields=["item_type", "created_at"], name="movement_by_type"),
            models.Index(fields=["document_type", "document_id"], name="movement_document"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.item_type} {self.quantity}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Ledger movements are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Ledger movements are append-only.")


class DocumentCounter(models.Model):
    """The last number given to each kind of document in an organisation (R-1, R-2, …)."""

    organization = org_field()
    kind = models.CharField(max_length=20)
    value = models.PositiveIntegerField(default=0)

    objects = ScopedManager(organization="organization")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind"], name="counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.value}"
