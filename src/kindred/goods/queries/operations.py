"""Reads for sortings, transfers, stock counts and disposal lots: the lists (search,
filters, sorting), a sorting's kilogram balance, a count's review and a document's
movements with their corrections."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from kindred.core.models import Organization

from ..measures import line_weight
from ..models import (
    ZERO,
    DisposalLot,
    Movement,
    Sorting,
    StockBalance,
    StockCount,
    Stream,
    Transfer,
    Unit,
)

CORRECTION = "correction"

SORTING_SORTS = {"newest": "-number", "oldest": "number", "weight": "-weight_kg"}
TRANSFER_SORTS = {"newest": "-number", "oldest": "number"}
COUNT_SORTS = {"newest": "-number", "oldest": "number"}
DISPOSAL_SORTS = {"newest": "-number", "oldest": "number", "date": "-shipped_on"}


def _number(search: str) -> int | None:
    """ "S-12", "s12" or "12" -> 12."""
    text = search.strip().upper().lstrip("SCTD").lstrip("-").strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


def _search(qs: QuerySet, search: str, *columns: str) -> QuerySet:
    """Documents whose number is `search` ("T-12", "12") or whose text columns contain it."""
    if not search:
        return qs
    condition = reduce(or_, (Q(**{f"{column}__icontains": search}) for column in columns))
    number = _number(search)
    if number is not None:
        condition |= Q(number=number)
    return qs.filter(condition)


def _dates(qs: QuerySet, column: str, date_from: date | None, date_to: date | None):
    if date_from:
        qs = qs.filter(**{f"{column}__gte": date_from})
    if date_to:
        qs = qs.filter(**{f"{column}__lte": date_to})
    return qs


def sortings(
    org: Organization,
    *,
    search: str = "",
    site_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    sort: str = "newest",
) -> QuerySet[Sorting]:
    qs = Sorting.objects.filter(organization=org).select_related(
        "site", "source_location__site", "source_item_type", "created_by"
    )
    qs = _search(qs, search, "note", "source_location__name")
    if site_id:
        qs = qs.filter(site_id=site_id)
    qs = _dates(qs, "created_at__date", date_from, date_to)
    return qs.annotate(line_count=Count("lines")).order_by(
        SORTING_SORTS.get(sort, "-number"), "-pk"
    )


def transfers(
    org: Organization,
    *,
    search: str = "",
    site_id: int | None = None,
    status: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    sort: str = "newest",
) -> QuerySet[Transfer]:
    qs = Transfer.objects.filter(organization=org).select_related(
        "from_location__site", "to_location__site", "created_by"
    )
    qs = _search(qs, search, "note", "from_location__name", "to_location__name")
    if site_id:
        qs = qs.filter(Q(from_location__site_id=site_id) | Q(to_location__site_id=site_id))
    if status in Transfer.Status.values:
        qs = qs.filter(status=status)
    qs = _dates(qs, "created_at__date", date_from, date_to)
    return qs.annotate(line_count=Count("lines")).order_by(
        TRANSFER_SORTS.get(sort, "-number"), "-pk"
    )


def counts(
    org: Organization,
    *,
    search: str = "",
    site_id: int | None = None,
    status: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    sort: str = "newest",
) -> QuerySet[StockCount]:
    qs = StockCount.objects.filter(organization=org).select_related(
        "location__site", "created_by", "approved_by"
    )
    qs = _search(qs, search, "note", "location__name")
    if site_id:
        qs = qs.filter(location__site_id=site_id)
    if status in StockCount.Status.values:
        qs = qs.filter(status=status)
    qs = _dates(qs, "created_at__date", date_from, date_to)
    return qs.annotate(
        line_count=Count("lines"),
        counted_count=Count("lines", filter=Q(lines__counted__isnull=False)),
    ).order_by(COUNT_SORTS.get(sort, "-number"), "-pk")


def disposals(
    org: Organization,
    *,
    search: str = "",
    site_id: int | None = None,
    kind: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    sort: str = "newest",
) -> QuerySet[DisposalLot]:
    qs = DisposalLot.objects.filter(organization=org).select_related(
        "site", "receiver_contact", "created_by"
    )
    qs = _search(qs, search, "receiver_name", "receiver_contact__name", "reason", "note")
    if site_id:
        qs = qs.filter(site_id=site_id)
    if kind in DisposalLot.Kind.values:
        qs = qs.filter(kind=kind)
    qs = _dates(qs, "shipped_on", date_from, date_to)
    return qs.annotate(line_count=Count("lines"), total_kg=Sum("lines__weight_kg")).order_by(
        DISPOSAL_SORTS.get(sort, "-number"), "-pk"
    )


# A sorting's kilograms -----------------------------------------------------------------------


@dataclass(frozen=True)
class SortedLine:
    line: object  # SortingLine
    kg: Decimal | None  # None: counted items of a type without a standard weight
    estimated: bool  # kg from quantity x standard weight, not weighed


@dataclass(frozen=True)
class KgBalance:
    kg_in: Decimal
    kg_out: Decimal
    difference: Decimal  # in - out: positive when kilograms are unaccounted for
    percent: Decimal  # of kg_in
    lines: list[SortedLine]
    by_stream: list[tuple[str, Decimal]]  # (stream label, kg)


def sorting_balance(sorting: Sorting) -> KgBalance:
    """Kilograms in (the weight taken) against kilograms out: weighed streams as weighed,
    counted items as weighed when measured, else quantity x standard weight."""
    lines = []
    streams: dict[str, Decimal] = {}
    for line in sorting.lines.select_related("item_type", "location__site"):
        if line.weight_kg is not None:
            kg, estimated = line.weight_kg, False
        elif line.quantity is not None and line.item_type is not None:
            weight = line.item_type.standard_weight_kg
            if line.item_type.unit == Unit.KG:
                kg, estimated = line.quantity, False
            else:
                kg, estimated = (line.quantity * weight if weight else None), True
        else:
            kg, estimated = None, False
        lines.append(SortedLine(line, kg, estimated))
        if kg is not None:
            label = str(Stream(line.stream).label)
            streams[label] = streams.get(label, ZERO) + kg
    kg_out = sum((s.kg for s in lines if s.kg is not None), ZERO)
    difference = sorting.weight_kg - kg_out
    percent = (difference * 100 / sorting.weight_kg) if sorting.weight_kg else ZERO
    return KgBalance(
        kg_in=sorting.weight_kg,
        kg_out=kg_out.quantize(Decimal("0.001")),
        difference=difference.quantize(Decimal("0.001")),
        percent=percent.quantize(Decimal("0.1")),
        lines=lines,
        by_stream=sorted(streams.items()),
    )


def disposal_lines(lot: DisposalLot) -> tuple[list, Decimal]:
    """A lot's lines and their total kilograms (lines without a weight count as 0)."""
    lines = list(lot.lines.select_related("item_type", "location__site"))
    total = sum((line.weight_kg or ZERO for line in lines), ZERO)
    return lines, total


def disposal_line_weight(line) -> Decimal | None:
    return line_weight(line.item_type, line.quantity, line.weight_kg)


# A count's review ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CountRow:
    line: object  # StockCountLine
    current: Decimal  # the balance now (it may have moved since the count started)

    @property
    def difference(self) -> Decimal | None:
        return self.line.difference

    @property
    def after(self) -> Decimal | None:
        """The balance an approval would leave: now + (counted - expected)."""
        return None if self.difference is None else self.current + self.difference


def count_sheet(count: StockCount) -> list[CountRow]:
    lines = list(count.lines.select_related("item_type__category"))
    current = {
        (b.item_type_id, b.size, b.grade): b.quantity
        for b in StockBalance.objects.filter(location_id=count.location_id)
    }
    return [
        CountRow(line, current.get((line.item_type_id, line.size, line.grade), ZERO))
        for line in lines
    ]


# A document's movements ----------------------------------------------------------------------


def document_movements(org: Organization, document_type: str, document_id: int) -> QuerySet:
    """The movements of a document, each marked `is_reversed` when a correction undid it."""
    return (
        Movement.objects.filter(
            organization=org, document_type=document_type, document_id=document_id
        )
        .select_related("item_type", "from_location__site", "to_location__site", "actor")
        .annotate(is_reversed=Exists(Movement.objects.filter(reverses=OuterRef("pk"))))
        .order_by("pk")
    )


def document_corrections(org: Organization, document_type: str, document_id: int) -> QuerySet:
    """The movements that reversed this document's movements (services.corrections)."""
    return (
        Movement.objects.filter(
            organization=org,
            document_type=CORRECTION,
            reverses__document_type=document_type,
            reverses__document_id=document_id,
        )
        .select_related("item_type", "from_location__site", "to_location__site", "actor")
        .order_by("pk")
    )


def reversible(org: Organization, document_type: str, document_id: int) -> bool:
    """Whether the document has a movement no correction has undone yet."""
    return (
        Movement.objects.filter(
            organization=org,
            document_type=document_type,
            document_id=document_id,
            reverses__isnull=True,
        )
        .exclude(Exists(Movement.objects.filter(reverses=OuterRef("pk"))))
        .exists()
    )
