"""Aid API: allocation runs (start, read with their proposal, change a line, confirm) and
reservations (list, read, cancel). Thin: parse, look up, call one service or query; the
services' errors answer 409/422 through the API's error handler."""

from datetime import datetime
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
from kindred.core.roles import OWN_RECORDS_ONLY, Action
from kindred.core.services import Invalid
from kindred.goods.models import StockBalance

from ..models import AllocationRun, NeedLine, Reservation
from ..queries import allocation as queries
from ..services import allocation as services
from ..services import reservations as reservation_services
from .common import ORG, router

MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


# Allocation runs ------------------------------------------------------------------------------


class RunIn(Schema):
    site_ids: list[Id] = Field(
        default_factory=list,
        max_length=500,
        description="Sites whose stock is shared out; empty: every site that is not archived.",
    )


class ProposalLineOut(Schema):
    id: int
    need_id: int
    request_id: int
    household_id: int
    balance_id: int
    location_id: int
    item_type_id: int
    size: str
    grade: str
    quantity: int
    exact: bool
    edited: bool


class RunOut(Schema):
    id: int
    status: str
    site_ids: list[int]
    progress_id: int | None
    objective: float | None
    baseline_objective: float | None = Field(..., description="First come, first served.")
    needs_count: int
    households_served: int
    units: int
    baseline_households: int | None = Field(
        ..., description="Households first come, first served would help from the same stock."
    )
    baseline_units: int | None = Field(
        ..., description="Units first come, first served would give from the same stock."
    )
    seconds: float | None
    error: str
    created_at: datetime
    confirmed_at: datetime | None

    @staticmethod
    def resolve_site_ids(obj) -> list[int]:
        if isinstance(obj, dict):
            return obj["site_ids"]
        return sorted(site.pk for site in obj.sites.all())


class PickupSiteOut(Schema):
    request_id: int
    site_id: int | None = Field(..., description="Its needs were given stock of this site only.")
    source: Literal["booking", "request", "stock", ""] = Field(
        ...,
        description=(
            "booking: the site of its booked day; request: chosen on the request; stock: none "
            "was known, so the run took the site holding most of what it needs; empty: nothing "
            "fits at any site of the run."
        ),
    )


class SuggestedTransferOut(Schema):
    need_id: int
    request_id: int
    household_id: int
    from_site_id: int
    to_site_id: int = Field(..., description="The household's pickup site.")
    quantity: int = Field(..., description="Units that fit the unmet need, if moved there.")
    balance_ids: list[int]


class RunDetailOut(RunOut):
    snapshot: dict[str, int] = Field(..., description="Available units per stock balance id.")
    lines: list[ProposalLineOut]
    pickup_sites: list[PickupSiteOut] = Field(
        ..., description="Where each request's household collects, as the run decided it."
    )
    transfers: list[SuggestedTransferOut] = Field(
        ...,
        description=(
            "Stock at another site that fits a need this proposal leaves unmet: moving it to "
            "the household's pickup site would let the next run reserve it."
        ),
    )


class RunLineIn(Schema):
    need_id: Id
    balance_id: Id
    quantity: int = Field(..., ge=0, le=1_000_000, description="0 removes the line.")


class ReservationLineOut(Schema):
    id: int
    need_id: int
    location_id: int
    item_type_id: int
    size: str
    grade: str
    quantity: int


class ReservationOut(Schema):
    id: int
    number: int
    reference: str
    request_id: int
    household_id: int
    run_id: int | None
    site_id: int
    status: str
    expires_at: datetime
    created_at: datetime
    closed_at: datetime | None
    lines: list[ReservationLineOut]

    @staticmethod
    def resolve_lines(obj) -> list:
        if isinstance(obj, dict):
            return obj["lines"]
        return list(obj.lines.all())


def _run_out(run: AllocationRun) -> dict:
    return {
        **{f: getattr(run, f) for f in RunOut.model_fields if f != "site_ids"},
        "site_ids": sorted(run.sites.values_list("pk", flat=True)),
    }


def _transfers(run: AllocationRun) -> list[dict]:
    if run.status != AllocationRun.Status.PROPOSED:
        return []
    return [
        {
            "need_id": t.need.pk,
            "request_id": t.need.request_id,
            "household_id": household.household_id,
            "from_site_id": t.from_site.pk,
            "to_site_id": t.to_site.pk,
            "quantity": t.quantity,
            "balance_ids": t.balance_ids,
        }
        for household in queries.proposal(run)
        for unmet in household.unmet
        for t in unmet.transfers
    ]


def _run_detail(run: AllocationRun) -> dict:
    lines = run.lines.select_related("need__request", "balance").order_by("pk")
    return {
        **_run_out(run),
        "pickup_sites": [
            {"request_id": int(k), "site_id": v[0], "source": v[1] if len(v) > 1 else ""}
            for k, v in sorted((run.pickup_sites or {}).items(), key=lambda kv: int(kv[0]))
        ],
        "transfers": _transfers(run),
        "snapshot": {str(k): int(v) for k, v in run.snapshot.items()},
        "lines": [
            {
                "id": line.pk,
                "need_id": line.need_id,
                "request_id": line.need.request_id,
                "household_id": line.need.request.household_id,
                "balance_id": line.balance_id,
                "location_id": line.balance.location_id,
                "item_type_id": line.balance.item_type_id,
                "size": line.balance.size,
                "grade": line.balance.grade,
                "quantity": line.quantity,
                "exact": line.exact,
                "edited": line.edited,
            }
            for line in lines
        ],
    }


def _run(request: HttpRequest, run_id: int) -> AllocationRun:
    return get_object_or_404(AllocationRun, organization=request.org, pk=run_id)


@router.get(
    ORG + "/aid/allocation-runs",
    response={200: list[RunOut], **ERRORS},
    summary="Allocation runs, newest first",
)
@org_endpoint(Action.ALLOCATE)
@paginate(PagePagination)
def run_list(request: HttpRequest, slug: str):
    return (
        AllocationRun.objects.filter(organization=request.org)
        .prefetch_related("sites")
        .order_by("-created_at", "-pk")
    )


@router.post(
    ORG + "/aid/allocation-runs",
    response={201: RunOut, **ERRORS},
    summary="Start an allocation run (it is solved in the background; poll it)",
)
@org_endpoint(Action.ALLOCATE)
def run_create(request: HttpRequest, slug: str, payload: RunIn):
    sites_qs = Site.objects.filter(organization=request.org)
    if payload.site_ids:
        sites = list(sites_qs.filter(pk__in=payload.site_ids))
        if len(sites) != len(set(payload.site_ids)):
            raise Invalid(_("Choose a site of this organisation."), field="site_ids")
    else:
        sites = list(sites_qs.filter(archived=False))
    run = services.start_run(org=request.org, sites=sites, actor=request.user)
    run.refresh_from_db()
    return Status(201, _run_out(run))


@router.get(
    ORG + "/aid/allocation-runs/{run_id}",
    response={200: RunDetailOut, **ERRORS},
    summary="An allocation run with its proposed lines",
)
@org_endpoint(Action.ALLOCATE)
def run_detail(request: HttpRequest, slug: str, run_id: Id):
    return _run_detail(_run(request, run_id))


@router.patch(
    ORG + "/aid/allocation-runs/{run_id}/lines",
    response={200: RunDetailOut, **ERRORS},
    summary="Change one line of a proposal (quantity 0 removes it)",
)
@org_endpoint(Action.ALLOCATE)
def run_change_line(request: HttpRequest, slug: str, run_id: Id, payload: RunLineIn):
    run = _run(request, run_id)
    need = NeedLine.objects.filter(organization=request.org, pk=payload.need_id).first()
    if need is None:
        raise Invalid(_("Choose an open need of this organisation."), field="need_id")
    balance = StockBalance.objects.filter(organization=request.org, pk=payload.balance_id).first()
    if balance is None:
        raise Invalid(
            _("Choose stock that this allocation run saw at its sites."), field="balance_id"
        )
    services.change_line(
        run=run, need=need, balance=balance, quantity=payload.quantity, actor=request.user
    )
    run.refresh_from_db()
    return _run_detail(run)


@router.post(
    ORG + "/aid/allocation-runs/{run_id}/confirm",
    response={200: list[ReservationOut], **ERRORS},
    summary="Confirm a proposal: reserve its goods (all or nothing)",
)
@org_endpoint(Action.ALLOCATE)
def run_confirm(request: HttpRequest, slug: str, run_id: Id):
    reservations = services.confirm_run(run=_run(request, run_id), actor=request.user)
    return [_reservation_out(r) for r in reservations]


# Reservations -------------------------------------------------------------------------------


def _reservation_out(reservation: Reservation) -> dict:
    return {
        **{f: getattr(reservation, f) for f in ReservationOut.model_fields if f != "lines"},
        "lines": list(reservation.lines.order_by("pk")),
    }


class ReservationFilter(Schema):
    q: str = Field("", max_length=200, description="Household label, RV- or H- number.")
    status: Literal["active", "handed_out", "expired", "cancelled", ""] = ""
    site: int | None = Field(None, ge=1, le=MAX_ID)
    sort: Literal["expiry", "-expiry", "newest"] = "expiry"


def _reservations(request: HttpRequest):
    qs = Reservation.objects.filter(organization=request.org)
    if request.role in OWN_RECORDS_ONLY:
        qs = qs.filter(request__created_by=request.user)
    return qs


@router.get(
    ORG + "/aid/reservations",
    response={200: list[ReservationOut], **ERRORS},
    summary="Reservations, soonest to expire first",
)
@org_endpoint(Action.VIEW_DISTRIBUTION)
@paginate(PagePagination)
def reservation_list(request: HttpRequest, slug: str, filters: Query[ReservationFilter]):
    qs = queries.reservations(
        request.org,
        search=filters.q,
        status=filters.status,
        site_id=filters.site,
        sort=filters.sort,
        created_by=request.user if request.role in OWN_RECORDS_ONLY else None,
    ).prefetch_related("lines")
    return qs


@router.get(
    ORG + "/aid/reservations/{reservation_id}",
    response={200: ReservationOut, **ERRORS},
    summary="A reservation and its lines",
)
@org_endpoint(Action.VIEW_DISTRIBUTION)
def reservation_detail(request: HttpRequest, slug: str, reservation_id: Id):
    return _reservation_out(get_object_or_404(_reservations(request), pk=reservation_id))


class CancelIn(Schema):
    reason: str = Field("", max_length=300)


@router.post(
    ORG + "/aid/reservations/{reservation_id}/cancel",
    response={200: ReservationOut, **ERRORS},
    summary="Cancel an active reservation: its goods become available again",
)
@org_endpoint(Action.ALLOCATE)
def reservation_cancel(
    request: HttpRequest, slug: str, reservation_id: Id, payload: CancelIn | None = None
):
    reservation = get_object_or_404(_reservations(request), pk=reservation_id)
    reservation = reservation_services.cancel_reservation(
        reservation=reservation, actor=request.user, reason=payload.reason if payload else ""
    )
    return _reservation_out(reservation)
