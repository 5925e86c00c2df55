"""API: households and their members."""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from kindred.api.auth import org_endpoint
from kindred.api.pagination import PagePagination
from kindred.core.api import ERRORS
from kindred.core.roles import Action
from kindred.core.services import NotFound

from .. import queries, services
from ..models import HouseholdMember
from ..services.families import MAX_MEMBERS
from .common import (
    _DETAIL,
    EARLIEST_BIRTH_DATE,
    LATEST_BIRTH_DATE,
    MAX_ID,
    Relation,
    RoleFilteredSchema,
    router,
)
from .persons import NationalIdIn

# Households --------------------------------------------------------------------------------


class HouseholdOut(RoleFilteredSchema):
    DETAIL_FIELDS = frozenset({"street", "postcode", "city", "country"})

    id: int
    label: str
    size: int = Field(..., description="The number of current members.")
    created_at: datetime
    street: str | None = Field(None, description=_DETAIL)
    postcode: str | None = Field(None, description=_DETAIL)
    city: str | None = Field(None, description=_DETAIL)
    country: str | None = Field(None, description=_DETAIL)


class HouseholdMemberOut(Schema):
    id: int
    person_id: int
    person_name: str = Field(..., alias="person.full_name")
    relation: Relation
    joined_on: date
    left_on: date | None


class HouseholdDetailOut(HouseholdOut):
    members: list[HouseholdMemberOut] = Field(..., description="The current members.")
    history: list[HouseholdMemberOut] = Field(
        ..., description="Every membership, past and current, oldest first."
    )


class HouseholdIn(Schema):
    label: str = Field(..., min_length=1, max_length=200)
    street: str = Field("", max_length=200)
    postcode: str = Field("", max_length=20)
    city: str = Field("", max_length=100)
    country: str = Field("", max_length=2)


class HouseholdFilter(Schema):
    q: str = Field("", max_length=200, description="Search in the label and city.")
    sort: Literal["label", "-label", "created", "-created"] = "label"


class MemberIn(Schema):
    person_id: int = Field(..., ge=1, le=MAX_ID)
    relation: Relation
    joined_on: date | None = Field(None, description="Today when left out.")


class LeaveIn(Schema):
    left_on: date | None = Field(None, description="Today when left out.")


def _household(request: HttpRequest, household_id: int):
    return get_object_or_404(
        queries.households(request.org, membership=request.membership), pk=household_id
    )


def _household_detail(household) -> dict[str, Any]:
    history = list(household.members.select_related("person").order_by("joined_on", "pk"))
    return {
        **{f: getattr(household, f) for f in ("id", "label", "size", "created_at")},
        **{f: getattr(household, f) for f in HouseholdOut.DETAIL_FIELDS},
        "members": [m for m in history if m.left_on is None],
        "history": history,
    }


@router.get(
    "/organizations/{slug}/households",
    response={200: list[HouseholdOut], **ERRORS},
    tags=["households"],
    summary="Households",
)
@org_endpoint(Action.VIEW_PEOPLE)
@paginate(PagePagination)
def household_list(request: HttpRequest, slug: str, filters: Query[HouseholdFilter]):
    return queries.households(
        request.org, membership=request.membership, search=filters.q.strip(), sort=filters.sort
    )


@router.post(
    "/organizations/{slug}/households",
    response={201: HouseholdDetailOut, **ERRORS},
    tags=["households"],
    summary="Register a household",
)
@org_endpoint(Action.MANAGE_PEOPLE)
def household_create(request: HttpRequest, slug: str, payload: HouseholdIn):
    household = services.create_household(
        org=request.org, values=payload.dict(), actor=request.user
    )
    return Status(201, _household_detail(_household(request, household.pk)))


# A family in one go (people.services.register_family); before /households/{household_id},
# so that "register" is never read as an id. ---------------------------------------------

Basis = Literal["consent", "legitimate_interest", "contract", "legal_obligation", "vital_interest"]


class FamilyMemberIn(Schema):
    given_name: str = Field(..., min_length=1, max_length=100)
    family_name: str = Field("", max_length=100)
    birth_date: date | None = Field(None, ge=EARLIEST_BIRTH_DATE, le=LATEST_BIRTH_DATE)
    phone: str = Field("", max_length=40)
    relation: Relation = Field(..., description="Exactly one member is the head.")
    national_id: NationalIdIn | None = Field(
        None, description="Validated for its country, stored encrypted, never shown again."
    )


class FamilyIn(Schema):
    label: str = Field(
        "", max_length=200, description="Empty: the family name of the head of the household."
    )
    street: str = Field("", max_length=200)
    postcode: str = Field("", max_length=20)
    city: str = Field("", max_length=100)
    country: str = Field("", max_length=2)
    members: list[FamilyMemberIn] = Field(..., min_length=1, max_length=MAX_MEMBERS)
    lawful_basis: Basis = Field(
        ...,
        description="The lawful basis for keeping the help records, recorded for every member "
        "(purpose help-records).",
    )
    consent_purpose_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        [],
        max_length=50,
        description="Further consent purposes the head of the household agreed to.",
    )


@router.post(
    "/organizations/{slug}/households/register",
    response={201: HouseholdDetailOut, **ERRORS},
    tags=["households"],
    summary="Register a family: the household, its members, their lawful basis and consents "
    "(all or nothing; an error about a member names members.<n>.<field>)",
)
@org_endpoint(Action.MANAGE_PEOPLE)
def household_register(request: HttpRequest, slug: str, payload: FamilyIn):
    household = services.register_family(
        org=request.org,
        membership=request.membership,
        command=services.RegisterFamily(
            household=payload.dict(include={"label", "street", "postcode", "city", "country"}),
            members=[
                services.FamilyMember(
                    values=m.dict(include={"given_name", "family_name", "birth_date", "phone"}),
                    relation=m.relation,
                    national_id=(m.national_id.country, m.national_id.number)
                    if m.national_id is not None
                    else None,
                )
                for m in payload.members
            ],
            lawful_basis=payload.lawful_basis,
            consent_purpose_ids=payload.consent_purpose_ids,
        ),
    )
    return Status(201, _household_detail(_household(request, household.pk)))


@router.get(
    "/organizations/{slug}/households/{household_id}",
    response={200: HouseholdDetailOut, **ERRORS},
    tags=["households"],
    summary="One household, with its current members and history",
)
@org_endpoint(Action.VIEW_PEOPLE)
def household_detail(request: HttpRequest, slug: str, household_id: int):
    return _household_detail(_household(request, household_id))


@router.post(
    "/organizations/{slug}/households/{household_id}/members",
    response={201: HouseholdMemberOut, **ERRORS},
    tags=["households"],
    summary="Add a person to a household (ends their current household membership)",
)
@org_endpoint(Action.MANAGE_PEOPLE)
def household_member_add(request: HttpRequest, slug: str, household_id: int, payload: MemberIn):
    household = _household(request, household_id)
    person = (
        queries.visible_persons(request.org, request.membership)
        .filter(pk=payload.person_id)
        .first()
    )
    if person is None:
        raise NotFound(_("There is no such person."), field="person_id")
    member = services.add_to_household(
        org=request.org,
        household=household,
        person=person,
        relation=payload.relation,
        actor=request.user,
        joined_on=payload.joined_on,
    )
    return Status(201, member)


@router.post(
    "/organizations/{slug}/households/{household_id}/members/{member_id}/leave",
    response={200: HouseholdMemberOut, **ERRORS},
    tags=["households"],
    summary="A member leaves the household (the membership stays in the history)",
)
@org_endpoint(Action.MANAGE_PEOPLE)
def household_member_leave(
    request: HttpRequest, slug: str, household_id: int, member_id: int, payload: LeaveIn = None
):
    household = _household(request, household_id)
    member = get_object_or_404(
        HouseholdMember.objects.select_related("person"), pk=member_id, household=household
    )
    return services.leave_household(
        org=request.org,
        member=member,
        actor=request.user,
        left_on=payload.left_on if payload is not None else None,
    )
