"""Writes of low-stock levels and of the public needs list's settings.

A level is unique per item type, size ("" = all sizes) and site (None = the whole
organisation), so `set_threshold` is an upsert on that key. Each change writes a
"threshold.changed" audit entry; the needs-list settings write "needs.settings_changed".
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kindred.core import audit
from kindred.core.models import Organization, Site, User
from kindred.core.services import Conflict, Invalid, update_and_audit

from ..models import GoodsSettings, ItemType, Threshold
from ..sizes import SizeSystem, normalise_size

MAX_MINIMUM = Decimal("100000000000")  # 14 digits with 3 decimals
INTRO_MAX = 5000
THANK_YOU_MAX = 2000


def _minimum(value) -> Decimal:
    try:
        minimum = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise Invalid(_("Enter a number."), field="minimum") from None
    if not minimum.is_finite():
        raise Invalid(_("Enter a number."), field="minimum")
    if minimum < 0:
        raise Invalid(_("The minimum cannot be negative."), field="minimum")
    if minimum >= MAX_MINIMUM:
        raise Invalid(_("The minimum is too large."), field="minimum")
    if minimum != minimum.quantize(Decimal("0.001")):
        raise Invalid(_("Use at most three decimals."), field="minimum")
    return minimum


def _size(item_type: ItemType, size: str | None) -> str:
    text = (size or "").strip()
    if text == "":
        return ""  # every size of the type together
    if item_type.size_system == SizeSystem.NONE:
        raise Invalid(_("This item type has no sizes."), field="size")
    normal = normalise_size(item_type.size_system, text)
    if normal is None:
        raise Invalid(
            _("%(size)s is not a size of %(item)s.") % {"size": text, "item": item_type.label},
            field="size",
        )
    return normal


def set_threshold(
    *,
    org: Organization,
    item_type: ItemType,
    size: str | None,
    site: Site | None,
    minimum,
    public: bool,
    actor: User | None,
) -> Threshold:
    """Set the low-stock level of an item type (one size or all sizes; one site or the
    whole organisation), creating it or changing the existing one."""
    if item_type is None or item_type.organization_id != org.pk:
        raise Invalid(_("Choose an item type."), field="item_type")
    if site is not None and site.organization_id != org.pk:
        raise Invalid(_("Choose a site."), field="site")
    size = _size(item_type, size)
    minimum = _minimum(minimum)
    try:
        with transaction.atomic():
            threshold = (
                Threshold.objects.select_for_update()
                .filter(organization=org, item_type=item_type, size=size, site=site)
                .first()
            )
            about = {"item_type": str(item_type.label), "size": size}
            if threshold is None:
                threshold = Threshold.objects.create(
                    organization=org,
                    item_type=item_type,
                    size=size,
                    site=site,
                    minimum=minimum,
                    public=public,
                )
                audit.log(
                    org=org,
                    actor=actor,
                    action="threshold.changed",
                    obj=threshold,
                    changes={**about, "minimum": [None, minimum], "public": [None, public]},
                )
            else:
                update_and_audit(
                    threshold,
                    {"minimum": minimum, "public": public},
                    ("minimum", "public"),
                    org=org,
                    actor=actor,
                    action="threshold.changed",
                    validate=(),  # checked by _minimum
                    context=about,
                )
    except IntegrityError:
        # A concurrent request created the same level first; the caller may try again.
        raise Conflict(
            _("This low-stock level was just added by someone else."), field="size"
        ) from None
    return threshold


def delete_threshold(*, org: Organization, threshold: Threshold, actor: User | None) -> None:
    """Remove a low-stock level: the item type is no longer watched (at that site)."""
    if threshold.organization_id != org.pk:
        raise Invalid(_("Choose a low-stock level."), field="threshold")
    with transaction.atomic():
        audit.log(
            org=org,
            actor=actor,
            action="threshold.changed",
            obj=threshold,
            changes={
                "item_type": str(threshold.item_type.label),
                "size": threshold.size,
                "minimum": [threshold.minimum, None],
            },
        )
        threshold.delete()


def needs_settings(org: Organization) -> GoodsSettings:
    """The organisation's goods settings (unsaved defaults when there are none yet)."""
    found = GoodsSettings.objects.filter(organization=org).first()
    return found or GoodsSettings(organization=org)


def update_needs_settings(
    *,
    org: Organization,
    public_needs: bool,
    public_intro: str,
    thank_you_text: str,
    actor: User | None,
) -> GoodsSettings:
    """Turn the public needs list on or off and set its introduction and the thank-you
    text printed on donation receipts."""
    public_intro = (public_intro or "").strip()
    thank_you_text = (thank_you_text or "").strip()
    if len(public_intro) > INTRO_MAX:
        raise Invalid(
            _("Use at most %(max)s characters.") % {"max": INTRO_MAX}, field="public_intro"
        )
    if len(thank_you_text) > THANK_YOU_MAX:
        raise Invalid(
            _("Use at most %(max)s characters.") % {"max": THANK_YOU_MAX}, field="thank_you_text"
        )
    values = {
        "public_needs": bool(public_needs),
        "public_intro": public_intro,
        "thank_you_text": thank_you_text,
    }
    with transaction.atomic():
        settings = GoodsSettings.objects.select_for_update().filter(
            organization=org
        ).first() or GoodsSettings(organization=org)
        # A first change inserts the row. Two first saves at once: the second fails on the
        # one-to-one key and its transaction rolls back whole.
        update_and_audit(
            settings,
            values,
            tuple(values),
            org=org,
            actor=actor,
            action="needs.settings_changed",
            validate=(),  # checked above
        )
    return settings
