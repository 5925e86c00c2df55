"""Where stock lies: rooms, shelves, bins and areas at a site, and its in-transit place."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from kindred.core.models import Site

from .common import org_field


class Location(models.Model):
    """Where stock lies: a room, shelf or bin at a site (a tree), or the in-transit
    location of a site, where goods sent from another site wait to be received."""

    class Kind(models.TextChoices):
        ROOM = "room", _("Room")
        SHELF = "shelf", _("Shelf")
        BIN = "bin", _("Bin")
        AREA = "area", _("Area")
        TRANSIT = "transit", _("In transit")

    organization = org_field()
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="locations", verbose_name=_("site")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("inside"),
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ROOM)
    archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["site__name", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["site"],
                condition=Q(kind="transit"),
                name="location_one_transit_per_site",
            )
        ]

    def __str__(self) -> str:
        return f"{self.site.name} · {self.label}"

    @property
    def label(self) -> str:
        return str(self.get_kind_display()) if self.kind == self.Kind.TRANSIT else self.name

    @property
    def code(self) -> str:
        return f"L{self.pk}"
