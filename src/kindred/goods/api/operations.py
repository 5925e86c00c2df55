"""API: sortings, transfers, stock counts and disposal lots. Thin: parse, resolve ids (an
item type by id or by catalogue code), call one service or query. Stock rules are the
services'; their StockError answers 409 naming the field (e.g. "lines.0.quantity")."""

from datetime import date, datetime
from decimal import Decimal
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
from kindred.core.services import Invalid
from kindred.people.models import Contact

from .. import services
from ..models import DisposalLot, ItemType, Location, Sorting, StockCount, Transfer
from ..queries import operations as queries
from .common import ORG, item_type_of, location_of, router

MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
GradeName = Literal["new", "good", "used", "worn", "unsorted"]
StreamName = Literal["keep", "shop", "export", "recycle", "discard"]
Amount = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=3)]
Weight = Annotated[Decimal, Field(gt=0, max_digits=10, decimal_places=3)]
ItemTypeRef = Annotated[
    int | str,
    Field(description="An item type's id, or its catalogue code (e.g. child-winter-jacket)."),
]
TransferStatus = Literal["in_transit", "done", "reversed"]
Size = Annotated[str, Field(max_length=10, description="A size of the item type, or empty.")]


def _item_type(request: HttpRequest, ref: int | str | None, field: str) -> ItemType | None:
    return item_type_of(request.org, ref, field)


def _location(request: HttpRequest, location_id: int | None, field: str) -> Location | None:
    return location_of(request.org, location_id, field)


class ListFilter(Schema):
    q: str = Field("", max_length=200, description="Search the number, note and locations.")
    site: int | None = Field(None, ge=1, le=MAX_ID, description="Only this site.")
    date_from: date | None = None
    date_to: date | None = None
    sort: Literal["newest", "oldest"] = "newest"

    def query_args(self) -> dict:
        """The keyword arguments every operations list query takes."""
        return {
            "search": self.q.strip(),
            "site_id": self.site,
            "date_from": self.date_from,
            "date_to": self.date_to,
            "sort": self.sort,
        }


# Sortings ------------------------------------------------------------------------------------


class SortingLineIn(Schema):
    stream: StreamName
    item_type: ItemTypeRef | None = Field(
        None, description="Keep/shop: required. Export/recycle: a kg type (default textiles)."
    )
    size: Size = ""
    grade: GradeName | Literal[""] = ""
    quantity: Amount | None = Field(None, description="Counted items (keep, shop).")
    weight_kg: Weight | None = Field(None, description="Export, recycle, discard; or measured.")
    location_id: Id | None = Field(None, description="Where the goods are put (not discard).")


class SortingIn(Schema):
    source_location_id: Id
    source_item_type: ItemTypeRef = "unsorted-textiles"
    source_grade: GradeName = "unsorted"
    weight_kg: Weight
    note: str = Field("", max_length=2000)
    lines: list[SortingLineIn] = Field(..., min_length=1, max_length=200)


class SortingLineOut(Schema):
    id: int
    stream: StreamName
    item_type_id: int | None
    size: str
    grade: str
    quantity: Decimal | None
    weight_kg: Decimal | None
    location_id: int | None


class SortingOut(Schema):
    id: int
    number: int
    reference: str
    site_id: int
    source_location_id: int
    source_item_type_id: int
    source_grade: str
    weight_kg: Decimal
    note: str
    created_at: datetime
    lines: list[SortingLineOut]


class SortingDetailOut(SortingOut):
    kg_out: Decimal = Field(..., description="Kilograms sorted out (estimates for counted items).")
    kg_unaccounted: Decimal = Field(..., description="Kilograms in minus out.")
    kg_unaccounted_percent: Decimal


@router.get(
    ORG + "/goods/sortings",
    response={200: list[SortingOut], **ERRORS},
    summary="Sortings of sacks by weight",
)
@org_endpoint(Action.VIEW_STOCK)
@paginate(PagePagination)
def sorting_list(request: HttpRequest, slug: str, filters: Query[ListFilter]):
    return queries.sortings(request.org, **filters.query_args()).prefetch_related("lines")


@router.post(
    ORG + "/goods/sortings",
    response={201: SortingDetailOut, **ERRORS},
    summary="Record a sorting: sacks taken by weight and what came out of them",
)
@org_endpoint(Action.MOVE_STOCK)
def sorting_create(request: HttpRequest, slug: str, payload: SortingIn):
    lines = [
        services.SortingLineIn(
            stream=line.stream,
            item_type=_item_type(request, line.item_type, f"lines.{i}.item_type"),
            size=line.size,
            grade=line.grade,
            quantity=line.quantity,
            weight_kg=line.weight_kg,
            location=_location(request, line.location_id, f"lines.{i}.location_id"),
        )
        for i, line in enumerate(payload.lines)
    ]
    sorting = services.record_sorting(
        org=request.org,
        source_location=_location(request, payload.source_location_id, "source_location_id"),
        source_item_type=_item_type(request, payload.source_item_type, "source_item_type"),
        source_grade=payload.source_grade,
        weight_kg=payload.weight_kg,
        lines=lines,
        note=payload.note,
        actor=request.user,
    )
    sorting = Sorting.objects.prefetch_related("lines").get(pk=sorting.pk)
    balance = queries.sorting_balance(sorting)
    return Status(
        201,
        {
            **{f: getattr(sorting, f) for f in SortingOut.model_fields if f != "lines"},
            "lines": list(sorting.lines.all()),
            "kg_out": balance.kg_out,
            "kg_unaccounted": balance.difference,
            "kg_unaccounted_percent": balance.percent,
        },
    )


# Transfers -----------------------------------------------------------------------------------


class TransferLineIn(Schema):
    item_type: ItemTypeRef
    size: Size = ""
    grade: GradeName = "good"
    quantity: Amount


class TransferIn(Schema):
    from_location_id: Id
    to_location_id: Id
    note: str = Field("", max_length=2000)
    lines: list[TransferLineIn] = Field(..., min_length=1, max_length=200)


class TransferLineOut(Schema):
    id: int
    item_type_id: int
    size: str
    grade: str
    quantity: Decimal


class TransferOut(Schema):
    id: int
    number: int
    reference: str
    from_location_id: int
    to_location_id: int
    status: TransferStatus = Field(
        ...,
        description="Between sites: in_transit until received; reversed once corrected "
        "(the goods are back at from_location).",
    )
    note: str
    created_at: datetime
    received_at: datetime | None
    lines: list[TransferLineOut]


class TransferFilter(ListFilter):
    status: TransferStatus | None = None


def _transfer_out(transfer_id: int) -> Transfer:
    return Transfer.objects.prefetch_related("lines").get(pk=transfer_id)


@router.get(
    ORG + "/goods/transfers",
    response={200: list[TransferOut], **ERRORS},
    summary="Transfers between locations and sites",
)
@org_endpoint(Action.VIEW_STOCK)
@paginate(PagePagination)
def transfer_list(request: HttpRequest, slug: str, filters: Query[TransferFilter]):
    return queries.transfers(
        request.org,
        status=filters.status or "",
        **filters.query_args(),
    ).prefetch_related("lines")


@router.post(
    ORG + "/goods/transfers",
    response={201: TransferOut, **ERRORS},
    summary="Send goods to another location (between sites: via in transit)",
)
@org_endpoint(Action.MOVE_STOCK)
def transfer_create(request: HttpRequest, slug: str, payload: TransferIn):
    transfer = services.send_transfer(
        org=request.org,
        from_location=_location(request, payload.from_location_id, "from_location_id"),
        to_location=_location(request, payload.to_location_id, "to_location_id"),
        lines=[
            services.TransferLineIn(
                item_type=_item_type(request, line.item_type, f"lines.{i}.item_type"),
                size=line.size,
                grade=line.grade,
                quantity=line.quantity,
            )
            for i, line in enumerate(payload.lines)
        ],
        note=payload.note,
        actor=request.user,
    )
    return Status(201, _transfer_out(transfer.pk))


@router.post(
    ORG + "/goods/transfers/{transfer_id}/receive",
    response={200: TransferOut, **ERRORS},
    summary="Receive a transfer that is in transit",
)
@org_endpoint(Action.MOVE_STOCK)
def transfer_receive(request: HttpRequest, slug: str, transfer_id: int):
    transfer = get_object_or_404(Transfer, pk=transfer_id)
    services.receive_transfer(org=request.org, transfer=transfer, actor=request.user)
    return _transfer_out(transfer.pk)


# Stock counts --------------------------------------------------------------------------------


class CountIn(Schema):
    location_id: Id
    note: str = Field("", max_length=2000)


class CountLineOut(Schema):
    id: int
    item_type_id: int
    size: str
    grade: str
    expected: Decimal
    counted: Decimal | None = Field(..., description="null: not counted yet.")
    difference: Decimal | None = Field(..., description="counted - expected.")


class CountOut(Schema):
    id: int
    number: int
    reference: str
    location_id: int
    status: Literal["open", "approved", "cancelled"]
    note: str
    created_at: datetime
    approved_at: datetime | None
    lines: list[CountLineOut]


class CountedIn(Schema):
    line_id: Id
    counted: Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=3)] | None = Field(
        ..., description="null: not counted (clears a count)."
    )


class CountExtraIn(Schema):
    item_type: ItemTypeRef
    size: Size = ""
    grade: GradeName = "good"
    counted: Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=3)]


class CountLinesIn(Schema):
    counted: list[CountedIn] = Field([], max_length=5000)
    extra: list[CountExtraIn] = Field(
        [], max_length=500, description="Goods found that the sheet did not expect."
    )


class CountFilter(ListFilter):
    status: Literal["open", "approved", "cancelled"] | None = None


def _count(count_id: int) -> StockCount:
    return get_object_or_404(StockCount.objects.prefetch_related("lines"), pk=count_id)


@router.get(
    ORG + "/goods/counts",
    response={200: list[CountOut], **ERRORS},
    summary="Stock counts",
)
@org_endpoint(Action.VIEW_STOCK)
@paginate(PagePagination)
def count_list(request: HttpRequest, slug: str, filters: Query[CountFilter]):
    return queries.counts(
        request.org,
        status=filters.status or "",
        **filters.query_args(),
    ).prefetch_related("lines")


@router.post(
    ORG + "/goods/counts",
    response={201: CountOut, **ERRORS},
    summary="Start a count: a sheet of what the location is expected to hold",
)
@org_endpoint(Action.MOVE_STOCK)
def count_create(request: HttpRequest, slug: str, payload: CountIn):
    count = services.start_count(
        org=request.org,
        location=_location(request, payload.location_id, "location_id"),
        note=payload.note,
        actor=request.user,
    )
    return Status(201, _count(count.pk))


@router.get(
    ORG + "/goods/counts/{count_id}",
    response={200: CountOut, **ERRORS},
    summary="One count sheet with its lines",
)
@org_endpoint(Action.VIEW_STOCK)
def count_detail(request: HttpRequest, slug: str, count_id: int):
    return _count(count_id)


@router.put(
    ORG + "/goods/counts/{count_id}/lines",
    response={200: CountOut, **ERRORS},
    summary="Enter counted quantities (and goods found that were not expected)",
)
@org_endpoint(Action.MOVE_STOCK)
def count_lines(request: HttpRequest, slug: str, count_id: int, payload: CountLinesIn):
    count = _count(count_id)
    services.record_counts(
        org=request.org,
        count=count,
        counted={line.line_id: line.counted for line in payload.counted},
        extra=[
            services.CountLineIn(
                item_type=_item_type(request, line.item_type, f"extra.{i}.item_type"),
                size=line.size,
                grade=line.grade,
                counted=line.counted,
            )
            for i, line in enumerate(payload.extra)
        ],
        actor=request.user,
    )
    return _count(count_id)


@router.post(
    ORG + "/goods/counts/{count_id}/approve",
    response={200: CountOut, **ERRORS},
    summary="Approve a count: each difference becomes a count adjustment",
)
@org_endpoint(Action.ADJUST_STOCK)
def count_approve(request: HttpRequest, slug: str, count_id: int):
    services.approve_count(org=request.org, count=_count(count_id), actor=request.user)
    return _count(count_id)


@router.post(
    ORG + "/goods/counts/{count_id}/cancel",
    response={200: CountOut, **ERRORS},
    summary="Cancel an open count (no stock changes)",
)
@org_endpoint(Action.ADJUST_STOCK)
def count_cancel(request: HttpRequest, slug: str, count_id: int):
    services.cancel_count(org=request.org, count=_count(count_id), actor=request.user)
    return _count(count_id)


# Disposal ------------------------------------------------------------------------------------


class DisposalLineIn(Schema):
    item_type: ItemTypeRef
    size: Size = ""
    grade: GradeName = "used"
    location_id: Id
    quantity: Amount
    weight_kg: Weight | None = Field(
        None, description="Empty: the quantity (kg types) or quantity x standard weight."
    )


class DisposalIn(Schema):
    kind: Literal["export", "recycle", "discard"]
    site_id: Id
    receiver_contact_id: Id | None = Field(None, description="Export: a registered contact.")
    receiver_name: str = Field("", max_length=200, description="Export: or a receiver's name.")
    reason: str = Field("", max_length=300, description="Required for recycle and discard.")
    shipped_on: date | None = Field(None, description="Default: today.")
    note: str = Field("", max_length=2000)
    lines: list[DisposalLineIn] = Field(..., min_length=1, max_length=200)


class DisposalLineOut(Schema):
    id: int
    item_type_id: int
    size: str
    grade: str
    location_id: int
    quantity: Decimal
    weight_kg: Decimal | None


class DisposalOut(Schema):
    id: int
    number: int
    reference: str
    kind: Literal["export", "recycle", "discard"]
    site_id: int
    receiver_contact_id: int | None
    receiver_name: str
    reason: str
    shipped_on: date
    note: str
    created_at: datetime
    lines: list[DisposalLineOut]


class DisposalFilter(ListFilter):
    kind: Literal["export", "recycle", "discard"] | None = None


@router.get(
    ORG + "/goods/disposals",
    response={200: list[DisposalOut], **ERRORS},
    summary="Disposal lots: export, recycling, discard",
)
@org_endpoint(Action.VIEW_STOCK)
@paginate(PagePagination)
def disposal_list(request: HttpRequest, slug: str, filters: Query[DisposalFilter]):
    return queries.disposals(
        request.org,
        kind=filters.kind or "",
        **filters.query_args(),
    ).prefetch_related("lines")


@router.post(
    ORG + "/goods/disposals",
    response={201: DisposalOut, **ERRORS},
    summary="Record a disposal lot and take its goods out of stock",
)
@org_endpoint(Action.MOVE_STOCK)
def disposal_create(request: HttpRequest, slug: str, payload: DisposalIn):
    site = Site.objects.filter(organization=request.org, pk=payload.site_id).first()
    if site is None:
        raise Invalid(_("There is no such site."), field="site_id")
    contact = None
    if payload.receiver_contact_id is not None:
        contact = Contact.objects.filter(
            organization=request.org, pk=payload.receiver_contact_id
        ).first()
        if contact is None:
            raise Invalid(_("There is no such contact."), field="receiver_contact_id")
    lot = services.record_disposal(
        org=request.org,
        kind=payload.kind,
        site=site,
        receiver_contact=contact,
        receiver_name=payload.receiver_name,
        reason=payload.reason,
        shipped_on=payload.shipped_on,
        note=payload.note,
        lines=[
            services.DisposalLineIn(
                item_type=_item_type(request, line.item_type, f"lines.{i}.item_type"),
                size=line.size,
                grade=line.grade,
                location=_location(request, line.location_id, f"lines.{i}.location_id"),
                quantity=line.quantity,
                weight_kg=line.weight_kg,
            )
            for i, line in enumerate(payload.lines)
        ],
        actor=request.user,
    )
    return Status(201, DisposalLot.objects.prefetch_related("lines").get(pk=lot.pk))
