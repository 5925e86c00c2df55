"""The organisation's aid settings: the public help form, how long reservations are kept,
and the allocation's policy numbers (../shared/formats/allocation.md).

`get_settings` never writes: without a saved row it answers the model's defaults (an
unsaved AidSettings), so reading pages and GET endpoints change nothing. The first
`update_settings` saves the row. Changes write "aid.settings_changed".
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kindred.core.models import Organization, User
from kindred.core.services import Invalid, update_and_audit

from ..models import AidSettings

AUDIT: dict = {"aid.settings_changed": gettext_lazy("Aid settings changed")}

FIELDS = [
    "public_requests",
    "public_intro",
    "reservation_days",
    "substitute_value",
    "fairness_weight",
    "waiting_bonus",
]
INTRO_MAX = 5000
RESERVATION_DAYS_MAX = 365
TWO_PLACES = Decimal("0.01")
# (lowest, highest) of each decimal, the highest set by the column's digits.
DECIMAL_RANGES = {
    "substitute_value": (Decimal("0"), Decimal("1")),
    "fairness_weight": (Decimal("0"), Decimal("9999.99")),
    "waiting_bonus": (Decimal("0"), Decimal("99.99")),
}


def get_settings(org: Organization) -> AidSettings:
    """The organisation's aid settings; the defaults (unsaved) when none were saved yet."""
    found = AidSettings.objects.filter(organization=org).first()
    if found is not None:
        return found
    defaults = AidSettings(organization=org)
    for field in DECIMAL_RANGES:  # the model's defaults are strings until saved
        setattr(defaults, field, Decimal(str(getattr(defaults, field))))
    return defaults


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "on", "yes")
    return bool(value)


def _decimal(value: Any, field: str) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise Invalid(_("Enter a number."), field=field) from None
    if not number.is_finite():
        raise Invalid(_("Enter a number."), field=field)
    low, high = DECIMAL_RANGES[field]
    if number < low or number > high:
        raise Invalid(
            _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high},
            field=field,
        )
    if number != number.quantize(TWO_PLACES):
        raise Invalid(_("Use at most two decimals."), field=field)
    return number.quantize(TWO_PLACES)


def _days(value: Any) -> int:
    try:
        days = int(str(value).strip())
    except (TypeError, ValueError):
        raise Invalid(_("Enter a whole number."), field="reservation_days") from None
    if days < 1 or days > RESERVATION_DAYS_MAX:
        raise Invalid(
            _("Enter a number from %(low)s to %(high)s.")
            % {"low": 1, "high": RESERVATION_DAYS_MAX},
            field="reservation_days",
        )
    return days


def _clean(values: Mapping[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for field in FIELDS:
        if field not in values:
            continue
        value = values[field]
        if field == "public_requests":
            clean[field] = _flag(value)
        elif field == "public_intro":
            text = (value or "").strip()
            if len(text) > INTRO_MAX:
                raise Invalid(
                    _("Use at most %(max)s characters.") % {"max": INTRO_MAX}, field=field
                )
            clean[field] = text
        elif field == "reservation_days":
            clean[field] = _days(value)
        else:
            clean[field] = _decimal(value, field)
    return clean


def update_settings(
    *, org: Organization, values: Mapping[str, Any], actor: User | None
) -> AidSettings:
    """Change some or all of the settings (keys of `values` among FIELDS; the others keep
    their value). Validates everything before writing anything."""
    clean = _clean(values)
    with transaction.atomic():
        settings = AidSettings.objects.select_for_update().filter(
            organization=org
        ).first() or get_settings(org)
        # Decimals read from the database compare equal to the same typed value, so an
        # unchanged form writes nothing. A first change inserts the row; two first saves at
        # once: the second fails on the one-to-one key and its transaction rolls back whole.
        update_and_audit(
            settings,
            clean,
            FIELDS,
            org=org,
            actor=actor,
            action="aid.settings_changed",
            validate=(),  # checked by _clean
        )
    return settings
