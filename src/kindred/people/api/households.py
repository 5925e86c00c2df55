"""API: households and their members."""

from datetime import date, datetime
from typing import Any, Literal

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
from .common import (
    _DETAIL,
    MAX_ID,
    Relation,
    RoleFilteredSchema,
    router,
)

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
