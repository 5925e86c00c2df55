"""A person's values as people type them and as the engines read them: phone numbers to
E.164, the translated message for a malformed identity number, and the duplicate engine's
record of a stored person. No database writes: the registry's reads and writes use them."""

from __future__ import annotations

import phonenumbers
from django.utils.translation import gettext as _

from kindred.core.errors import Invalid

from . import matching
from .models import Person


def identity_message(reason: str) -> str:
    messages = {
        "format": _("The identity number contains characters that do not belong in it."),
        "length": _("The identity number has the wrong number of digits."),
        "checksum": _("The identity number's check digit is wrong: check for a typo."),
        "date": _("The identity number does not contain a valid birth date."),
        "country": _(
            "Identity numbers can be checked for Denmark, Sweden, Finland and Bulgaria only."
        ),
    }
    return messages[reason]


def normalise_phone(raw: str, country: str) -> str:
    """E.164 (+4512345678) from any common way of writing a number."""
    if not raw.strip():
        return ""
    try:
        parsed = phonenumbers.parse(raw, country or None)
    except phonenumbers.NumberParseException as error:
        raise Invalid(_("Enter a phone number, e.g. +45 12 34 56 78."), field="phone") from error
    if not phonenumbers.is_possible_number(parsed):
        raise Invalid(_("This phone number has too few or too many digits."), field="phone")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def display_phone(value: str, country: str) -> str:
    """A stored number (E.164) as people write it: nationally for a number of the
    organisation's country ("20 30 40 50" in Denmark, "070-123 45 67" in Sweden),
    internationally for any other ("+380 50 123 4567"); as stored when it cannot be read."""
    if not value:
        return ""
    try:
        parsed = phonenumbers.parse(value, country or None)
    except phonenumbers.NumberParseException:
        return value
    if country and phonenumbers.region_code_for_number(parsed) == country.upper():
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def match_record(person: Person) -> matching.Record:
    """The duplicate engine's view of a stored person. The identity number is compared
    through its blind index (equal numbers have equal indexes), never decrypted."""
    return matching.Record(
        id=str(person.pk or ""),
        given_name=person.given_name,
        family_name=person.family_name,
        birth_date=person.birth_date.isoformat()
        if person.birth_date
        else str(person.birth_year or ""),
        phone=person.phone,
        email=person.email,
        street=person.street,
        postcode=person.postcode,
        city=person.city,
        country=person.country,
        national_id=person.national_id_index,
    )
