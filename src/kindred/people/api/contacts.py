"""API: contacts and contact persons, consent purposes and consent records."""

from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from kindred.api.auth import org_endpoint
from kindred.api.pagination import PagePagination
from kindred.core.api import ERRORS
from kindred.core.roles import Action, can
from kindred.core.services import NotFound

from .. import queries, services
from ..models import Consent, ConsentPurpose, ContactPerson
from .common import (
    MAX_ID,
    router,
)
from .persons import (
    _person,
)

# Contacts and consent (issue 3: contacts, consent and lawful basis) -----------------------
# Contacts: roles with VIEW_CONTACTS read, MANAGE_CONTACTS write. Consents are person
# details: read with VIEW_PERSON_DETAILS (never volunteers), written with MANAGE_CONSENT,
# and only for persons the caller may see (a referrer: their own; others answer 404).

ContactKind = Literal["company", "association", "public_body", "other"]
Basis = Literal["consent", "legitimate_interest", "contract", "legal_obligation", "vital_interest"]
Show = Literal["active", "archived", "all"]
SHOWN = {"active": False, "archived": True, "all": None}


class ContactOut(Schema):
    id: int
    kind: ContactKind
    name: str
    registration_country: str
    registration_number: str = Field(
        ...,
        description="Compact where the country's format is checked (DK, SE, FI, BG), e.g. "
        "13585628; as written otherwise.",
    )
    email: str
    phone: str = Field(..., description="E.164, e.g. +4512345678.")
    website: str
    street: str
    postcode: str
    city: str
    country: str
    notes: str
    archived: bool
    main_contact_name: str | None = Field(None, description="The main contact person, if any.")
    created_at: datetime
    updated_at: datetime


class ContactPersonOut(Schema):
    id: int
    person_id: int
    person_name: str = Field(..., alias="person.full_name")
    job_title: str
    is_primary: bool = Field(..., description="The main contact (at most one per contact).")
    email: str = Field(..., alias="person.email")
    phone: str = Field(..., alias="person.phone")
    created_at: datetime


class ContactDetailOut(ContactOut):
    people: list[ContactPersonOut] = Field(..., description="The main contact first.")


class ContactIn(Schema):
    kind: ContactKind = "company"
    name: str = Field(..., min_length=1, max_length=200)
    registration_country: str = Field("", max_length=2, description="DK, SE, FI, BG, …")
    registration_number: str = Field(
        "", max_length=40, description="Checked for DK, SE, FI and BG; written in any spacing."
    )
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=40)
    website: str = Field("", max_length=200)
    street: str = Field("", max_length=200)
    postcode: str = Field("", max_length=20)
    city: str = Field("", max_length=100)
    country: str = Field("", max_length=2)
    notes: str = Field("", max_length=10_000)


class ContactPatch(Schema):
    kind: ContactKind | None = None
    name: str | None = Field(None, min_length=1, max_length=200)
    registration_country: str | None = Field(None, max_length=2)
    registration_number: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=40)
    website: str | None = Field(None, max_length=200)
    street: str | None = Field(None, max_length=200)
    postcode: str | None = Field(None, max_length=20)
    city: str | None = Field(None, max_length=100)
    country: str | None = Field(None, max_length=2)
    notes: str | None = Field(None, max_length=10_000)
    archived: bool | None = Field(None, description="Archive (true) or restore (false).")


class ContactFilter(Schema):
    q: str = Field(
        "", max_length=200, description="Search in the name, registration number, city, postcode."
    )
    kind: ContactKind | None = None
    show: Show = Field("active", description="Contacts in use (default), archived, or all.")
    sort: Literal["name", "-name", "city", "-city", "created", "-created"] = "name"


class NewContactPersonIn(Schema):
    given_name: str = Field(..., min_length=1, max_length=100)
    family_name: str = Field("", max_length=100)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=40)


class ContactPersonIn(Schema):
    person_id: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="An existing person (only for roles that may see persons).",
    )
    person: NewContactPersonIn | None = Field(
        None, description="Or a new person, registered in the person registry."
    )
    job_title: str = Field("", max_length=100)
    is_primary: bool = Field(False, description="Replaces the current main contact.")


class ContactPersonPatch(Schema):
    job_title: str | None = Field(None, max_length=100)
    is_primary: bool | None = Field(None, description="true replaces the current main contact.")


def _contact(request: HttpRequest, contact_id: int):
    return get_object_or_404(queries.contacts(request.org, archived=None), pk=contact_id)


def _contact_detail(contact) -> dict[str, Any]:
    return {
        **{f: getattr(contact, f) for f in ContactOut.model_fields if f != "main_contact_name"},
        "main_contact_name": getattr(contact, "main_contact_name", None),
        "people": list(queries.contact_people(contact)),
    }


def _contact_person(request: HttpRequest, contact_id: int, link_id: int) -> ContactPerson:
    contact = _contact(request, contact_id)
    return get_object_or_404(
        ContactPerson.objects.select_related("person", "contact"), pk=link_id, contact=contact
    )


@router.get(
    "/organizations/{slug}/contacts",
    response={200: list[ContactOut], **ERRORS},
    tags=["contacts"],
    summary="Contacts (companies and organisations)",
)
@org_endpoint(Action.VIEW_CONTACTS)
@paginate(PagePagination)
def contact_list(request: HttpRequest, slug: str, filters: Query[ContactFilter]):
    return queries.contacts(
        request.org,
        search=filters.q.strip(),
        kind=filters.kind or "",
        archived=SHOWN[filters.show],
        sort=filters.sort,
    )


@router.post(
    "/organizations/{slug}/contacts",
    response={201: ContactDetailOut, **ERRORS},
    tags=["contacts"],
    summary="Add a contact",
)
@org_endpoint(Action.MANAGE_CONTACTS)
def contact_create(request: HttpRequest, slug: str, payload: ContactIn):
    contact = services.create_contact(org=request.org, values=payload.dict(), actor=request.user)
    return Status(201, _contact_detail(_contact(request, contact.pk)))


@router.get(
    "/organizations/{slug}/contacts/{contact_id}",
    response={200: ContactDetailOut, **ERRORS},
    tags=["contacts"],
    summary="One contact, with its contact persons",
)
@org_endpoint(Action.VIEW_CONTACTS)
def contact_detail(request: HttpRequest, slug: str, contact_id: int):
    return _contact_detail(_contact(request, contact_id))


@router.patch(
    "/organizations/{slug}/contacts/{contact_id}",
    response={200: ContactDetailOut, **ERRORS},
    tags=["contacts"],
    summary="Change, archive or restore a contact",
)
@org_endpoint(Action.MANAGE_CONTACTS)
def contact_update(request: HttpRequest, slug: str, contact_id: int, payload: ContactPatch):
    contact = _contact(request, contact_id)
    values = payload.dict(exclude_unset=True)
    archived = values.pop("archived", None)
    with transaction.atomic():  # the details and the archiving both, or neither
        services.update_contact(org=request.org, contact=contact, values=values, actor=request.user)
        if archived is not None:
            services.set_contact_archived(
                org=request.org, contact=contact, archived=archived, actor=request.user
            )
    return _contact_detail(_contact(request, contact_id))


@router.get(
    "/organizations/{slug}/contacts/{contact_id}/people",
    response={200: list[ContactPersonOut], **ERRORS},
    tags=["contacts"],
    summary="A contact's contact persons, the main contact first",
)
@org_endpoint(Action.VIEW_CONTACTS)
@paginate(PagePagination)
def contact_person_list(request: HttpRequest, slug: str, contact_id: int):
    return queries.contact_people(_contact(request, contact_id))


@router.post(
    "/organizations/{slug}/contacts/{contact_id}/people",
    response={201: ContactPersonOut, **ERRORS},
    tags=["contacts"],
    summary="Add a contact person: an existing person, or a new one",
)
@org_endpoint(Action.MANAGE_CONTACTS)
def contact_person_add(request: HttpRequest, slug: str, contact_id: int, payload: ContactPersonIn):
    contact = _contact(request, contact_id)
    person = None
    if payload.person_id is not None:
        if not can(request.role, Action.VIEW_PEOPLE):
            raise PermissionDenied  # fundraisers may register a new person, not pick one
        person = (
            queries.visible_persons(request.org, request.membership)
            .filter(pk=payload.person_id, anonymised_at__isnull=True)
            .first()
        )
        if person is None:
            raise NotFound(_("There is no such person."), field="person_id")
    link = services.add_contact_person(
        org=request.org,
        contact=contact,
        person=person,
        person_values=payload.person.dict() if payload.person is not None else None,
        job_title=payload.job_title,
        is_primary=payload.is_primary,
        actor=request.user,
    )
    return Status(201, link)


@router.patch(
    "/organizations/{slug}/contacts/{contact_id}/people/{link_id}",
    response={200: ContactPersonOut, **ERRORS},
    tags=["contacts"],
    summary="Change a contact person's job title, or make them the main contact",
)
@org_endpoint(Action.MANAGE_CONTACTS)
def contact_person_update(
    request: HttpRequest, slug: str, contact_id: int, link_id: int, payload: ContactPersonPatch
):
    link = _contact_person(request, contact_id, link_id)
    values = payload.dict(exclude_unset=True)
    if values.get("job_title", "") is None:
        values["job_title"] = ""  # null clears the job title
    return services.update_contact_person(
        org=request.org,
        contact_person=link,
        job_title=values.get("job_title"),
        is_primary=values.get("is_primary"),
        actor=request.user,
    )


@router.delete(
    "/organizations/{slug}/contacts/{contact_id}/people/{link_id}",
    response={204: None, **ERRORS},
    tags=["contacts"],
    summary="Remove a contact person (their person record stays)",
)
@org_endpoint(Action.MANAGE_CONTACTS)
def contact_person_remove(request: HttpRequest, slug: str, contact_id: int, link_id: int):
    link = _contact_person(request, contact_id, link_id)
    services.remove_contact_person(org=request.org, contact_person=link, actor=request.user)
    return Status(204, None)


class PurposeOut(Schema):
    id: int
    key: str = Field(
        ..., description="Stable; the defaults are help-records, campaign-contact and newsletter."
    )
    name: str = Field(..., description="In the caller's language for an unchanged default.")
    description: str
    wording: str = Field(..., description="The wording a new consent record copies.")
    archived: bool

    @staticmethod
    def resolve_name(obj) -> str:
        return services.purpose_text(obj, "name")

    @staticmethod
    def resolve_description(obj) -> str:
        return services.purpose_text(obj, "description")

    @staticmethod
    def resolve_wording(obj) -> str:
        return services.purpose_text(obj, "wording")


class PurposeFilter(Schema):
    show: Show = Field("active", description="Purposes in use (default), archived, or all.")


class ConsentOut(Schema):
    id: int
    person_id: int
    purpose_id: int
    purpose_name: str
    basis: Basis
    wording: str = Field(..., description="The exact wording shown when it was given.")
    given_at: datetime
    recorded_by: str | None
    withdrawn_at: datetime | None
    withdrawn_by: str | None
    active: bool = Field(..., description="Not withdrawn.")

    @staticmethod
    def resolve_purpose_name(obj) -> str:
        return services.purpose_label(obj.purpose)

    @staticmethod
    def resolve_recorded_by(obj) -> str | None:
        return obj.recorded_by.display_name if obj.recorded_by else None

    @staticmethod
    def resolve_withdrawn_by(obj) -> str | None:
        return obj.withdrawn_by.display_name if obj.withdrawn_by else None


class ConsentIn(Schema):
    purpose_id: int = Field(..., ge=1, le=MAX_ID)
    basis: Basis
    wording: str | None = Field(
        None,
        max_length=10_000,
        description="The exact text shown; the purpose's current wording when left out.",
    )
    given_at: datetime | None = Field(None, description="Now when left out; not in the future.")


class WithdrawIn(Schema):
    withdrawn_at: datetime | None = Field(None, description="Now when left out.")


@router.get(
    "/organizations/{slug}/consent-purposes",
    response={200: list[PurposeOut], **ERRORS},
    tags=["consents"],
    summary="The purposes personal data is processed for",
)
@org_endpoint(Action.VIEW_PERSON_DETAILS)
@paginate(PagePagination)
def purpose_list(request: HttpRequest, slug: str, filters: Query[PurposeFilter]):
    return queries.purposes(request.org, archived=SHOWN[filters.show])


@router.get(
    "/organizations/{slug}/persons/{person_id}/consents",
    response={200: list[ConsentOut], **ERRORS},
    tags=["consents"],
    summary="A person's consents and other lawful bases, in force and withdrawn",
)
@org_endpoint(Action.VIEW_PERSON_DETAILS)
@paginate(PagePagination)
def consent_list(request: HttpRequest, slug: str, person_id: int):
    return queries.person_consents(_person(request, person_id))


@router.post(
    "/organizations/{slug}/persons/{person_id}/consents",
    response={201: ConsentOut, **ERRORS},
    tags=["consents"],
    summary="Record a consent or other lawful basis for a purpose",
)
@org_endpoint(Action.MANAGE_CONSENT)
def consent_create(request: HttpRequest, slug: str, person_id: int, payload: ConsentIn):
    person = _person(request, person_id)
    purpose = ConsentPurpose.objects.filter(organization=request.org, pk=payload.purpose_id).first()
    if purpose is None:
        raise NotFound(_("There is no such purpose."), field="purpose_id")
    consent = services.record_consent(
        org=request.org,
        person=person,
        purpose=purpose,
        basis=payload.basis,
        wording=payload.wording,
        given_at=payload.given_at,
        actor=request.user,
    )
    return Status(201, consent)


@router.post(
    "/organizations/{slug}/persons/{person_id}/consents/{consent_id}/withdraw",
    response={200: ConsentOut, **ERRORS},
    tags=["consents"],
    summary="Withdraw a consent (the record stays in the history)",
)
@org_endpoint(Action.MANAGE_CONSENT)
def consent_withdraw(
    request: HttpRequest, slug: str, person_id: int, consent_id: int, payload: WithdrawIn = None
):
    person = _person(request, person_id)
    consent = get_object_or_404(Consent, pk=consent_id, person=person)
    return services.withdraw_consent(
        org=request.org,
        consent=consent,
        actor=request.user,
        withdrawn_at=payload.withdrawn_at if payload is not None else None,
    )
