"""Template filters for the people pages."""

from django import template
from django.utils.translation import gettext_lazy as _

from kindred.people.values import display_phone

register = template.Library()

# What the duplicate engine found alike (people.matching.explain's codes).
MATCH_REASONS = {
    "name": _("name"),
    "birth_date": _("birth date"),
    "birth_year": _("birth year"),
    "phone": _("phone"),
    "email": _("e-mail address"),
    "address": _("address"),
    "national_id": _("identity number"),
}


@register.filter
def match_reason(code: str) -> str:
    return str(MATCH_REASONS.get(code, code))


@register.filter
def phone(value: str, country: str = "") -> str:
    """A stored phone number the way people of `country` write it (people/values.py)."""
    return display_phone(value or "", country or "")
