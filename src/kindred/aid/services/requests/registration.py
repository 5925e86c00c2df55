"""Registering a request: by staff or a referrer (with a new household or an existing
one), and from the public form."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kindred.core import audit
from kindred.core.models import Membership, Organization, Site, User
from kindred.core.roles import OWN_RECORDS_ONLY
from kindred.core.services import Invalid, NotFound
from kindred.people import queries as people_queries
from kindred.people import services as people
from kindred.people.models import Household, HouseholdMember, Person

from ...models import HelpRequest
from ..common import number_for, random_code
from .common import EDITABLE, _lock, _refuse, _sync, _text
from .lines import _clean_lines, _create_lines, _line_changes


@transaction.atomic
def create_request(
    *,
    org: Organization,
    household: Household,
    applicant: Person | None = None,
    source: str,
    lines: Sequence[Mapping[str, Any]],
    note: str = "",
    referrer_organisation: str = "",
    language: str = "",
    pickup_site: Site | None = None,
    actor: User | None,
) -> HelpRequest:
    """Register a household's request with its need lines (at least one), all or nothing.
    Needs beyond the current stock are fine: what is not reserved stays an open need.
    `pickup_site`: where the household will collect (the allocation reserves there)."""
    if household is None or household.organization_id != org.pk:
        raise NotFound(_("There is no such household."), field="household")
    if pickup_site is not None and (pickup_site.organization_id != org.pk or pickup_site.archived):
        raise Invalid(_("Choose a site of this organisation."), field="pickup_site")
    if source not in HelpRequest.Source.values:
        raise Invalid(_("Choose a source."), field="source")
    if applicant is not None:
        if applicant.organization_id != org.pk:
            raise NotFound(_("There is no such person."), field="applicant")
        if not HouseholdMember.objects.filter(
            household=household, person=applicant, left_on__isnull=True
        ).exists():
            raise Invalid(_("The applicant must be a member of the household."), field="applicant")
    cleaned = _clean_lines(org, lines)
    request = HelpRequest(
        organization=org,
        household=household,
        applicant=applicant,
        source=source,
        note=_text(note, "note", 5000),
        referrer_organisation=_text(referrer_organisation, "referrer_organisation", 200),
        language=_text(language, "language", 10),
        pickup_site=pickup_site,
        created_by=actor if actor is not None and actor.pk else None,
    )
    request.number = number_for(org, HelpRequest)
    request.save()
    created = _create_lines(org, request, cleaned)
    audit.log(
        org=org,
        actor=actor,
        action="aid.request_created",
        obj=request,
        changes={
            "household": [None, household.label],
            "source": [None, source],
            **({"pickup_site": [None, pickup_site.name]} if pickup_site is not None else {}),
            "lines": [None, [_line_changes(line) for line in created]],
        },
    )
    return request


def set_pickup_site(*, request: HelpRequest, site: Site | None, actor: User | None) -> HelpRequest:
    """Choose (or clear, with None) where the household collects: the next allocation
    reserves its goods there, unless it books a time at another site (ADR 0022). Goods
    already reserved stay where they are."""
    org = request.organization
    if site is not None and (site.organization_id != org.pk or site.archived):
        raise Invalid(_("Choose a site of this organisation."), field="pickup_site")
    with transaction.atomic():
        locked = _lock(request)
        _refuse(
            locked,
            EDITABLE,
            _("The pickup site of a request that is %(status)s cannot be changed."),
        )
        if locked.pickup_site_id != (site.pk if site else None):
            before = locked.pickup_site.name if locked.pickup_site_id else None
            locked.pickup_site = site
            locked.save(update_fields=["pickup_site", "updated_at"])
            audit.log(
                org=org,
                actor=actor,
                action="aid.request_pickup_site_changed",
                obj=locked,
                changes={"pickup_site": [before, site.name if site else None]},
            )
        _sync(request, locked)
    return request


# New households and the public form ------------------------------------------------------

# What the public form and the "new household" part of the request form may set.
APPLICANT_FIELDS = ("given_name", "family_name", "phone", "email", "street", "postcode", "city")
HELP_PURPOSE = "help-records"


def _person_values(values: Mapping[str, Any]) -> dict[str, Any]:
    person = {f: str(values.get(f) or "").strip() for f in APPLICANT_FIELDS if values.get(f)}
    if not person.get("given_name"):
        raise Invalid(_("Enter the given name."), field="given_name")
    return person


@transaction.atomic
def register_household(
    *, org: Organization, values: Mapping[str, Any], actor: User | None
) -> tuple[Household, Person]:
    """Register a household with its head (given and family name, contact details and
    address in `values`); the household is labelled with the head's name."""

    person_values = _person_values(values)
    person = people.create_person(org=org, values=person_values, actor=actor)
    label = str(values.get("household_label") or "").strip() or person.full_name
    household = people.create_household(
        org=org,
        values={
            "label": label[:200],
            **{f: person_values[f] for f in ("street", "postcode", "city") if f in person_values},
        },
        actor=actor,
    )
    people.add_to_household(
        org=org, household=household, person=person, relation="head", actor=actor
    )
    return household, person


@transaction.atomic
def submit_public(
    *,
    org: Organization,
    values: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]],
    language: str,
) -> HelpRequest:
    """A request from the public form, without an account: registers the applicant and
    their household, records the consent they gave to keeping help records (the wording
    shown, in their language), and the request (source public). All or nothing. `values`
    holds the applicant's fields, "note" and "consent" (which must be true)."""

    if values.get("consent") is not True:
        raise Invalid(
            _("Tick the box to agree, or we cannot register your request."), field="consent"
        )
    cleaned = _clean_lines(org, lines)  # before anyone is registered
    household, person = register_household(org=org, values=values, actor=None)
    purposes = {p.key: p for p in people.ensure_default_purposes(org)}
    purpose = purposes.get(HELP_PURPOSE)
    if purpose is not None and not purpose.archived:
        people.record_consent(
            org=org,
            person=person,
            purpose=purpose,
            basis="consent",
            actor=None,
            wording=str(values.get("consent_wording") or "") or None,
        )
    request = create_request(
        org=org,
        household=household,
        applicant=person,
        source=HelpRequest.Source.PUBLIC,
        lines=cleaned,
        note=str(values.get("note") or ""),
        language=language,
        actor=None,
    )
    request.public_code = public_code()
    request.save(update_fields=["public_code"])
    return request


# The request form and POST /aid/requests ------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SubmitRequest:
    """A help request as a member registers it: for a household they may see
    (`household_id`) or for a new one (`new_household`: the head's fields, see
    APPLICANT_FIELDS, and an optional "household_label"), with its need lines."""

    household_id: int | None = None
    new_household: Mapping[str, Any] | None = None
    applicant_id: int | None = None
    lines: Sequence[Mapping[str, Any]] = field(default_factory=list)
    note: str = ""
    referrer_organisation: str = ""
    language: str = ""
    pickup_site_id: int | None = None


def public_code() -> str:
    """A random code like "K7QF-2M9D" (40 bits): it tells nothing about how many there are."""
    chars = random_code(8)
    return f"{chars[:4]}-{chars[4:]}"


def require_household(household_id: int | None, new_household: Mapping | None) -> None:
    """A request is for a household already registered or for a new one with its head's
    given name — exactly one of them."""
    given_name = str((new_household or {}).get("given_name") or "").strip()
    if (household_id is None) == (new_household is None) or (
        new_household is not None and not given_name
    ):
        raise Invalid(
            _("Choose a household, or enter the given name of the new household's head."),
            field="household_id",
        )


def source_for(role: str) -> str:
    """Where a member's request comes from: a referrer's is "referrer", staff's "staff"."""
    if role in OWN_RECORDS_ONLY:
        return HelpRequest.Source.REFERRER
    return HelpRequest.Source.STAFF


@transaction.atomic
def submit_request(
    *, org: Organization, membership: Membership, command: SubmitRequest
) -> HelpRequest:
    """Register a member's request, with a new household when asked: all or nothing. The
    one operation behind the request form and the API, so both refuse alike."""
    require_household(command.household_id, command.new_household)
    cleaned = _clean_lines(org, command.lines)  # before anyone is registered
    pickup_site = None
    if command.pickup_site_id is not None:
        pickup_site = Site.objects.filter(
            organization=org, pk=command.pickup_site_id, archived=False
        ).first()
        if pickup_site is None:
            raise Invalid(_("Choose a site of this organisation."), field="pickup_site_id")
    applicant = None
    if command.household_id is not None:
        household = (
            people_queries.visible_households(org, membership)
            .filter(pk=command.household_id)
            .first()
        )
        if household is None:
            raise NotFound(_("There is no such household."), field="household_id")
        if command.applicant_id is not None:
            applicant = (
                people_queries.visible_persons(org, membership)
                .filter(pk=command.applicant_id)
                .first()
            )
            if applicant is None:
                raise NotFound(_("There is no such person."), field="applicant_id")
    else:
        if command.applicant_id is not None:
            raise Invalid(_("The applicant of a new household is its head."), field="applicant_id")
        household, applicant = register_household(
            org=org, values=command.new_household or {}, actor=membership.user
        )
    return create_request(
        org=org,
        household=household,
        applicant=applicant,
        source=source_for(membership.role),
        lines=cleaned,
        note=command.note,
        referrer_organisation=command.referrer_organisation,
        language=command.language,
        pickup_site=pickup_site,
        actor=membership.user,
    )
