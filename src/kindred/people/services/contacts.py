"""Contacts: companies, associations and public bodies, with their contact persons."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from stdnum.bg import vat as bg_vat
from stdnum.dk import cvr
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fi import ytunnus
from stdnum.se import orgnr
from stdnum.util import isdigits

from kindred.core import audit
from kindred.core.models import Organization, User
from kindred.core.services import (
    Conflict,
    Invalid,
    NotFound,
    apply_values,
    save_archived,
    update_and_audit,
    validate_fields,
)

from ..models import (
    Contact,
    ContactPerson,
    Person,
    search_key,
)
from .persons import (
    create_person,
    normalise_phone,
)

# Contacts and consent (issue 3: contacts, consent and lawful basis) -----------------------
# Companies and organisations with their contact persons; the lawful basis per person and
# purpose. Everything below is this section's; the rest of the module is untouched by it.

CONTACT_FIELDS = (
    "kind",
    "name",
    "registration_country",
    "registration_number",
    "email",
    "phone",
    "website",
    "street",
    "postcode",
    "city",
    "country",
    "notes",
)
CONTACT_PERSON_FIELDS = ("job_title", "is_primary")
# Written to the audit log masked: free text that may speak about people.
CONTACT_SENSITIVE = ("notes",)

# EIK/BULSTAT of a branch (13 digits): the check digit over digits 9-12, as published by the
# Bulgarian Registry Agency; the second weights apply when the first sum leaves 10.
_EIK13_WEIGHTS = ((2, 7, 3, 5), (4, 9, 5, 7))


def _bg_eik(number: str) -> str:
    """Bulgarian EIK (BULSTAT): 9 digits for a legal entity (stdnum's `bg.vat` check digit)
    or 13 for a branch (the entity's 9 digits, then 3 digits and a second check digit)."""
    number = bg_vat.compact(number)
    if not isdigits(number):
        raise InvalidFormat()
    if len(number) not in (9, 13):
        raise InvalidLength()
    if number[8] != bg_vat.calc_check_digit_legal(number[:8]):
        raise InvalidChecksum()
    if len(number) == 13:
        digits = [int(d) for d in number[8:12]]
        check = 10
        for weights in _EIK13_WEIGHTS:
            check = sum(w * d for w, d in zip(weights, digits, strict=True)) % 11
            if check != 10:
                break
        if str(check % 10) != number[12]:
            raise InvalidChecksum()
    return number


# Countries whose company registration numbers python-stdnum can check. Numbers of other
# countries are stored as written (trimmed).
REGISTRATION_VALIDATORS = {
    "DK": cvr.validate,
    "SE": orgnr.validate,
    "FI": ytunnus.validate,
    "BG": _bg_eik,
}


def registration_message(reason: str, country: str) -> str:
    """A translated message about a registration number, in the style of
    `identity_message`, with the expected form for the country where it helps."""
    hints = {
        "DK": _("A Danish CVR number has 8 digits."),
        "SE": _("A Swedish organisationsnummer has 10 digits."),
        "FI": _("A Finnish Y-tunnus has 8 digits, e.g. 1234567-8."),
        "BG": _("A Bulgarian EIK (BULSTAT) has 9 or 13 digits."),
    }
    if reason == "checksum":
        return _("The registration number's check digit is wrong: check for a typo.")
    if reason == "length":
        message = _("The registration number has the wrong number of digits.")
    else:
        message = _("The registration number contains characters that do not belong in it.")
    hint = hints.get(country.upper())
    return f"{message} {hint}" if hint else message


def normalise_registration_number(country: str, number: str) -> str:
    """The compact form of a valid registration number for `country` (e.g. "13585628" for
    "DK 13 58 56 28"), or the number as written for a country stdnum does not know.
    Raises Invalid naming `registration_number`."""
    number = number.strip()
    validate = REGISTRATION_VALIDATORS.get(country.upper())
    if not number or validate is None:
        return number
    try:
        return validate(number)
    except InvalidChecksum as error:
        reason = "checksum"
        cause: Exception = error
    except InvalidLength as error:
        reason = "length"
        cause = error
    except StdnumError as error:  # format, component
        reason = "format"
        cause = error
    raise Invalid(registration_message(reason, country), field="registration_number") from cause


def _clean_contact_values(
    org: Organization, values: Mapping[str, Any], contact: Contact
) -> dict[str, Any]:
    values = dict(values)
    for field in ("name", "registration_country", "registration_number"):
        if field in values:
            values[field] = (values[field] or "").strip()
    if "registration_country" in values or "registration_number" in values:
        country = values.get("registration_country", contact.registration_country)
        number = values.get("registration_number", contact.registration_number)
        if number and not country:
            raise Invalid(
                _("Choose the country where the registration number was issued."),
                field="registration_country",
            )
        values["registration_number"] = normalise_registration_number(country, number)
    if values.get("phone") is not None:
        country = values.get("country", contact.country) or org.country
        values["phone"] = normalise_phone(values["phone"], country)
    if values.get("email"):
        values["email"] = values["email"].strip().lower()
    return values


def _registration_clash(org: Organization, contact: Contact) -> None:
    if not contact.registration_number:
        return
    clash = Contact.objects.filter(
        organization=org,
        registration_country=contact.registration_country,
        registration_number=contact.registration_number,
    )
    if contact.pk:
        clash = clash.exclude(pk=contact.pk)
    other = clash.first()
    if other is not None:
        raise Conflict(
            _("This registration number is already registered for %(name)s.")
            % {"name": other.name},
            field="registration_number",
        )


def _save_contact(contact: Contact, **kwargs: Any) -> None:
    try:
        with transaction.atomic():
            contact.save(**kwargs)
    except IntegrityError as error:  # a concurrent save of the same number won the race
        raise Conflict(
            _("A contact with this registration number is already registered."),
            field="registration_number",
        ) from error


@transaction.atomic
def create_contact(*, org: Organization, values: Mapping[str, Any], actor: User | None) -> Contact:
    """Register a company, association or public body. The registration number is checked
    and stored compact where python-stdnum knows the country (CVR, organisationsnummer,
    Y-tunnus, EIK/BULSTAT), as written elsewhere; it is unique per organisation and country."""
    contact = Contact(organization=org, created_by=actor)
    apply_values(contact, _clean_contact_values(org, values, contact), CONTACT_FIELDS)
    validate_fields(contact, CONTACT_FIELDS)
    _registration_clash(org, contact)
    contact.search_name = search_key(contact.name)
    _save_contact(contact)
    audit.log(
        org=org,
        actor=actor,
        action="contact.created",
        obj=contact,
        changes={f: [None, getattr(contact, f)] for f in CONTACT_FIELDS if getattr(contact, f)},
        sensitive=CONTACT_SENSITIVE,
    )
    return contact


@transaction.atomic
def update_contact(
    *, org: Organization, contact: Contact, values: Mapping[str, Any], actor: User | None
) -> Contact:
    """Change a contact's details; only what changed is saved and audited."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk, organization=org)

    def check(changed: list[str]) -> None:
        if not changed:
            return
        if {"registration_country", "registration_number"} & set(changed):
            _registration_clash(org, contact)
        contact.search_name = search_key(contact.name)

    update_and_audit(
        contact,
        _clean_contact_values(org, values, contact),
        CONTACT_FIELDS,
        org=org,
        actor=actor,
        action="contact.updated",
        check=check,
        save=lambda changed: _save_contact(
            contact, update_fields=sorted({*changed, "search_name", "updated_at"})
        ),
        sensitive=CONTACT_SENSITIVE,
    )
    return contact


@transaction.atomic
def set_contact_archived(
    *, org: Organization, contact: Contact, archived: bool, actor: User | None
) -> Contact:
    """Archive (hide from lists and new work, keep everything) or restore a contact."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk, organization=org)
    save_archived(contact, archived, org=org, actor=actor, kind="contact", also=("updated_at",))
    return contact


def _lock_contact(org: Organization, contact: Contact) -> Contact:
    # Every change to a contact's persons locks the contact row first, so two members
    # choosing different main contacts at once cannot both win (at most one main contact).
    return Contact.objects.select_for_update().get(pk=contact.pk, organization=org)


def _clear_main_contact(
    org: Organization, contact: Contact, actor: User | None, keep: int | None = None
) -> None:
    previous = ContactPerson.objects.filter(contact=contact, is_primary=True).select_related(
        "person"
    )
    if keep is not None:
        previous = previous.exclude(pk=keep)
    for link in previous:
        link.is_primary = False
        link.save(update_fields=["is_primary"])
        audit.log(
            org=org,
            actor=actor,
            action="contact.person_updated",
            obj=link,
            changes={"is_primary": [True, False]},
        )


@transaction.atomic
def add_contact_person(
    *,
    org: Organization,
    contact: Contact,
    actor: User | None,
    person: Person | None = None,
    person_values: Mapping[str, Any] | None = None,
    job_title: str = "",
    is_primary: bool = False,
) -> ContactPerson:
    """Make a person speak for `contact`: an existing registry person (the caller checks
    that the member may see them) or a new one registered through `create_person` from
    `person_values`, so access and erasure requests cover contact persons too. A new main
    contact replaces the previous one in the same transaction."""
    if (person is None) == (person_values is None):
        raise Invalid(_("Choose an existing person or enter a new person's name."), field="person")
    contact = _lock_contact(org, contact)
    link = ContactPerson(
        organization=org,
        contact=contact,
        job_title=(job_title or "").strip(),
        is_primary=bool(is_primary),
    )
    validate_fields(link, ("job_title",))
    if person is None:
        person = create_person(org=org, values=person_values or {}, actor=actor)
    elif ContactPerson.objects.filter(contact=contact, person=person).exists():
        raise Conflict(_("This person is already a contact person here."), field="person")
    link.person = person
    if link.is_primary:
        _clear_main_contact(org, contact, actor)
    try:
        with transaction.atomic():
            link.save()
    except IntegrityError as error:  # the same person added twice at once
        raise Conflict(
            _("This person is already a contact person here."), field="person"
        ) from error
    audit.log(
        org=org,
        actor=actor,
        action="contact.person_added",
        obj=link,
        changes={
            "person": [None, person.full_name],
            "job_title": [None, link.job_title],
            "is_primary": [None, link.is_primary],
        },
    )
    return link


@transaction.atomic
def update_contact_person(
    *,
    org: Organization,
    contact_person: ContactPerson,
    actor: User | None,
    job_title: str | None = None,
    is_primary: bool | None = None,
) -> ContactPerson:
    """Change a contact person's job title, or make them (or stop them being) the main
    contact. Making one the main contact clears the previous one, in this transaction."""
    contact = _lock_contact(org, contact_person.contact)
    link = ContactPerson.objects.select_related("person").get(pk=contact_person.pk, contact=contact)
    values: dict[str, Any] = {}
    if job_title is not None:
        values["job_title"] = job_title.strip()
    if is_primary is not None:
        values["is_primary"] = bool(is_primary)

    def check(changed: list[str]) -> None:
        # A new main contact replaces the previous one (audited first, as its own change).
        if "is_primary" in changed and link.is_primary:
            _clear_main_contact(org, contact, actor, keep=link.pk)

    update_and_audit(
        link,
        values,
        CONTACT_PERSON_FIELDS,
        org=org,
        actor=actor,
        action="contact.person_updated",
        validate=("job_title",),
        check=check,
    )
    return link


@transaction.atomic
def remove_contact_person(
    *, org: Organization, contact_person: ContactPerson, actor: User | None
) -> None:
    """The person no longer speaks for the contact. The registry person stays."""
    contact = _lock_contact(org, contact_person.contact)
    link = (
        ContactPerson.objects.select_related("person")
        .filter(pk=contact_person.pk, contact=contact)
        .first()
    )
    if link is None:
        raise NotFound(_("This person is no longer a contact person here."))
    audit.log(
        org=org,
        actor=actor,
        action="contact.person_removed",
        obj=link,
        changes={"person": [link.person.full_name, None], "is_primary": [link.is_primary, None]},
    )
    link.delete()
