"""Reads behind labels, the scan page and the location and one-off item pages.

A label's QR code holds the absolute URL of the location's or item's page; a handheld
scanner types that URL (or a printed code such as "L12" or "I34") into the scan page, which
turns it back into one of the organisation's objects here. Everything is looked up inside
the organisation: another organisation's code is simply unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db.models import Q, QuerySet
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from kindred.core.errors import DomainError, NotFound
from kindred.core.models import Organization

from ..models import Location, Movement, OneOffItem, StockBalance

# "L12", "l 12", "I-34": a code as printed under the QR code, typed by hand or by a scanner.
CODE = re.compile(r"^([LI])\s*-?\s*(\d{1,12})$", re.IGNORECASE)
MOVEMENTS_SHOWN = 50
MAX_LABELS = 480  # 20 sheets of 24: a PDF that renders in seconds, not minutes
PATH_SEPARATOR = " \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} "


@dataclass(frozen=True)
class ScanTarget:
    kind: str  # "location" or "item"
    pk: int

    @property
    def route(self) -> str:
        return f"goods:{self.kind}"

    @property
    def kwargs(self) -> dict:
        return {f"{self.kind}_id": self.pk}


def _parse(org: Organization, text: str) -> ScanTarget | None:
    """What `text` points at, before checking that it exists: a code or a Kindred URL of
    this organisation's location or item page. None when it is neither."""
    match = CODE.match(text)
    if match:
        kind = "location" if match.group(1).upper() == "L" else "item"
        return ScanTarget(kind, int(match.group(2)))
    parts = urlsplit(text)
    if not parts.path.startswith("/"):
        return None
    try:
        found = resolve(parts.path)
    except Resolver404:
        return None
    # Any host: the label may have been printed on another address of the same server.
    # The organisation in the path must be this one; the object is then looked up in it.
    if found.namespace != "goods" or found.kwargs.get("org_slug") != org.slug:
        return None
    if found.url_name in {"location", "item"}:
        return ScanTarget(found.url_name, int(found.kwargs[f"{found.url_name}_id"]))
    if found.url_name == "item-photo":
        return ScanTarget("item", int(found.kwargs["item_id"]))
    return None


def resolve_scan(org: Organization, text: str) -> ScanTarget:
    """The organisation's location or one-off item a scanned or typed `text` names.

    Raises DomainError (400) for text that is no code or Kindred address, NotFound (404)
    for a code of nothing in this organisation (another organisation's included)."""
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Scan a label or type its code."), field="code")
    target = _parse(org, text)
    if target is None:
        raise DomainError(
            _("This is not a Kindred label. Scan a label's QR code or type a code like L12."),
            field="code",
        )
    model = Location if target.kind == "location" else OneOffItem
    if not model.objects.filter(organization=org, pk=target.pk).exists():
        raise NotFound(
            _("Nothing here has the code %(code)s.")
            % {"code": f"{'L' if target.kind == 'location' else 'I'}{target.pk}"},
            field="code",
        )
    return target


# Choosing what to print --------------------------------------------------------------------

LOCATION_SORTS = {
    "name": ("site__name", "name", "pk"),
    "kind": ("kind", "site__name", "name", "pk"),
    "newest": ("-pk",),
}
ITEM_SORTS = {
    "newest": ("-pk",),
    "oldest": ("pk",),
    "type": ("item_type__name", "item_type__code", "pk"),
}


def label_locations(
    org: Organization,
    *,
    site_id: int | None = None,
    kind: str = "",
    search: str = "",
    sort: str = "name",
) -> QuerySet[Location]:
    """The organisation's locations that can get a label (not archived, not in transit)."""
    qs = (
        Location.objects.filter(organization=org, archived=False)
        .exclude(kind=Location.Kind.TRANSIT)
        .select_related("site", "parent")
    )
    if site_id:
        qs = qs.filter(site_id=site_id)
    if kind:
        qs = qs.filter(kind=kind)
    if search:
        code = CODE.match(search)
        if code and code.group(1).upper() == "L":
            qs = qs.filter(pk=int(code.group(2)))
        else:
            qs = qs.filter(Q(name__icontains=search) | Q(parent__name__icontains=search))
    return qs.order_by(*LOCATION_SORTS.get(sort, LOCATION_SORTS["name"]))


def label_items(
    org: Organization,
    *,
    item_type_id: int | None = None,
    status: str = "",
    search: str = "",
    sort: str = "newest",
) -> QuerySet[OneOffItem]:
    qs = OneOffItem.objects.filter(organization=org).select_related(
        "item_type", "location", "location__site"
    )
    if item_type_id:
        qs = qs.filter(item_type_id=item_type_id)
    if status:
        qs = qs.filter(status=status)
    if search:
        code = CODE.match(search)
        if code and code.group(1).upper() == "I":
            qs = qs.filter(pk=int(code.group(2)))
        else:
            qs = qs.filter(
                Q(description__icontains=search)
                | Q(item_type__name__icontains=search)
                | Q(item_type__code__icontains=search)
                | Q(size__iexact=search)
            )
    return qs.order_by(*ITEM_SORTS.get(sort, ITEM_SORTS["newest"]))


def _ids(values: list[str], field: str) -> list[int]:
    try:
        ids = [int(v) for v in values if str(v).strip()]
    except ValueError:
        raise DomainError(_("Choose labels from the list."), field=field) from None
    return list(dict.fromkeys(ids))  # each once, in the order chosen


def chosen_for_labels(
    org: Organization, *, location_ids: list[str], item_ids: list[str]
) -> tuple[list[Location], list[OneOffItem]]:
    """The organisation's locations and items with these ids, in the order given.

    An id that is not the organisation's refuses the whole sheet (DomainError) rather than
    printing what is left: a sheet must never show another organisation's object, nor
    silently miss one the user chose."""
    loc_ids = _ids(location_ids, "location")
    itm_ids = _ids(item_ids, "item")
    if not loc_ids and not itm_ids:
        raise DomainError(_("Choose at least one location or item to print."), field="location")
    if len(loc_ids) + len(itm_ids) > MAX_LABELS:
        raise DomainError(
            _("Print at most %(max)s labels at a time.") % {"max": MAX_LABELS}, field="location"
        )
    locations = {
        loc.pk: loc
        for loc in Location.objects.filter(organization=org, pk__in=loc_ids).select_related("site")
    }
    items = {
        item.pk: item
        for item in OneOffItem.objects.filter(organization=org, pk__in=itm_ids).select_related(
            "item_type", "location"
        )
    }
    if len(locations) != len(loc_ids) or len(items) != len(itm_ids):
        # 400 like any bad choice: whether the id exists elsewhere is nobody's business.
        raise DomainError(
            _("Some of the chosen locations or items do not exist. Choose them again."),
            field="location" if len(locations) != len(loc_ids) else "item",
        )
    return [locations[i] for i in loc_ids], [items[i] for i in itm_ids]


# Paths: site > room > shelf > bin ----------------------------------------------------------


def location_paths(org: Organization, locations) -> dict[int, list[Location]]:
    """For each location, its ancestors from the top down and itself, from one query."""
    wanted = list(locations)
    if not wanted:
        return {}
    site_ids = {loc.site_id for loc in wanted}
    by_pk = {
        loc.pk: loc
        for loc in Location.objects.filter(organization=org, site_id__in=site_ids).only(
            "pk", "parent_id", "name", "kind", "site_id"
        )
    }
    paths = {}
    for loc in wanted:
        chain, seen, node = [loc], {loc.pk}, by_pk.get(loc.parent_id)
        while node is not None and node.pk not in seen:  # a cycle cannot loop forever
            chain.append(node)
            seen.add(node.pk)
            node = by_pk.get(node.parent_id)
        paths[loc.pk] = chain[::-1]
    return paths


def path_text(path: list[Location]) -> str:
    return PATH_SEPARATOR.join(str(loc.label) for loc in path)


# The location page and the item page -------------------------------------------------------


@dataclass
class LocationPage:
    location: Location
    path: list[Location]
    children: list[Location]
    stock: list[StockBalance]
    items: list[OneOffItem]
    movements: list[Movement]


def location_page(org: Organization, location: Location) -> LocationPage:
    """What lies at a location, what is inside it and what moved in or out lately."""
    children = list(
        Location.objects.filter(organization=org, parent=location, archived=False).order_by(
            "name", "pk"
        )
    )
    stock = list(
        StockBalance.objects.filter(organization=org, location=location, quantity__gt=0)
        .select_related("item_type")
        .order_by("item_type__category__position", "item_type_id", "size", "grade")
    )
    items = list(
        OneOffItem.objects.filter(
            organization=org, location=location, status=OneOffItem.Status.IN_STOCK
        ).select_related("item_type")
    )
    movements = list(
        Movement.objects.filter(organization=org)
        .filter(Q(from_location=location) | Q(to_location=location))
        .select_related("item_type", "from_location", "to_location", "actor")
        .order_by("-created_at", "-pk")[:MOVEMENTS_SHOWN]
    )
    path = location_paths(org, [location])[location.pk]
    return LocationPage(location, path, children, stock, items, movements)
