"""API endpoints for me, organisations, sites, members and invitations (thin: parse, call)."""

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django_scopes import scopes_disabled
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import AliasPath, BaseModel, ConfigDict

from kindred.api.auth import org_endpoint
from kindred.api.pagination import PagePagination

from . import queries, services
from .models import Invitation, Membership, Site
from .roles import Action, allowed_actions

router = Router()

RoleName = Literal["admin", "coordinator", "volunteer", "referrer", "fundraiser"]
SiteKind = Literal["warehouse", "shop", "intake_point", "office"]
LanguageCode = Literal["en", "sv", "da", "fi", "bg", "uk"]


class ErrorItem(Schema):
    field: str | None
    message: str


class Error(Schema):
    detail: str
    errors: list[ErrorItem]


ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}


class MembershipOut(Schema):
    organization: str = Field(..., description="The organisation's slug.")
    organization_name: str
    role: RoleName
    allowed_actions: list[str]


class MeOut(Schema):
    id: int
    email: str
    full_name: str
    language: str
    memberships: list[MembershipOut]


class OrganizationOut(Schema):
    slug: str
    name: str
    country: str
    default_language: str
    currency: str
    time_zone: str
    created_at: datetime


class OrganizationPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    country: str | None = Field(None, min_length=2, max_length=2)
    default_language: LanguageCode | None = None
    currency: str | None = Field(None, min_length=3, max_length=3)
    time_zone: str | None = Field(None, max_length=64)


class SiteOut(Schema):
    id: int
    name: str
    kind: SiteKind
    street: str
    postcode: str
    city: str
    country: str
    archived: bool
    created_at: datetime


class SiteIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    kind: SiteKind
    street: str = Field("", max_length=200)
    postcode: str = Field("", max_length=20)
    city: str = Field("", max_length=100)
    country: str = Field("", max_length=2)


class SitePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    kind: SiteKind | None = None
    street: str | None = Field(None, max_length=200)
    postcode: str | None = Field(None, max_length=20)
    city: str | None = Field(None, max_length=100)
    country: str | None = Field(None, max_length=2)
    archived: bool | None = None


class SiteFilter(Schema):
    q: str = Field("", description="Search in name, street, postcode and city.")
    kind: SiteKind | None = None
    show: Literal["active", "archived", "all"] = Field(
        "active", description="Sites in use (default), archived sites, or all."
    )
    sort: Literal["name", "-name", "kind", "-kind", "city", "-city"] = "name"


class MemberOut(BaseModel):
    # A plain pydantic model reading a Membership (with select_related user) through alias
    # paths: pydantic-core follows them itself, about six times faster per row than ninja's
    # Python resolvers (`make bench`). The JSON is the same.
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    email: str = Field(validation_alias=AliasPath("user", "email"))
    full_name: str = Field(validation_alias=AliasPath("user", "full_name"))
    role: RoleName
    joined_at: datetime = Field(validation_alias=AliasPath("created_at"))


class MemberFilter(Schema):
    q: str = Field("", description="Search in name and e-mail.")
    role: RoleName | None = None
    sort: Literal["name", "-name", "email", "-email", "role", "-role", "joined", "-joined"] = "name"


class MemberPatch(Schema):
    role: RoleName


class InvitationIn(Schema):
    email: str = Field(..., max_length=254)
    role: RoleName


class InvitationOut(Schema):
    id: int
    email: str
    role: RoleName
    status: str
    created_at: datetime
    expires_at: datetime


# Me and organisations ----------------------------------------------------------------------


def _visible_memberships(request: HttpRequest) -> list[Membership]:
    with scopes_disabled():
        qs = Membership.objects.filter(user=request.user).select_related("organization")
        token = getattr(request, "api_token", None)
        if token is not None:
            qs = qs.filter(organization=token.organization)
        return list(qs.order_by("organization__name"))


@router.get("/me", response={200: MeOut, **ERRORS}, tags=["me"], summary="Who am I")
def me(request: HttpRequest):
    user = request.user
    return {
        "id": user.pk,
        "email": user.email,
        "full_name": user.full_name,
        "language": user.language,
        "memberships": [
            {
                "organization": m.organization.slug,
                "organization_name": m.organization.name,
                "role": m.role,
                "allowed_actions": sorted(a.value for a in allowed_actions(m.role)),
            }
            for m in _visible_memberships(request)
        ],
    }


@router.get(
    "/organizations",
    response={200: list[OrganizationOut], **ERRORS},
    tags=["organizations"],
    summary="Organisations I belong to",
)
@paginate(PagePagination)
def organizations(request: HttpRequest):
    return [m.organization for m in _visible_memberships(request)]


@router.get(
    "/organizations/{slug}",
    response={200: OrganizationOut, **ERRORS},
    tags=["organizations"],
    summary="One organisation",
)
@org_endpoint(Action.VIEW_DASHBOARD)
def organization(request: HttpRequest, slug: str):
    return request.org


@router.patch(
    "/organizations/{slug}",
    response={200: OrganizationOut, **ERRORS},
    tags=["organizations"],
    summary="Change an organisation's settings",
)
@org_endpoint(Action.EDIT_ORGANIZATION)
def organization_update(request: HttpRequest, slug: str, payload: OrganizationPatch):
    values = payload.dict(exclude_unset=True)
    return services.update_organization(org=request.org, values=values, actor=request.user)


# Sites -------------------------------------------------------------------------------------


@router.get(
    "/organizations/{slug}/sites",
    response={200: list[SiteOut], **ERRORS},
    tags=["sites"],
    summary="Sites",
)
@org_endpoint(Action.VIEW_SITES)
@paginate(PagePagination)
def site_list(request: HttpRequest, slug: str, filters: Query[SiteFilter]):
    return queries.sites(
        request.org,
        search=filters.q.strip(),
        kind=filters.kind or "",
        archived={"active": False, "archived": True, "all": None}[filters.show],
        sort=filters.sort,
    )


@router.post(
    "/organizations/{slug}/sites",
    response={201: SiteOut, **ERRORS},
    tags=["sites"],
    summary="Add a site",
)
@org_endpoint(Action.MANAGE_SITES)
def site_create(request: HttpRequest, slug: str, payload: SiteIn):
    site = services.create_site(org=request.org, values=payload.dict(), actor=request.user)
    return Status(201, site)


@router.get(
    "/organizations/{slug}/sites/{site_id}",
    response={200: SiteOut, **ERRORS},
    tags=["sites"],
    summary="One site",
)
@org_endpoint(Action.VIEW_SITES)
def site_detail(request: HttpRequest, slug: str, site_id: int):
    return get_object_or_404(Site, pk=site_id)


@router.patch(
    "/organizations/{slug}/sites/{site_id}",
    response={200: SiteOut, **ERRORS},
    tags=["sites"],
    summary="Change, archive or restore a site",
)
@org_endpoint(Action.MANAGE_SITES)
def site_update(request: HttpRequest, slug: str, site_id: int, payload: SitePatch):
    site = get_object_or_404(Site, pk=site_id)
    values = payload.dict(exclude_unset=True)
    archived = values.pop("archived", None)
    site = services.update_site(org=request.org, site=site, values=values, actor=request.user)
    if archived is not None:
        site = services.set_site_archived(
            org=request.org, site=site, archived=archived, actor=request.user
        )
    return site


# Members and invitations -------------------------------------------------------------------


@router.get(
    "/organizations/{slug}/members",
    response={200: list[MemberOut], **ERRORS},
    tags=["members"],
    summary="Members",
)
@org_endpoint(Action.VIEW_MEMBERS)
@paginate(PagePagination)
def member_list(request: HttpRequest, slug: str, filters: Query[MemberFilter]):
    return queries.members(
        request.org, search=filters.q.strip(), role=filters.role or "", sort=filters.sort
    )


@router.get(
    "/organizations/{slug}/members/{member_id}",
    response={200: MemberOut, **ERRORS},
    tags=["members"],
    summary="One member",
)
@org_endpoint(Action.VIEW_MEMBERS)
def member_detail(request: HttpRequest, slug: str, member_id: int):
    return get_object_or_404(Membership.objects.select_related("user"), pk=member_id)


@router.patch(
    "/organizations/{slug}/members/{member_id}",
    response={200: MemberOut, **ERRORS},
    tags=["members"],
    summary="Change a member's role",
)
@org_endpoint(Action.MANAGE_MEMBERS)
def member_update(request: HttpRequest, slug: str, member_id: int, payload: MemberPatch):
    membership = get_object_or_404(Membership.objects.select_related("user"), pk=member_id)
    return services.change_role(
        org=request.org, membership=membership, role=payload.role, actor=request.user
    )


@router.delete(
    "/organizations/{slug}/members/{member_id}",
    response={204: None, **ERRORS},
    tags=["members"],
    summary="Remove a member",
)
@org_endpoint(Action.MANAGE_MEMBERS)
def member_remove(request: HttpRequest, slug: str, member_id: int):
    membership = get_object_or_404(Membership, pk=member_id)
    services.remove_member(org=request.org, membership=membership, actor=request.user)
    return Status(204, None)


@router.get(
    "/organizations/{slug}/invitations",
    response={200: list[InvitationOut], **ERRORS},
    tags=["members"],
    summary="Pending invitations",
)
@org_endpoint(Action.VIEW_MEMBERS)
@paginate(PagePagination)
def invitation_list(request: HttpRequest, slug: str):
    return queries.pending_invitations(request.org).order_by("-created_at", "pk")


@router.post(
    "/organizations/{slug}/invitations",
    response={201: InvitationOut, **ERRORS},
    tags=["members"],
    summary="Invite someone by e-mail",
)
@org_endpoint(Action.MANAGE_MEMBERS)
def invitation_create(request: HttpRequest, slug: str, payload: InvitationIn):
    invitation = services.invite_member(
        org=request.org,
        email=payload.email,
        role=payload.role,
        actor=request.user,
        accept_url_for=lambda raw: request.build_absolute_uri(
            reverse("core:invitation-accept", args=[raw])
        ),
    )
    return Status(201, invitation)


@router.delete(
    "/organizations/{slug}/invitations/{invitation_id}",
    response={204: None, **ERRORS},
    tags=["members"],
    summary="Revoke an invitation",
)
@org_endpoint(Action.MANAGE_MEMBERS)
def invitation_revoke(request: HttpRequest, slug: str, invitation_id: int):
    invitation = get_object_or_404(Invitation, pk=invitation_id)
    services.revoke_invitation(org=request.org, invitation=invitation, actor=request.user)
    return Status(204, None)
