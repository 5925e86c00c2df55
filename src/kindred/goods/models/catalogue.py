"""The catalogue: a tree of categories and the item types in it."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from ..catalogue import builtin_name
from ..sizes import SizeSystem
from .common import ZERO, Unit, org_field


class Category(models.Model):
    """A node of the catalogue tree. Built-in categories have a `code` and take their
    translated name from goods.catalogue; `name` overrides it (or names a custom one)."""

    organization = org_field()
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent category"),
    )
    code = models.SlugField(_("code"), max_length=60, blank=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    hidden = models.BooleanField(_("hidden"), default=False)
    position = models.PositiveIntegerField(_("position"), default=0)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"],
                condition=~Q(code=""),
                name="category_code_unique_per_org",
            )
        ]

    def __str__(self) -> str:
        return str(self.label)

    @property
    def label(self) -> str:
        return self.name or builtin_name(self.code)


class ItemType(models.Model):
    class Fit(models.TextChoices):
        ANY = "", _("Anyone")
        FEMALE = "female", _("Women and girls")
        MALE = "male", _("Men and boys")

    class Age(models.TextChoices):
        ANY = "", _("Any age")
        BABY = "baby", _("Baby (0-2)")
        CHILD = "child", _("Child (2-12)")
        TEEN = "teen", _("Teenager")
        ADULT = "adult", _("Adult")

    organization = org_field()
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="item_types", verbose_name=_("category")
    )
    code = models.SlugField(_("code"), max_length=60, blank=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    size_system = models.CharField(
        _("sizes"), max_length=20, choices=SizeSystem.choices, default=SizeSystem.NONE
    )
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.PIECE)
    fit = models.CharField(_("fit"), max_length=10, choices=Fit.choices, blank=True)
    age = models.CharField(_("age"), max_length=10, choices=Age.choices, blank=True)
    standard_weight_kg = models.DecimalField(
        _("standard weight (kg per unit)"), max_digits=8, decimal_places=3, default=ZERO
    )
    fair_value = models.DecimalField(
        _("fair-market value per unit"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    # Furniture and other single pieces: each is registered on its own, with a photo and
    # a label, instead of only counted.
    one_off = models.BooleanField(_("registered one by one"), default=False)
    hidden = models.BooleanField(_("hidden"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("item type")
        verbose_name_plural = _("item types")
        ordering = ["category__position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"],
                condition=~Q(code=""),
                name="item_type_code_unique_per_org",
            ),
            models.CheckConstraint(
                condition=Q(standard_weight_kg__gte=0), name="item_type_weight_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(fair_value__isnull=True) | Q(fair_value__gte=0),
                name="item_type_value_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return str(self.label)

    @property
    def label(self) -> str:
        return self.name or builtin_name(self.code)
