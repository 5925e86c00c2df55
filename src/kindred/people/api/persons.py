"""API: persons (list, register, look up, change, reveal) and the duplicate check."""

from datetime import date, datetime
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from kindred.api.auth import org_endpoint
from kindred.api.pagination import PagePagination
from kindred.core.api import ERRORS
from kindred.core.roles import Action, can

from .. import queries, services
from ..models import Person
from .common import (
    _DETAIL,
    EARLIEST_BIRTH_DATE,
    LATEST_BIRTH_DATE,
    MAX_ID,
    Gender,
    LanguageCode,
    Relation,
    RoleFilteredSchema,
    router,
)

# Persons -----------------------------------------------------------------------------------


class PersonOut(RoleFilteredSchema):
    DETAIL_FIELDS = frozenset(
        {
            "birth_date",
            "phone",
            "email",
            "street",
            "postcode",
            "city",
            "country",
            "notes",
            "has_national_id",
            "national_id_country",
        }
    )

    id: int
    given_name: str
    family_name: str
    preferred_name: str
    full_name: str
    birth_year: int | None
    gender: Gender
    languages: list[str]
    created_at: datetime
    updated_at: datetime
    birth_date: date | None = Field(None, description=_DETAIL)
    phone: str | None = Field(None, description=_DETAIL + " E.164, e.g. +4512345678.")
    email: str | None = Field(None, description=_DETAIL)
    street: str | None = Field(None, description=_DETAIL)
    postcode: str | None = Field(None, description=_DETAIL)
    city: str | None = Field(None, description=_DETAIL)
    country: str | None = Field(None, description=_DETAIL)
    notes: str | None = Field(None, description=_DETAIL)
    has_national_id: bool | None = Field(
        None, description=_DETAIL + " Whether an identity number is recorded."
    )
    national_id_country: str | None = Field(
        None, description=_DETAIL + " The country of the recorded identity number, or null."
    )

    @staticmethod
    def resolve_national_id_country(obj: Person) -> str | None:
        return obj.national_id_country or None


class NationalIdIn(Schema):
    country: str = Field(..., max_length=2, description="DK, SE, FI or BG.")
    number: str = Field(..., max_length=40, description="Written with or without separators.")


class PersonIn(Schema):
    given_name: str = Field(..., min_length=1, max_length=100)
    family_name: str = Field("", max_length=100)
    preferred_name: str = Field("", max_length=100)
    birth_date: date | None = Field(None, ge=EARLIEST_BIRTH_DATE, le=LATEST_BIRTH_DATE)
    birth_year: int | None = Field(None, ge=1850, le=2200)
    gender: Gender = ""
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)
    street: str = Field("", max_length=200)
    postcode: str = Field("", max_length=20)
    city: str = Field("", max_length=100)
    country: str = Field("", max_length=2)
    languages: list[LanguageCode] = Field([], max_length=20)
    notes: str = Field("", max_length=10_000)
    national_id: NationalIdIn | None = Field(
        None, description="Validated for its country, stored encrypted, never shown again."
    )


class PersonCreateIn(PersonIn):
    household_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="A household the person joins at once…"
    )
    relation: Relation | Literal[""] = Field("", description="…with this relation in it.")
    merge_into_id: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description=(
            "Merge what is sent into this existing person instead of registering a second "
            "record (the answer to a duplicate warning). Needs the right to merge: 403."
        ),
    )


class PersonPatch(Schema):
    given_name: str | None = Field(None, min_length=1, max_length=100)
    family_name: str | None = Field(None, max_length=100)
    preferred_name: str | None = Field(None, max_length=100)
    birth_date: date | None = Field(None, ge=EARLIEST_BIRTH_DATE, le=LATEST_BIRTH_DATE)
    birth_year: int | None = Field(None, ge=1850, le=2200)
    gender: Gender | None = None
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=254)
    street: str | None = Field(None, max_length=200)
    postcode: str | None = Field(None, max_length=20)
    city: str | None = Field(None, max_length=100)
    country: str | None = Field(None, max_length=2)
    languages: list[LanguageCode] | None = Field(None, max_length=20)
    notes: str | None = Field(None, max_length=10_000)
    national_id: NationalIdIn | None = Field(
        None, description="Replaces the recorded identity number."
    )


class PersonFilter(Schema):
    q: str = Field("", max_length=200, description="Search in names (any order, any accents).")
    household: int | None = Field(
        None, ge=1, le=MAX_ID, description="Only the current members of a household."
    )
    sort: Literal["name", "-name", "created", "-created"] = "name"
    purpose: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="Only persons with a lawful basis in force for this consent purpose "
        "(roles that may see person details; others get 403).",
    )


class LookupFilter(Schema):
    country: str = Field(..., max_length=2, description="DK, SE, FI or BG.")
    number: str = Field(..., min_length=1, max_length=40)


class RevealedOut(Schema):
    national_id: str
    country: str


def _national_id(payload: NationalIdIn | None) -> tuple[str, str] | None:
    return (payload.country, payload.number) if payload is not None else None


def _person(request: HttpRequest, person_id: int) -> Person:
    return get_object_or_404(queries.visible_persons(request.org, request.membership), pk=person_id)


@router.get(
    "/organizations/{slug}/persons",
    response={200: list[PersonOut], **ERRORS},
    tags=["persons"],
    summary="Persons",
)
@org_endpoint(Action.VIEW_PEOPLE)
@paginate(PagePagination)
def person_list(request: HttpRequest, slug: str, filters: Query[PersonFilter]):
    if filters.purpose is not None and not can(request.role, Action.VIEW_PERSON_DETAILS):
        raise PermissionDenied  # who consented to what is a person detail
    return queries.persons(
        request.org,
        membership=request.membership,
        search=filters.q.strip(),
        household=filters.household,
        sort=filters.sort,
        purpose=filters.purpose,
    )


@router.post(
    "/organizations/{slug}/persons",
    response={201: PersonOut, **ERRORS},
    tags=["persons"],
    summary="Register a person (optionally into a household, or merged into another)",
)
@org_endpoint(Action.MANAGE_PEOPLE)
def person_create(request: HttpRequest, slug: str, payload: PersonCreateIn):
    person = services.register(
        org=request.org,
        membership=request.membership,
        command=services.RegisterPerson(
            values=payload.dict(include=set(PersonIn.model_fields) - {"national_id"}),
            national_id=_national_id(payload.national_id),
            household_id=payload.household_id,
            relation=payload.relation,
            merge_into_id=payload.merge_into_id,
        ),
    )
    return Status(201, person)


# Registered before /persons/{person_id} so that "lookup" is never read as an id.
@router.get(
    "/organizations/{slug}/persons/lookup",
    response={200: PersonOut, **ERRORS},
    tags=["persons"],
    summary="Find a person by identity number",
)
@org_endpoint(Action.REVEAL_IDENTITY)
def person_lookup(request: HttpRequest, slug: str, filters: Query[LookupFilter]):
    person = queries.lookup_visible_person(
        request.org, request.membership, filters.country, filters.number
    )
    return person


# Also before /persons/{person_id}.
class CandidateOut(Schema):
    person: PersonOut
    score: float = Field(description="How alike, 0 to 1; at or above the registry's threshold.")
    reasons: list[str] = Field(description="What is alike: name, birth_date, phone, …")


@router.post(
    "/organizations/{slug}/persons/duplicate-check",
    response={200: list[CandidateOut], **ERRORS},
    tags=["persons"],
    summary="Who a person about to be registered may already be",
)
@org_endpoint(Action.MANAGE_PEOPLE)
def person_duplicate_check(request: HttpRequest, slug: str, payload: PersonIn):
    candidates = queries.duplicate_candidates(
        request.org,
        payload.dict(exclude={"national_id"}),
        national_id=_national_id(payload.national_id),
        among=queries.visible_persons(request.org, request.membership),
    )
    return [{"person": c.person, "score": c.score, "reasons": c.reasons} for c in candidates]


@router.get(
    "/organizations/{slug}/persons/{person_id}",
    response={200: PersonOut, **ERRORS},
    tags=["persons"],
    summary="One person (written to the person's access log)",
)
@org_endpoint(Action.VIEW_PEOPLE)
def person_detail(request: HttpRequest, slug: str, person_id: int):
    person = _person(request, person_id)
    services.record_view(org=request.org, person=person, actor=request.user)
    return person


@router.patch(
    "/organizations/{slug}/persons/{person_id}",
    response={200: PersonOut, **ERRORS},
    tags=["persons"],
    summary="Change a person's details",
)
@org_endpoint(Action.MANAGE_PEOPLE)
def person_update(request: HttpRequest, slug: str, person_id: int, payload: PersonPatch):
    person = _person(request, person_id)
    return services.update_person(
        org=request.org,
        person=person,
        values=payload.dict(exclude_unset=True, exclude={"national_id"}),
        actor=request.user,
        national_id=_national_id(payload.national_id),
        membership=request.membership,
    )


@router.post(
    "/organizations/{slug}/persons/{person_id}/reveal-identity-number",
    response={200: RevealedOut, **ERRORS},
    tags=["persons"],
    summary="Reveal a person's identity number (logged)",
)
@org_endpoint(Action.REVEAL_IDENTITY)
def person_reveal_identity(request: HttpRequest, slug: str, person_id: int):
    person = _person(request, person_id)
    number = services.reveal_national_id(org=request.org, person=person, actor=request.user)
    return {"national_id": number, "country": person.national_id_country}
