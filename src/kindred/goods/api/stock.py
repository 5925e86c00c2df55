"""API: stock balances, movements (read-only), stock at a past moment, low stock and
low-stock levels. Thin: parse, call one query or service. Filters are the stock pages'
own (goods.queries.stock); an id of another organisation simply matches nothing."""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
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

from ..models import ItemType, StockBalance, Threshold
from ..queries import stock as q
from ..services import thresholds as threshold_services
from .common import ORG, router

MAX_ID = 2**63 - 1
GradeName = Literal["new", "good", "used", "worn", "unsorted"]
KindName = Literal[
    "intake",
    "sort",
    "transfer",
    "reserve",
    "release",
    "handout",
    "to_shop",
    "sale",
    "export",
    "recycle",
    "discard",
    "count",
    "correction",
]
DocumentName = Literal["receipt", "sorting", "transfer", "count", "disposal"]
SortName = Literal["item", "size", "location", "quantity", "-quantity", "updated", "-updated"]


def _id(description: str):
    return Field(None, ge=1, le=MAX_ID, description=description)


# Balances ----------------------------------------------------------------------------------


class BalanceFilter(Schema):
    site: int | None = _id("Only this site.")
    location: int | None = _id("Only this location and the locations inside it.")
    category: int | None = _id("Only this category and its sub-categories.")
    item_type: int | None = _id("Only this item type.")
    size: str = Field("", max_length=10)
    grade: GradeName | Literal[""] = ""
    available: bool = Field(False, description="Only rows with stock that is not reserved.")
    low: bool = Field(False, description="Only item types below a low-stock level.")
    include_empty: bool = Field(
        False, description="Also the rows whose quantity went to 0 (they are kept, at 0)."
    )
    q: str = Field(
        "", max_length=100, description="Item type name (caller's language), code or location."
    )
    sort: SortName = "item"


class BalanceOut(Schema):
    item_type_id: int
    item_type_code: str
    item_type_label: str
    size: str
    grade: GradeName
    location_id: int
    location_name: str
    site_id: int
    quantity: Decimal
    reserved: Decimal
    available: Decimal
    kg: Decimal = Field(..., description="Quantity times the standard weight per unit.")

    @staticmethod
    def resolve_item_type_code(obj: StockBalance) -> str:
        return obj.item_type.code

    @staticmethod
    def resolve_item_type_label(obj: StockBalance) -> str:
        return str(obj.item_type.label)

    @staticmethod
    def resolve_location_name(obj: StockBalance) -> str:
        return str(obj.location.label)

    @staticmethod
    def resolve_site_id(obj: StockBalance) -> int:
        return obj.location.site_id


def _stock_filter(filters: BalanceFilter) -> q.StockFilter:
    return q.StockFilter(
        site=filters.site,
        location=filters.location,
        category=filters.category,
        item_type=filters.item_type,
        size=filters.size.strip().upper(),
        grade=filters.grade,
        available_only=filters.available,
        low_only=filters.low,
        search=filters.q.strip(),
        include_empty=filters.include_empty,
    )


@router.get(
    ORG + "/goods/balances",
    response={200: list[BalanceOut], **ERRORS},
    summary="Current stock: one row per location, item type, size and condition",
)
@org_endpoint(Action.VIEW_STOCK)
@paginate(PagePagination)
def balance_list(request: HttpRequest, slug: str, filters: Query[BalanceFilter]):
    return q.balances(request.org, _stock_filter(filters), sort=filters.sort)


# Movements ---------------------------------------------------------------------------------


class MovementQuery(Schema):
    item_type: int | None = _id("Only this item type.")
    location: int | None = _id("Into or out of this location (or one inside it).")
    site: int | None = _id("Into or out of a location of this site.")
    kind: KindName | Literal[""] = ""
    since: datetime | None = Field(None, description="From this moment (ISO 8601).")
    until: datetime | None = Field(None, description="Before this moment (ISO 8601).")
    document_type: DocumentName | Literal[""] = ""
    document_id: int | None = _id("The document's id (with document_type).")
    order: Literal["newest", "oldest"] = "newest"


class MovementOut(Schema):
    id: int
    kind: KindName
    item_type_id: int
    item_type_label: str
    size: str
    grade: GradeName
    quantity: Decimal
    from_location_id: int | None
    to_location_id: int | None
    document_type: str
    document_id: int | None
    reverses_id: int | None
    reason: str
    actor_id: int | None
    created_at: datetime

    @staticmethod
    def resolve_item_type_label(obj) -> str:
        return str(obj.item_type.label)


def _aware(moment: datetime | None, field: str = "at") -> datetime | None:
    """`moment` in UTC. PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 allows,
    and a moment near year 1 or 9999 may not convert at all: both are the caller's
    input error, not ours."""
    if moment is None:
        return None
    if not timezone.is_aware(moment):
        moment = timezone.make_aware(moment, timezone.get_current_timezone())
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):
        raise Invalid(
            _("Enter a date (2024-05-31) or a date and time (2024-05-31T18:00)."), field=field
        ) from None


@router.get(
    ORG + "/goods/movements",
    response={200: list[MovementOut], **ERRORS},
    summary="Movements of the stock ledger (read-only)",
)
@org_endpoint(Action.VIEW_STOCK)
@paginate(PagePagination)
def movement_list(request: HttpRequest, slug: str, filters: Query[MovementQuery]):
    f = q.MovementFilter(
        item_type=filters.item_type,
        location=filters.location,
        site=filters.site,
        kind=filters.kind,
        since=_aware(filters.since, "since"),
        until=_aware(filters.until, "until"),
        document_type=filters.document_type,
        document_id=filters.document_id,
    )
    return q.movements(request.org, f, oldest_first=filters.order == "oldest")


# Stock at a past moment --------------------------------------------------------------------


class StockAtQuery(Schema):
    at: str = Field(
        ...,
        max_length=40,
        description="ISO 8601 date (the end of that day in the organisation's time zone) or "
        "date and time.",
        # Documented, not enforced here: _moment reads it and names what is wrong.
        json_schema_extra={
            "pattern": r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
            r"([T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)?)?$"
        },
    )
    site: int | None = _id("Only this site.")
    category: int | None = _id("Only this category and its sub-categories.")
    q: str = Field("", max_length=100)


class PastRowOut(Schema):
    item_type_id: int
    item_type_code: str
    item_type_label: str
    size: str
    grade: GradeName
    location_id: int
    site_id: int
    quantity: Decimal
    kg: Decimal


class TotalsOut(Schema):
    rows: int
    quantity: Decimal
    kg: Decimal
    value: Decimal


class StockAtOut(Schema):
    at: datetime
    items: list[PastRowOut]
    totals: TotalsOut


def _moment(text: str) -> datetime:
    text = text.strip()
    tz = timezone.get_current_timezone()
    try:
        if len(text) <= 10:
            # In UTC, like every moment the API answers: a zone's offset long ago may have
            # seconds (Copenhagen's +00:50:20 before 1894), which RFC 3339 cannot write.
            return _aware(q.end_of_day(date.fromisoformat(text), tz))
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(
            _("Enter a date (2024-05-31) or a date and time (2024-05-31T18:00)."), field="at"
        ) from None
    return _aware(moment)


@router.get(
    ORG + "/goods/stock-at",
    response={200: StockAtOut, **ERRORS},
    summary="Stock at a past moment, computed from the movements",
)
@org_endpoint(Action.VIEW_STOCK)
def stock_at(request: HttpRequest, slug: str, filters: Query[StockAtQuery]):
    moment = _moment(filters.at)
    result = q.stock_at_date(
        request.org, moment, site=filters.site, category=filters.category, search=filters.q
    )
    items = [
        {
            "item_type_id": r.item_type.pk,
            "item_type_code": r.item_type.code,
            "item_type_label": str(r.item_type.label),
            "size": r.size,
            "grade": r.grade,
            "location_id": r.location.pk,
            "site_id": r.location.site_id,
            "quantity": r.quantity,
            "kg": r.kg,
        }
        for r in result.rows
    ]
    totals = result.totals
    return {
        "at": moment,
        "items": items,
        "totals": {
            "rows": totals.rows,
            "quantity": totals.quantity,
            "kg": totals.kg,
            "value": totals.value,
        },
    }


# Low stock and levels ----------------------------------------------------------------------


class ThresholdOut(Schema):
    id: int
    item_type_id: int
    item_type_label: str
    size: str = Field(..., description="Empty: all sizes together.")
    site_id: int | None = Field(..., description="None: the whole organisation.")
    minimum: Decimal
    public: bool

    @staticmethod
    def resolve_item_type_label(obj: Threshold) -> str:
        return str(obj.item_type.label)


class LowStockOut(Schema):
    id: int = Field(..., description="The low-stock level's id.")
    item_type_id: int
    item_type_label: str
    size: str
    site_id: int | None
    minimum: Decimal
    public: bool
    available: Decimal = Field(..., description="In stock minus reserved.")
    missing: Decimal = Field(..., description="Minimum minus available.")


class SiteQuery(Schema):
    site: int | None = _id("Only the levels of this site.")


def _low(low: q.LowStock) -> dict:
    t = low.threshold
    return {
        "id": t.pk,
        "item_type_id": t.item_type_id,
        "item_type_label": str(t.item_type.label),
        "size": t.size,
        "site_id": t.site_id,
        "minimum": t.minimum,
        "public": t.public,
        "available": low.available,
        "missing": low.missing,
    }


@router.get(
    ORG + "/goods/low-stock",
    response={200: list[LowStockOut], **ERRORS},
    summary="Item types whose available stock is below their low-stock level",
)
@org_endpoint(Action.VIEW_STOCK)
def low_stock(request: HttpRequest, slug: str, filters: Query[SiteQuery]):
    return [_low(low) for low in q.low_stock(request.org, site=filters.site)]


@router.get(
    ORG + "/goods/thresholds",
    response={200: list[ThresholdOut], **ERRORS},
    summary="Low-stock levels",
)
@org_endpoint(Action.VIEW_STOCK)
@paginate(PagePagination)
def threshold_list(request: HttpRequest, slug: str, filters: Query[SiteQuery]):
    return q.thresholds(request.org, site=filters.site)


class ThresholdIn(Schema):
    item_type_id: int = Field(..., ge=1, le=MAX_ID)
    size: str = Field("", max_length=10, description="Empty: all sizes together.")
    site_id: int | None = Field(None, ge=1, le=MAX_ID, description="None: the whole org.")
    minimum: Decimal = Field(..., ge=0, max_digits=14, decimal_places=3)
    public: bool = Field(True, description="Show on the public needs list when below.")


@router.put(
    ORG + "/goods/thresholds",
    response={200: ThresholdOut, **ERRORS},
    summary="Set a low-stock level (created, or changed when it exists)",
    description="A level is identified by item type, size and site.",
)
@org_endpoint(Action.MANAGE_CATALOGUE)
def threshold_put(request: HttpRequest, slug: str, payload: ThresholdIn):
    org = request.org
    item_type = ItemType.objects.filter(organization=org, pk=payload.item_type_id).first()
    if item_type is None:
        raise Invalid(_("Choose an item type."), field="item_type_id")
    site = None
    if payload.site_id is not None:
        site = Site.objects.filter(organization=org, pk=payload.site_id).first()
        if site is None:
            raise Invalid(_("Choose a site."), field="site_id")
    return threshold_services.set_threshold(
        org=org,
        item_type=item_type,
        size=payload.size,
        site=site,
        minimum=payload.minimum,
        public=payload.public,
        actor=request.user,
    )


@router.delete(
    ORG + "/goods/thresholds/{threshold_id}",
    response={204: None, **ERRORS},
    summary="Remove a low-stock level",
)
@org_endpoint(Action.MANAGE_CATALOGUE)
def threshold_delete(request: HttpRequest, slug: str, threshold_id: int):
    threshold = get_object_or_404(
        Threshold.objects.filter(organization=request.org).select_related("item_type"),
        pk=threshold_id,
    )
    threshold_services.delete_threshold(org=request.org, threshold=threshold, actor=request.user)
    return Status(204, None)
