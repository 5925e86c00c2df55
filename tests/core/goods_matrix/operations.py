"""Goods matrix entries for sortings, transfers, stock counts, disposal lots and
corrections: build() adds a shop site with a location, a transfer in transit to it, a
sorting, an open count of the shelf with one line counted, and an export lot."""

from decimal import Decimal

from django_scopes import scope

from kindred.core.roles import Action
from kindred.goods.models import Movement, SortingLine, StockCount, StockCountLine, Stream, Transfer
from kindred.goods.services import (
    DisposalLineIn,
    SortingLineIn,
    TransferLineIn,
    record_counts,
    record_disposal,
    record_sorting,
    send_transfer,
    start_count,
)
from tests.conftest import item_type, make_location, make_site
from tests.core.endpoint import ORG_API_PREFIX, Endpoint

D = Decimal


def build(world, owner) -> None:
    org, goods = world.org, world.goods
    shelf, bin_ = goods["shelf"], goods["bin"]
    shop_site = make_site(org, "Matrix shop", kind="shop")
    shop_floor = make_location(org, shop_site, "Shop floor", kind="area")
    export = item_type(org, "export-textiles")
    with scope(organization=org):
        transfer = send_transfer(
            org=org,
            from_location=shelf,
            to_location=shop_floor,
            lines=[TransferLineIn(goods["toy"], "", "good", D(1))],
            actor=owner,
        )
        sorting = record_sorting(
            org=org,
            source_location=shelf,
            source_item_type=goods["sack"],
            source_grade="good",
            weight_kg=D(5),
            lines=[
                SortingLineIn(Stream.EXPORT, weight_kg=D(3), location=bin_),
                SortingLineIn(Stream.DISCARD, weight_kg=D(2)),
            ],
            actor=owner,
        )
        count = start_count(org=org, location=shelf, actor=owner)
        count_line = count.lines.get(item_type=goods["jacket"])
        record_counts(org=org, count=count, counted={count_line.pk: D(4)}, actor=owner)
        lot = record_disposal(
            org=org,
            kind="export",
            site=world.site,
            receiver_name="Matrix Export",
            lines=[DisposalLineIn(export, "", "used", bin_, D(1))],
            actor=owner,
        )
    goods.update(
        shop_floor=shop_floor,
        transfer=transfer,
        sorting=sorting,
        count=count,
        count_line=count_line,
        lot=lot,
    )


def _sorting(w) -> dict:
    return {"sorting_id": w.goods["sorting"].pk}


def _transfer(w) -> dict:
    return {"transfer_id": w.goods["transfer"].pk}


def _count(w) -> dict:
    return {"count_id": w.goods["count"].pk}


def _lot(w) -> dict:
    return {"disposal_id": w.goods["lot"].pk}


def _lines(prefix: str, *lines: dict) -> dict:
    data = {f"{prefix}-TOTAL_FORMS": str(len(lines)), f"{prefix}-INITIAL_FORMS": "0"}
    for index, line in enumerate(lines):
        data.update({f"{prefix}-{index}-{k}": v for k, v in line.items()})
    return data


def _new_sorting(w) -> dict:
    return {
        "source_location": w.goods["shelf"].pk,
        "source_item_type": w.goods["sack"].pk,
        "source_grade": "good",
        "weight_kg": "2",
        **_lines("lines", {"stream": "discard", "weight_kg": "2"}),
    }


def _new_transfer(w) -> dict:
    return {
        "from_location": w.goods["shelf"].pk,
        "to_location": w.goods["bin"].pk,
        **_lines("lines", {"item_type": w.goods["toy"].pk, "grade": "good", "quantity": "1"}),
    }


def _recorded_counts(w) -> dict:
    return {f"line-{w.goods['count_line'].pk}": "3", **_lines("extra")}


def _new_disposal(w) -> dict:
    return {
        "kind": "discard",
        "site": w.site.pk,
        "reason": "Broken",
        **_lines(
            "lines",
            {
                "item_type": w.goods["toy"].pk,
                "grade": "good",
                "location": w.goods["shelf"].pk,
                "quantity": "1",
            },
        ),
    }


def _reverse(w) -> dict:
    return {"document_type": "disposal", "document_id": w.goods["lot"].pk, "reason": "Typo"}


# What the writes change: a probe for each, false on the world as built.

Kind = Movement.Kind


def _sorted_two_kg(w) -> bool:
    """A sorting took 2 kg of sacks from the shelf and discarded them (the world's took 5)."""
    return (
        SortingLine.objects.filter(
            sorting__source_location=w.goods["shelf"],
            sorting__source_item_type=w.goods["sack"],
            sorting__weight_kg=2,
            stream="discard",
            weight_kg=2,
        ).exists()
        and Movement.objects.filter(
            kind=Kind.SORT,
            document_type="sorting",
            item_type=w.goods["sack"],
            grade="good",
            quantity=2,
            from_location=w.goods["shelf"],
        ).exists()
    )


def _toy_moved_to_bin(w) -> bool:
    return Movement.objects.filter(
        kind=Kind.TRANSFER,
        item_type=w.goods["toy"],
        grade="good",
        quantity=1,
        from_location=w.goods["shelf"],
        to_location=w.goods["bin"],
    ).exists()


def _transfer_received(w) -> bool:
    """The toy in transit arrived on the shop floor."""
    transfer = w.goods["transfer"]
    return (
        Transfer.objects.filter(pk=transfer.pk, status=Transfer.Status.DONE).exists()
        and Movement.objects.filter(
            kind=Kind.TRANSFER,
            document_type="transfer",
            document_id=transfer.pk,
            item_type=w.goods["toy"],
            quantity=1,
            to_location=w.goods["shop_floor"],
        ).exists()
    )


def _bin_counted(w) -> bool:
    return StockCount.objects.filter(
        location=w.goods["bin"], status=StockCount.Status.OPEN
    ).exists()


def _three_counted(w) -> bool:
    return StockCountLine.objects.filter(pk=w.goods["count_line"].pk, counted=3).exists()


def _count_approved(w) -> bool:
    """Approved, with its adjustment: four jackets counted of the five expected."""
    count = w.goods["count"]
    return (
        StockCount.objects.filter(pk=count.pk, status=StockCount.Status.APPROVED).exists()
        and Movement.objects.filter(
            kind=Kind.COUNT,
            document_type="count",
            document_id=count.pk,
            item_type=w.goods["jacket"],
            quantity=1,
            from_location=w.goods["shelf"],
        ).exists()
    )


def _count_cancelled(w) -> bool:
    return StockCount.objects.filter(
        pk=w.goods["count"].pk, status=StockCount.Status.CANCELLED
    ).exists()


def _toy_discarded(w) -> bool:
    return Movement.objects.filter(
        kind=Kind.DISCARD,
        document_type="disposal",
        item_type=w.goods["toy"],
        grade="good",
        quantity=1,
        from_location=w.goods["shelf"],
        reason__endswith=" Broken",
    ).exists()


def _lot_reversed(w) -> bool:
    return Movement.objects.filter(
        kind=Kind.CORRECTION,
        document_type="correction",
        reverses__document_type="disposal",
        reverses__document_id=w.goods["lot"].pk,
        reason="Typo",
    ).exists()


PAGES: list = [
    Endpoint("page", "goods:sortings", "GET", Action.VIEW_STOCK),
    Endpoint("page", "goods:sorting-new", "GET", Action.MOVE_STOCK),
    Endpoint(
        "page",
        "goods:sorting-new",
        "POST",
        Action.MOVE_STOCK,
        data=_new_sorting,
        effect=_sorted_two_kg,
        audit="sorting.recorded",
    ),
    Endpoint("page", "goods:sorting", "GET", Action.VIEW_STOCK, _sorting),
    Endpoint("page", "goods:transfers", "GET", Action.VIEW_STOCK),
    Endpoint("page", "goods:transfer-new", "GET", Action.MOVE_STOCK),
    Endpoint(
        "page",
        "goods:transfer-new",
        "POST",
        Action.MOVE_STOCK,
        data=_new_transfer,
        effect=_toy_moved_to_bin,
        audit="transfer.sent",
    ),
    Endpoint("page", "goods:transfer", "GET", Action.VIEW_STOCK, _transfer),
    Endpoint(
        "page",
        "goods:transfer-receive",
        "POST",
        Action.MOVE_STOCK,
        _transfer,
        effect=_transfer_received,
        audit="transfer.received",
    ),
    Endpoint("page", "goods:counts", "GET", Action.VIEW_STOCK),
    Endpoint("page", "goods:count-new", "GET", Action.MOVE_STOCK),
    Endpoint(
        "page",
        "goods:count-new",
        "POST",
        Action.MOVE_STOCK,
        data=lambda w: {"location": w.goods["bin"].pk},
        effect=_bin_counted,
        audit="count.started",
    ),
    Endpoint("page", "goods:count", "GET", Action.VIEW_STOCK, _count),
    Endpoint(
        "page",
        "goods:count-record",
        "POST",
        Action.MOVE_STOCK,
        _count,
        data=_recorded_counts,
        effect=_three_counted,
        audit="count.recorded",
    ),
    Endpoint(
        "page",
        "goods:count-approve",
        "POST",
        Action.ADJUST_STOCK,
        _count,
        effect=_count_approved,
        audit="count.approved",
    ),
    Endpoint(
        "page",
        "goods:count-cancel",
        "POST",
        Action.ADJUST_STOCK,
        _count,
        effect=_count_cancelled,
        audit="count.cancelled",
    ),
    Endpoint("page", "goods:disposals", "GET", Action.VIEW_STOCK),
    Endpoint("page", "goods:disposal-new", "GET", Action.MOVE_STOCK),
    Endpoint(
        "page",
        "goods:disposal-new",
        "POST",
        Action.MOVE_STOCK,
        data=_new_disposal,
        effect=_toy_discarded,
        audit="disposal.recorded",
    ),
    Endpoint("page", "goods:disposal", "GET", Action.VIEW_STOCK, _lot),
    Endpoint("page", "goods:disposal-waybill", "GET", Action.VIEW_STOCK, _lot),
    Endpoint(
        "page",
        "goods:document-reverse",
        "POST",
        Action.ADJUST_STOCK,
        data=_reverse,
        effect=_lot_reversed,
        audit="stock.corrected",
    ),
]

_GOODS = ORG_API_PREFIX + "/goods"


def _api_sorting(w) -> dict:
    return {
        "source_location_id": w.goods["shelf"].pk,
        "source_item_type": "unsorted-textiles",
        "source_grade": "good",
        "weight_kg": "2",
        "lines": [{"stream": "discard", "weight_kg": "2"}],
    }


def _api_transfer(w) -> dict:
    return {
        "from_location_id": w.goods["shelf"].pk,
        "to_location_id": w.goods["bin"].pk,
        "lines": [{"item_type": "toy", "quantity": "1"}],
    }


def _api_disposal(w) -> dict:
    return {
        "kind": "discard",
        "site_id": w.site.pk,
        "reason": "Broken",
        "lines": [
            {
                "item_type": w.goods["toy"].pk,
                "location_id": w.goods["shelf"].pk,
                "quantity": "1",
                "grade": "good",
            }
        ],
    }


API: list = [
    Endpoint("api", _GOODS + "/sortings", "GET", Action.VIEW_STOCK),
    Endpoint(
        "api",
        _GOODS + "/sortings",
        "POST",
        Action.MOVE_STOCK,
        data=_api_sorting,
        effect=_sorted_two_kg,
        audit="sorting.recorded",
    ),
    Endpoint("api", _GOODS + "/transfers", "GET", Action.VIEW_STOCK),
    Endpoint(
        "api",
        _GOODS + "/transfers",
        "POST",
        Action.MOVE_STOCK,
        data=_api_transfer,
        effect=_toy_moved_to_bin,
        audit="transfer.sent",
    ),
    Endpoint(
        "api",
        _GOODS + "/transfers/{transfer_id}/receive",
        "POST",
        Action.MOVE_STOCK,
        _transfer,
        effect=_transfer_received,
        audit="transfer.received",
    ),
    Endpoint("api", _GOODS + "/counts", "GET", Action.VIEW_STOCK),
    Endpoint(
        "api",
        _GOODS + "/counts",
        "POST",
        Action.MOVE_STOCK,
        data=lambda w: {"location_id": w.goods["bin"].pk},
        effect=_bin_counted,
        audit="count.started",
    ),
    Endpoint("api", _GOODS + "/counts/{count_id}", "GET", Action.VIEW_STOCK, _count),
    Endpoint(
        "api",
        _GOODS + "/counts/{count_id}/lines",
        "PUT",
        Action.MOVE_STOCK,
        _count,
        lambda w: {"counted": [{"line_id": w.goods["count_line"].pk, "counted": "3"}]},
        effect=_three_counted,
        audit="count.recorded",
    ),
    Endpoint(
        "api",
        _GOODS + "/counts/{count_id}/approve",
        "POST",
        Action.ADJUST_STOCK,
        _count,
        effect=_count_approved,
        audit="count.approved",
    ),
    Endpoint(
        "api",
        _GOODS + "/counts/{count_id}/cancel",
        "POST",
        Action.ADJUST_STOCK,
        _count,
        effect=_count_cancelled,
        audit="count.cancelled",
    ),
    Endpoint("api", _GOODS + "/disposals", "GET", Action.VIEW_STOCK),
    Endpoint(
        "api",
        _GOODS + "/disposals",
        "POST",
        Action.MOVE_STOCK,
        data=_api_disposal,
        effect=_toy_discarded,
        audit="disposal.recorded",
    ),
    Endpoint(
        "api",
        _GOODS + "/corrections",
        "GET",
        Action.VIEW_STOCK,
        query=lambda w: {"document_type": "disposal", "document_id": w.goods["lot"].pk},
    ),
    Endpoint(
        "api",
        _GOODS + "/corrections",
        "POST",
        Action.ADJUST_STOCK,
        data=_reverse,
        effect=_lot_reversed,
        audit="stock.corrected",
    ),
]
