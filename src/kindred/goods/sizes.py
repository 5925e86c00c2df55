"""Size systems of the catalogue: which sizes an item type may be recorded in.

Plain data, no Django models: a size is stored as its label ("110", "38", "XL") on
movements and balances; an item type without a size system records "".
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SizeSystem(models.TextChoices):
    NONE = "none", _("No sizes")
    CHILDREN = "children", _("Children's clothing (50-176)")
    SHOES = "shoes", _("Shoes (EU 16-48)")
    ADULT = "adult", _("Adult clothing (XS-4XL)")


SIZES: dict[str, tuple[str, ...]] = {
    SizeSystem.NONE: ("",),
    # Nordic children's sizes follow height in centimetres, in steps of 6.
    SizeSystem.CHILDREN: tuple(str(cm) for cm in range(50, 177, 6)),
    SizeSystem.SHOES: tuple(str(eu) for eu in range(16, 49)),
    SizeSystem.ADULT: ("XS", "S", "M", "L", "XL", "XXL", "3XL", "4XL"),
}


def sizes_for(system: str) -> tuple[str, ...]:
    return SIZES.get(system, ("",))


def normalise_size(system: str, size: str | None) -> str | None:
    """The canonical label of `size` in `system`, or None when it is not one of its sizes."""
    text = (size or "").strip().upper()
    if system == SizeSystem.NONE:
        return "" if text == "" else None
    for label in sizes_for(system):
        if label.upper() == text:
            return label
    if system == SizeSystem.ADULT and text in {"2XL", "XXXL", "XXXXL"}:
        return {"2XL": "XXL", "XXXL": "3XL", "XXXXL": "4XL"}[text]
    return None


def size_order(system: str, size: str) -> int:
    try:
        return sizes_for(system).index(size)
    except ValueError:
        return len(sizes_for(system))
