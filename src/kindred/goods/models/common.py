"""What every goods model shares: quantities, the organisation key, grades, units and
sorting streams, and the abstract stock line and numbered document."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from kindred.core.models import Organization

QTY = {"max_digits": 14, "decimal_places": 3}
ZERO = Decimal("0")


def org_field():
    return models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )


class Grade(models.TextChoices):
    NEW = "new", _("New")
    GOOD = "good", _("Good")
    USED = "used", _("Used")
    WORN = "worn", _("Worn")
    UNSORTED = "unsorted", _("Unsorted")


class Unit(models.TextChoices):
    PIECE = "piece", _("piece")
    PAIR = "pair", _("pair")
    SET = "set", _("set")
    KG = "kg", _("kg")


class Stream(models.TextChoices):
    """Where sorted goods go."""

    KEEP = "keep", _("Keep for handout")
    SHOP = "shop", _("Shop")
    EXPORT = "export", _("Export")
    RECYCLE = "recycle", _("Textile recycling")
    DISCARD = "discard", _("Discard")


class NumberedDocument(models.Model):
    """A document numbered per organisation and kind ("R-12", "T-3"; numbers from
    `services.next_number`), with a note and who recorded it."""

    PREFIX = ""

    organization = org_field()
    number = models.PositiveIntegerField(_("number"))
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = ScopedManager(organization="organization")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"{self.PREFIX}-{self.number}"


class StockLine(models.Model):
    """A line of a document about one stock key (item type, size, grade)."""

    organization = org_field()
    item_type = models.ForeignKey(
        "goods.ItemType", on_delete=models.PROTECT, related_name="+", verbose_name=_("item type")
    )
    size = models.CharField(_("size"), max_length=10, blank=True)
    grade = models.CharField(_("condition"), max_length=10, choices=Grade.choices)

    objects = ScopedManager(organization="organization")

    class Meta:
        abstract = True
