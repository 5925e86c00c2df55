"""Contacts (issue 3: contacts, consent and lawful basis): the list with search, filters and
each contact's main contact person, and a contact's persons."""

from __future__ import annotations

import re

from django.db.models import CharField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Concat, NullIf, Trim

from kindred.core.models import Organization

from ..models import Contact, ContactPerson, search_key

CONTACT_SORTS = {
    "name": ("name",),
    "-name": ("-name",),
    "city": ("city", "name"),
    "-city": ("-city", "name"),
    "created": ("created_at",),
    "-created": ("-created_at",),
}


def contacts(
    org: Organization,
    *,
    search: str = "",
    kind: str = "",
    archived: bool | None = False,
    sort: str = "name",
) -> QuerySet[Contact]:
    """Contacts matching `search` (words of the name in any accents, the registration
    number written with or without separators, the city or postcode), each with
    `main_contact_name` (one query for any number of rows)."""
    qs = Contact.objects.filter(organization=org)
    text = search.strip()
    if text:
        condition = Q(city__icontains=text) | Q(postcode__istartswith=text)
        words = search_key(text).split()
        if words:
            name = Q()
            for word in words:
                name &= Q(search_name__contains=word)
            condition |= name
        number = re.sub(r"[\s.,:/-]", "", text).upper()
        if number:
            condition |= Q(registration_number__icontains=number)
            if number[:2].isalpha() and len(number) > 2:  # "DK13585628", "BG175074752"
                condition |= Q(registration_number__icontains=number[2:])
        qs = qs.filter(condition)
    if kind:
        qs = qs.filter(kind=kind)
    if archived is not None:
        qs = qs.filter(archived=archived)
    main = ContactPerson.objects.filter(contact=OuterRef("pk"), is_primary=True).annotate(
        shown_name=Trim(
            Concat(
                Coalesce(NullIf("person__preferred_name", Value("")), "person__given_name"),
                Value(" "),
                "person__family_name",
                output_field=CharField(),
            )
        )
    )
    return qs.annotate(main_contact_name=Subquery(main.values("shown_name")[:1])).order_by(
        *CONTACT_SORTS.get(sort, CONTACT_SORTS["name"]), "pk"
    )


def contact_people(contact: Contact) -> QuerySet[ContactPerson]:
    """The contact's persons, the main contact first."""
    return contact.people.select_related("person").order_by("-is_primary", "pk")
