"""Donations: receipts, their lines and the one-off items registered from them."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kindred.core.models import Site

from .common import QTY, NumberedDocument, StockLine
from .locations import Location


class DonationReceipt(NumberedDocument):
    PREFIX = "R"

    class Channel(models.TextChoices):
        DROP_OFF = "drop_off", _("Intake-day drop-off")
        PICKUP = "pickup", _("Pickup at the donor")
        COMPANY = "company", _("Company donation")
        CONTAINER = "container", _("Collection container")

    class DonorKind(models.TextChoices):
        ANONYMOUS = "anonymous", _("Anonymous")
        PERSON = "person", _("Person")
        CONTACT = "contact", _("Company or organisation")
        NAMED = "named", _("Named (not registered)")

    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )
    received_on = models.DateField(_("received on"))
    # The currency its line values are in, as the organisation had it when the goods came:
    # an issued receipt does not change when the organisation's currency does.
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    channel = models.CharField(
        _("channel"), max_length=12, choices=Channel.choices, default=Channel.DROP_OFF
    )
    donor_kind = models.CharField(
        _("donor"), max_length=12, choices=DonorKind.choices, default=DonorKind.ANONYMOUS
    )
    donor_person = models.ForeignKey(
        "people.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("donor (person)"),
    )
    donor_contact = models.ForeignKey(
        "people.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("donor (company or organisation)"),
    )
    donor_name = models.CharField(_("donor's name"), max_length=200, blank=True)
    # A double click or a resubmitted form carries the same key: one receipt, never two.
    idempotency_key = models.CharField(max_length=64, blank=True)
    revision = models.PositiveIntegerField(_("revision"), default=1)
    thank_you_sent_at = models.DateTimeField(_("thank-you sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("donation receipt")
        verbose_name_plural = _("donation receipts")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="receipt_number_unique"
            ),
            models.UniqueConstraint(
                fields=["organization", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="receipt_idempotency_key_unique",
            ),
        ]
        indexes = [models.Index(fields=["organization", "received_on"], name="receipt_by_date")]


class DonationLine(StockLine):
    receipt = models.ForeignKey(
        DonationReceipt, on_delete=models.CASCADE, related_name="lines", verbose_name=_("receipt")
    )
    quantity = models.DecimalField(_("quantity"), **QTY)
    weight_kg = models.DecimalField(
        _("weight (kg)"), max_digits=10, decimal_places=3, null=True, blank=True
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("location")
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    # quantity x the item type's fair value when the line was recorded (None: no value then);
    # a later change of the catalogue's value does not change an issued receipt.
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=5, null=True, blank=True)
    # Lines replaced by a correction stay, marked void, so the receipt's history is whole.
    voided = models.BooleanField(_("void"), default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("donation line")
        verbose_name_plural = _("donation lines")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="donation_line_positive")
        ]

    def __str__(self) -> str:
        return f"{self.item_type} {self.size} x {self.quantity}"


class OneOffItem(StockLine):
    """A single piece registered on its own (a sofa, a pram): photo, label, whereabouts."""

    class Status(models.TextChoices):
        IN_STOCK = "in_stock", _("In stock")
        GONE = "gone", _("Gone")

    description = models.CharField(_("description"), max_length=200, blank=True)
    photo = models.ImageField(_("photo"), upload_to="goods/items/%Y/%m/", blank=True)
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("location"),
    )
    line = models.ForeignKey(
        DonationLine, on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.IN_STOCK
    )
    created_at = models.DateTimeField(_("registered"), default=timezone.now)

    class Meta:
        verbose_name = _("one-off item")
        verbose_name_plural = _("one-off items")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.code} {self.item_type}"

    @property
    def code(self) -> str:
        return f"I{self.pk}"
