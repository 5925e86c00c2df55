"""Aid API: help requests and their need lines. Thin: parse, resolve ids, call one service
or query. Referrers see and change only the requests they registered (404 for others'),
and may register requests only for households they registered. A service's error names
the field (e.g. "lines.0.sizes")."""

from datetime import date, datetime
from typing import Annotated, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from kindred.api.auth import org_endpoint
from kindred.api.pagination import PagePagination
from kindred.core.api import ERRORS
from kindred.core.models import Site
from kindred.core.roles import Action
from kindred.core.services import Invalid, NotFound

from ..models import HelpRequest, NeedLine
from ..queries import requests as queries
from ..services import requests as services
from .common import ORG, router

MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
ItemTypeRef = Annotated[
    int | str,
    Field(description="An item type's id, or its catalogue code (e.g. child-winter-jacket)."),
]
StatusName = Literal["submitted", "in_review", "approved", "rejected", "fulfilling", "closed"]
SourceName = Literal["public", "referrer", "staff"]
Sizes = Annotated[
    list[Annotated[str, Field(max_length=10)]],
    Field(max_length=30, description="Acceptable sizes, the exact size first; empty: any."),
]
REQUESTS = ORG + "/aid/requests"
REQUEST = REQUESTS + "/{request_id}"


class RequestFilter(Schema):
    q: str = Field("", max_length=200, description="Search the reference, household, names.")
    status: StatusName | None = None
    source: SourceName | None = None
    urgency: int | None = Field(None, ge=1, le=3, description="The most urgent open need.")
    date_from: date | None = Field(None, description="Submitted on or after.")
    date_to: date | None = Field(None, description="Submitted on or before.")
    sort: Literal["newest", "oldest", "urgent"] = "newest"


class NeedLineIn(Schema):
    item_type: ItemTypeRef
    sizes: Sizes = []
    quantity: int = Field(..., ge=1, le=1000)
    urgency: int = Field(2, ge=1, le=3, description="1 can wait, 2 soon, 3 urgent.")
    note: str = Field("", max_length=300)


class NeedLinePatch(Schema):
    item_type: ItemTypeRef | None = None
    sizes: Sizes | None = None
    quantity: int | None = Field(None, ge=1, le=1000)
    urgency: int | None = Field(None, ge=1, le=3)
    note: str | None = Field(None, max_length=300)
    cancelled: bool | None = Field(None, description="true cancels the need (not undone).")


class NewHouseholdIn(Schema):
    given_name: str = Field(..., min_length=1, max_length=100, description="The head's.")
    family_name: str = Field("", max_length=100)
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)
    street: str = Field("", max_length=200)
    postcode: str = Field("", max_length=20)
    city: str = Field("", max_length=100)
    household_label: str = Field("", max_length=200, description="Default: the head's name.")


class RequestIn(Schema):
    household_id: Id | None = Field(None, description="An existing household…")
    household: NewHouseholdIn | None = Field(
        None, description="…or a new one, registered with the request (all or nothing)."
    )
    applicant_id: Id | None = None
    lines: list[NeedLineIn] = Field(..., min_length=1, max_length=50)
    note: str = Field("", max_length=5000)
    referrer_organisation: str = Field("", max_length=200)
    language: str = Field("", max_length=10)
    pickup_site_id: Id | None = Field(
        None,
        description=(
            "Where the household will collect its goods: the allocation reserves only stock "
            "at this site (the site of a booked time counts first). null: not chosen yet."
        ),
    )


class ApproveIn(Schema):
    override_reason: str = Field(
        "", max_length=2000, description="Why failed eligibility rules are overridden."
    )


class RejectIn(Schema):
    reason: str = Field(..., min_length=1, max_length=2000)


class PickupSiteIn(Schema):
    site_id: Id | None = Field(
        ...,
        description=(
            "Where the household collects its goods: the next allocation reserves there (a "
            "booked day's site counts first). null: not chosen."
        ),
    )


class CloseIn(Schema):
    reason: str = Field("", max_length=2000)


class NeedLineOut(Schema):
    id: int
    item_type_id: int
    item_type_code: str
    sizes: list[str]
    quantity: int
    urgency: int
    note: str
    cancelled: bool
    handed_out: int
    reserved: int
    open: int


class EligibilityOut(Schema):
    rule: int | None
    passed: bool
    message: str


class RequestOut(Schema):
    id: int
    number: int
    reference: str
    status: StatusName
    source: SourceName
    household_id: int
    household_label: str
    applicant_id: int | None
    submitted_at: datetime
    decided_at: datetime | None
    closed_at: datetime | None
    language: str
    referrer_organisation: str
    pickup_site_id: int | None

    @staticmethod
    def resolve_household_label(obj) -> str:
        return obj["household_label"] if isinstance(obj, dict) else obj.household.label


class RequestDetailOut(RequestOut):
    note: str
    rejection_reason: str
    eligibility: list[EligibilityOut]
    lines: list[NeedLineOut]


def _request(request: HttpRequest, request_id: int) -> HelpRequest:
    qs = queries.visible_requests(request.org, request.membership).select_related("household")
    return get_object_or_404(qs, pk=request_id)


def _line_out(figures: queries.LineFigures) -> dict:
    line = figures.line
    return {
        "id": line.pk,
        "item_type_id": line.item_type_id,
        "item_type_code": line.item_type.code,
        "sizes": list(line.sizes),
        "quantity": line.quantity,
        "urgency": line.urgency,
        "note": line.note,
        "cancelled": line.cancelled,
        "handed_out": figures.handed_out,
        "reserved": figures.reserved,
        "open": figures.open,
    }


def _out(help_request: HelpRequest) -> dict:
    return {
        **{f: getattr(help_request, f) for f in RequestOut.model_fields if f != "household_label"},
        "household_label": help_request.household.label,
    }


def _detail(help_request: HelpRequest) -> dict:
    help_request.refresh_from_db()
    return {
        **_out(help_request),
        "note": help_request.note,
        "rejection_reason": help_request.rejection_reason,
        "eligibility": [
            {
                "rule": item.get("rule"),
                "passed": bool(item.get("passed")),
                "message": str(item.get("message", "")),
            }
            for item in help_request.eligibility or []
        ],
        "lines": [_line_out(f) for f in queries.line_figures(help_request)],
    }


def _line_values(line: Schema) -> dict:
    return {k: v for k, v in line.model_dump().items() if v is not None}


@router.get(
    REQUESTS,
    response={200: list[RequestOut], **ERRORS},
    summary="Help requests (referrers: the ones they registered)",
)
@org_endpoint(Action.VIEW_REQUESTS)
@paginate(PagePagination)
def request_list(request: HttpRequest, slug: str, filters: Query[RequestFilter]):
    return queries.requests(
        request.org,
        request.membership,
        search=filters.q,
        status=filters.status or "",
        source=filters.source or "",
        urgency=filters.urgency,
        date_from=filters.date_from,
        date_to=filters.date_to,
        sort=filters.sort,
    )


@router.post(
    REQUESTS,
    response={201: RequestDetailOut, **ERRORS},
    summary="Register a help request with its need lines (for a new household too)",
)
@org_endpoint(Action.SUBMIT_REQUESTS)
def request_create(request: HttpRequest, slug: str, payload: RequestIn):
    new_household = payload.household.dict() if payload.household is not None else None
    help_request = services.submit_request(
        org=request.org,
        membership=request.membership,
        command=services.SubmitRequest(
            household_id=payload.household_id,
            new_household=new_household,
            applicant_id=payload.applicant_id,
            lines=[_line_values(line) for line in payload.lines],
            note=payload.note,
            referrer_organisation=payload.referrer_organisation,
            language=payload.language,
            pickup_site_id=payload.pickup_site_id,
        ),
    )
    return Status(201, _detail(help_request))


@router.get(REQUEST, response={200: RequestDetailOut, **ERRORS}, summary="One help request")
@org_endpoint(Action.VIEW_REQUESTS)
def request_detail(request: HttpRequest, slug: str, request_id: int):
    return _detail(_request(request, request_id))


@router.post(
    REQUEST + "/review",
    response={200: RequestDetailOut, **ERRORS},
    summary="Start reviewing a submitted request",
)
@org_endpoint(Action.REVIEW_REQUESTS)
def request_review(request: HttpRequest, slug: str, request_id: int):
    help_request = _request(request, request_id)
    services.start_review(request=help_request, actor=request.user)
    return _detail(help_request)


@router.post(
    REQUEST + "/approve",
    response={200: RequestDetailOut, **ERRORS},
    summary="Approve a request (a failed eligibility rule needs an override reason)",
)
@org_endpoint(Action.REVIEW_REQUESTS)
def request_approve(request: HttpRequest, slug: str, request_id: int, payload: ApproveIn):
    help_request = _request(request, request_id)
    services.approve(
        request=help_request, actor=request.user, override_reason=payload.override_reason
    )
    return _detail(help_request)


@router.post(
    REQUEST + "/reject",
    response={200: RequestDetailOut, **ERRORS},
    summary="Reject a request, with the reason",
)
@org_endpoint(Action.REVIEW_REQUESTS)
def request_reject(request: HttpRequest, slug: str, request_id: int, payload: RejectIn):
    help_request = _request(request, request_id)
    services.reject(request=help_request, reason=payload.reason, actor=request.user)
    return _detail(help_request)


@router.post(
    REQUEST + "/close",
    response={200: RequestDetailOut, **ERRORS},
    summary="Close a request (refused while goods are reserved for it)",
)
@org_endpoint(Action.REVIEW_REQUESTS)
def request_close(request: HttpRequest, slug: str, request_id: int, payload: CloseIn):
    help_request = _request(request, request_id)
    services.close(request=help_request, actor=request.user, reason=payload.reason)
    return _detail(help_request)


@router.post(
    REQUEST + "/pickup-site",
    response={200: RequestDetailOut, **ERRORS},
    summary="Choose where the household collects its goods (or clear it with null)",
)
@org_endpoint(Action.SUBMIT_REQUESTS)
def request_pickup_site(request: HttpRequest, slug: str, request_id: int, payload: PickupSiteIn):
    help_request = _request(request, request_id)
    site = None
    if payload.site_id is not None:
        site = Site.objects.filter(
            organization=request.org, pk=payload.site_id, archived=False
        ).first()
        if site is None:
            raise Invalid(_("Choose a site of this organisation."), field="site_id")
    services.set_pickup_site(request=help_request, site=site, actor=request.user)
    return _detail(help_request)


@router.get(
    REQUEST + "/lines",
    response={200: list[NeedLineOut], **ERRORS},
    summary="The request's need lines with reserved, handed-out and open units",
)
@org_endpoint(Action.VIEW_REQUESTS)
def line_list(request: HttpRequest, slug: str, request_id: int):
    return [_line_out(f) for f in queries.line_figures(_request(request, request_id))]


def _figures_of(help_request: HelpRequest, line_id: int) -> dict:
    for figures in queries.line_figures(help_request):
        if figures.line.pk == line_id:
            return _line_out(figures)
    raise NotFound(_("There is no such need."))


@router.post(
    REQUEST + "/lines",
    response={201: NeedLineOut, **ERRORS},
    summary="Add a need line",
)
@org_endpoint(Action.SUBMIT_REQUESTS)
def line_add(request: HttpRequest, slug: str, request_id: int, payload: NeedLineIn):
    help_request = _request(request, request_id)
    line = services.add_line(request=help_request, values=_line_values(payload), actor=request.user)
    return Status(201, _figures_of(help_request, line.pk))


@router.patch(
    REQUEST + "/lines/{line_id}",
    response={200: NeedLineOut, **ERRORS},
    summary="Change or cancel a need line",
)
@org_endpoint(Action.SUBMIT_REQUESTS)
def line_change(
    request: HttpRequest, slug: str, request_id: int, line_id: int, payload: NeedLinePatch
):
    help_request = _request(request, request_id)
    line = get_object_or_404(NeedLine, request=help_request, pk=line_id)
    values = payload.model_dump(exclude_unset=True)
    cancelled = values.pop("cancelled", None)
    if any(v is None for v in values.values()):
        values = {k: v for k, v in values.items() if v is not None}
    if cancelled:
        values = {"cancel": True}
    services.change_line(request=help_request, line=line, values=values, actor=request.user)
    return _figures_of(help_request, line.pk)
