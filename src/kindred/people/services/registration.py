"""Registering a person: the one operation behind the registration form and
`POST /persons`. The command names what was asked (the details, an identity number, a
household to join, a person to merge into); the service resolves every reference as the
member may see it and decides, so the page and the API refuse the same things the same way.

A merge asked by a role without the right to merge is refused (PermissionDenied, 403),
never ignored: a record registered anyway would be the duplicate the member meant to avoid."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from kindred.core.models import Membership, Organization
from kindred.core.roles import Action, can
from kindred.core.services import Invalid, NotFound

from ..models import Household, Person
from ..queries import visible_households, visible_persons
from .duplicates import register_person_into
from .persons import register_person


@dataclass(frozen=True, kw_only=True)
class RegisterPerson:
    """A person to register. `values` holds the person's fields (see PERSON_FIELDS);
    `national_id` is (country, number); `household_id` with `relation` makes them a member
    at once; `merge_into_id` merges what was typed into that existing person instead."""

    values: Mapping[str, Any] = field(default_factory=dict)
    national_id: tuple[str, str] | None = None
    household_id: int | None = None
    relation: str = ""
    merge_into_id: int | None = None


def _household(org: Organization, membership: Membership, pk: int | None) -> Household | None:
    if pk is None:
        return None
    household = visible_households(org, membership).filter(pk=pk).first()
    if household is None:
        raise NotFound(_("There is no such household."), field="household_id")
    return household


def _merge_target(org: Organization, membership: Membership, pk: int) -> Person:
    person = visible_persons(org, membership).filter(pk=pk, anonymised_at__isnull=True).first()
    if person is None:
        raise NotFound(_("There is no such person."), field="merge_into_id")
    return person


@transaction.atomic
def register(*, org: Organization, membership: Membership, command: RegisterPerson) -> Person:
    """Register the person, or merge them into an existing one: all or nothing."""
    if command.merge_into_id is not None and not can(membership.role, Action.MERGE_PEOPLE):
        raise PermissionDenied(_("Your role may not merge persons."))
    household = _household(org, membership, command.household_id)
    if household is not None and not command.relation:
        raise Invalid(_("Choose the person's relation in the household."), field="relation")
    common = {
        "org": org,
        "values": command.values,
        "actor": membership.user,
        "national_id": command.national_id,
        "household": household,
        "relation": command.relation if household is not None else "",
    }
    if command.merge_into_id is not None:
        keep = _merge_target(org, membership, command.merge_into_id)
        return register_person_into(keep=keep, **common)
    return register_person(**common, membership=membership)
