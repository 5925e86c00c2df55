"""How often the public help form may be sent (ADR 0020): the rules, apart from the page
that applies them, so another public form (the volunteers' sign-up) can share them.

Every POST from one address counts against BY_ADDRESS; every saved request counts against
its phone number and its e-mail address (BY_CONTACT). The counts live in Django's cache
(core.ratelimit), shared by every server process."""

from __future__ import annotations

from django.utils.translation import gettext

from kindred.core.models import Organization
from kindred.core.ratelimit import Limit
from kindred.core.services import DomainError
from kindred.people.values import normalise_phone

BY_ADDRESS = Limit("help-form-address", hits=10, seconds=3600)
BY_CONTACT = Limit("help-form-contact", hits=3, seconds=24 * 3600)
RETRY_AFTER = 3600  # seconds, the answer's Retry-After


def address_allowed(org: Organization, address: str) -> bool:
    """Count one submission from `address` (an IP address); False past the limit."""
    return BY_ADDRESS.hit(f"{org.pk}:{address or ''}")


def contact_keys(org: Organization, phone: str, email: str) -> list[str]:
    """The phone number and e-mail address typed, normalised, as the limit's keys."""
    keys = []
    try:
        number = normalise_phone(phone or "", org.country)
    except DomainError:  # refused later, on its field; counted as typed meanwhile
        number = "".join(ch for ch in phone or "" if ch.isdigit())
    if number:
        keys.append(f"{org.pk}:phone:{number}")
    address = (email or "").strip().lower()
    if address:
        keys.append(f"{org.pk}:email:{address}")
    return keys


def contacts_used_up(keys: list[str]) -> bool:
    """Whether any of these contacts has sent as many requests as it may (counts nothing)."""
    return any(BY_CONTACT.exceeded(key) for key in keys)


def count_contacts(keys: list[str]) -> None:
    """Count one saved request for each contact."""
    for key in keys:
        BY_CONTACT.hit(key)


def limited_message() -> str:
    return gettext(
        "We have received many requests from here in a short time, so this one was not "
        "sent. Please try again in an hour, or call us."
    )
