"""Low-stock levels and the organisation's goods settings (public needs list, thank-you text)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from kindred.core.models import Organization, Site

from .catalogue import ItemType
from .common import QTY, org_field


class Threshold(models.Model):
    """A low-stock level: below `minimum` available units (of one size, or of all sizes
    when `size` is blank; at one site or across the organisation) the item type is
    wanted, and shown on the public needs list when that is on."""

    organization = org_field()
    item_type = models.ForeignKey(
        ItemType, on_delete=models.CASCADE, related_name="thresholds", verbose_name=_("item type")
    )
    size = models.CharField(_("size"), max_length=10, blank=True)
    site = models.ForeignKey(
        Site,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
    )
    minimum = models.DecimalField(_("minimum"), **QTY)
    public = models.BooleanField(_("on the public needs list"), default=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("low-stock level")
        verbose_name_plural = _("low-stock levels")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "item_type", "size", "site"],
                condition=Q(site__isnull=False),
                name="threshold_unique_per_site",
            ),
            models.UniqueConstraint(
                fields=["organization", "item_type", "size"],
                condition=Q(site__isnull=True),
                name="threshold_unique_org_wide",
            ),
            models.CheckConstraint(condition=Q(minimum__gte=0), name="threshold_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.item_type} {self.size} >= {self.minimum}"


class GoodsSettings(models.Model):
    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="goods_settings"
    )
    public_needs = models.BooleanField(_("publish a needs list"), default=False)
    public_intro = models.TextField(_("introduction on the needs list"), blank=True)
    # Days-of-stock horizon etc. can come later; the receipt's thank-you text is here.
    thank_you_text = models.TextField(_("thank-you text on receipts"), blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("goods settings")

    def __str__(self) -> str:
        return str(self.organization_id)
