"""API: the catalogue (categories and item types) and storage locations. Thin: parse, look
up within the organisation, call one service or query. Names of built-in categories and
item types follow the caller's language (Accept-Language, or the user's saved language)."""

from decimal import Decimal
from typing import Literal

from django.db import transaction
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

from .. import services
from ..models import Category, ItemType, Location
from ..queries import catalogue as queries
from ..sizes import sizes_for
from .common import ORG, router

SizeSystemName = Literal["none", "children", "shoes", "adult"]
UnitName = Literal["piece", "pair", "set", "kg"]
FitName = Literal["", "female", "male"]
AgeName = Literal["", "baby", "child", "teen", "adult"]
LocationKind = Literal["room", "shelf", "bin", "area", "transit"]
ManualKind = Literal["room", "shelf", "bin", "area"]
MAX_ID = 2**63 - 1


class ItemTypeOut(Schema):
    id: int
    code: str = Field(
        ...,
        description="Built-in types' fixed code, or the code you gave your own type; may be empty.",
    )
    name: str = Field(..., description="In the caller's language for built-in types.")
    category_id: int
    size_system: SizeSystemName
    sizes: list[str] = Field(..., description="The sizes stock is recorded in; [] for none.")
    unit: UnitName
    fit: FitName
    age: AgeName
    standard_weight_kg: Decimal = Field(..., description="Kilograms per unit.")
    fair_value: Decimal | None = Field(None, description="Per unit, in the org's currency.")
    one_off: bool = Field(..., description="Registered one by one (furniture), not counted.")
    hidden: bool = Field(..., description="Hidden by itself.")
    offered: bool = Field(
        ..., description="Offered for new stock: neither it nor its category is hidden."
    )


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    parent_id: int | None
    hidden: bool
    item_types: list[ItemTypeOut]


class CatalogueOut(Schema):
    categories: list[CategoryOut] = Field(..., description="In tree order, parents first.")


class CatalogueFilter(Schema):
    include_hidden: bool = Field(True, description="Include hidden categories and item types.")


CODE_DESCRIPTION = (
    "Your own code for the type (letters, digits, - and _; at most 60), unique in the "
    "organisation ignoring case (409 when taken). Built-in types' codes are fixed and "
    "reserved: they give a built-in type its name in every language."
)


class ItemTypeIn(Schema):
    category_id: int = Field(..., ge=1, le=MAX_ID)
    name: str = Field(..., min_length=1, max_length=100)
    code: str = Field("", max_length=60, description=CODE_DESCRIPTION)
    size_system: SizeSystemName = "none"
    unit: UnitName = "piece"
    fit: FitName = ""
    age: AgeName = ""
    standard_weight_kg: Decimal = Field(Decimal("0"), ge=0, max_digits=8, decimal_places=3)
    fair_value: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)
    one_off: bool = False
    hidden: bool = False


class ItemTypePatch(Schema):
    category_id: int | None = Field(None, ge=1, le=MAX_ID)
    code: str | None = Field(
        None, max_length=60, description=CODE_DESCRIPTION + ' "" or null removes it.'
    )
    name: str | None = Field(
        None, max_length=100, description='"" gives a built-in type its built-in name back.'
    )
    size_system: SizeSystemName | None = Field(
        None, description="Refused (409) once stock has been recorded in the type."
    )
    unit: UnitName | None = Field(
        None, description="Refused (409) once stock has been recorded in the type."
    )
    fit: FitName | None = None
    age: AgeName | None = None
    standard_weight_kg: Decimal | None = Field(None, ge=0, max_digits=8, decimal_places=3)
    fair_value: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)
    one_off: bool | None = None
    hidden: bool | None = None


class LocationOut(Schema):
    id: int
    code: str = Field(..., description="Printed on its label, e.g. L12.")
    site_id: int
    site_name: str
    parent_id: int | None
    name: str
    path: list[str] = Field(..., description="Names from the top of the site down to it.")
    kind: LocationKind
    archived: bool
    units: Decimal = Field(..., description="Pieces, pairs and sets in stock right here.")
    kg: Decimal = Field(..., description="Kilograms of goods counted by weight right here.")


class LocationFilter(Schema):
    site: int | None = Field(None, ge=1, le=MAX_ID, description="Only this site's locations.")
    q: str = Field("", max_length=200, description="Search in the names and the code.")
    show: Literal["active", "archived", "all"] = Field(
        "active", description="Locations in use (default), archived, or all."
    )
    sort: Literal["site", "name", "-name"] = Field(
        "site", description="Site and tree order (default) or name."
    )


class LocationIn(Schema):
    site_id: int = Field(..., ge=1, le=MAX_ID)
    parent_id: int | None = Field(None, ge=1, le=MAX_ID, description="Inside this location.")
    name: str = Field(..., min_length=1, max_length=100)
    kind: ManualKind = "shelf"


class LocationPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    kind: ManualKind | None = None
    parent_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="Move inside this location; null: to the top."
    )
    archived: bool | None = Field(
        None, description="Archive (only when empty, nothing inside) or restore."
    )


def _item_type_out(item_type: ItemType, category_hidden: bool = False) -> dict:
    return {
        "id": item_type.pk,
        "code": item_type.code,
        "name": item_type.label,
        "category_id": item_type.category_id,
        "size_system": item_type.size_system,
        "sizes": [s for s in sizes_for(item_type.size_system) if s],
        "unit": item_type.unit,
        "fit": item_type.fit,
        "age": item_type.age,
        "standard_weight_kg": item_type.standard_weight_kg,
        "fair_value": item_type.fair_value,
        "one_off": item_type.one_off,
        "hidden": item_type.hidden,
        "offered": not (item_type.hidden or category_hidden),
    }


def _item_type_detail(org, pk: int) -> dict:
    item_type = ItemType.objects.select_related("category").get(organization=org, pk=pk)
    hidden = {c.pk: c.hidden_here for c in queries.category_tree(org)}
    return _item_type_out(item_type, hidden.get(item_type.category_id, False))


def _category(org, category_id: int | None) -> Category | None:
    if category_id is None:
        return None
    category = Category.objects.filter(organization=org, pk=category_id).first()
    if category is None:
        raise Invalid(_("Choose a category of this organisation."), field="category_id")
    return category


def _location_out(org, pk: int) -> dict:
    location = Location.objects.select_related("site").get(organization=org, pk=pk)
    found = {
        loc.pk: loc for loc in queries.location_tree(org, site_id=location.site_id, archived=None)
    }
    return _location_row(found[location.pk])


def _location_row(location: Location) -> dict:
    return {
        "id": location.pk,
        "code": location.code,
        "site_id": location.site_id,
        "site_name": location.site.name,
        "parent_id": location.parent_id,
        "name": str(location.label),
        "path": location.path,
        "kind": location.kind,
        "archived": location.archived,
        "units": location.units,
        "kg": location.kg,
    }


def _parent(org, parent_id: int | None) -> Location | None:
    if parent_id is None:
        return None
    parent = Location.objects.filter(organization=org, pk=parent_id).first()
    if parent is None:
        raise Invalid(_("Choose a location of this organisation."), field="parent_id")
    return parent


# Catalogue ---------------------------------------------------------------------------------


@router.get(
    ORG + "/goods/catalogue",
    response={200: CatalogueOut, **ERRORS},
    summary="The catalogue: categories with their item types",
)
@org_endpoint(Action.VIEW_STOCK)
def catalogue(request: HttpRequest, slug: str, filters: Query[CatalogueFilter]):
    org = request.org
    services.ensure_catalogue(org)
    categories = queries.catalogue_with_types(org, include_hidden=filters.include_hidden)
    return {
        "categories": [
            {
                **{k: c[k] for k in ("id", "code", "name", "parent_id", "hidden")},
                "item_types": [_item_type_out(t, c["hidden"]) for t in c["item_types"]],
            }
            for c in categories
        ]
    }


@router.post(
    ORG + "/goods/item-types",
    response={201: ItemTypeOut, **ERRORS},
    summary="Add an item type",
)
@org_endpoint(Action.MANAGE_CATALOGUE)
def item_type_create(request: HttpRequest, slug: str, payload: ItemTypeIn):
    org = request.org
    values = payload.dict()
    values["category"] = _category(org, values.pop("category_id"))
    item_type = services.create_item_type(org=org, values=values, actor=request.user)
    return Status(201, _item_type_detail(org, item_type.pk))


@router.patch(
    ORG + "/goods/item-types/{item_type_id}",
    response={200: ItemTypeOut, **ERRORS},
    summary="Change, rename or hide an item type",
)
@org_endpoint(Action.MANAGE_CATALOGUE)
def item_type_update(request: HttpRequest, slug: str, item_type_id: int, payload: ItemTypePatch):
    org = request.org
    item_type = get_object_or_404(ItemType.objects.filter(organization=org), pk=item_type_id)
    values = payload.dict(exclude_unset=True)
    if "category_id" in values:
        category_id = values.pop("category_id")
        if category_id is None:
            raise Invalid(_("Choose a category."), field="category_id")
        values["category"] = _category(org, category_id)
    for field in ("name", "code"):
        if field in values and values[field] is None:
            values[field] = ""
    services.update_item_type(org=org, item_type=item_type, values=values, actor=request.user)
    return _item_type_detail(org, item_type.pk)


# Locations ---------------------------------------------------------------------------------


@router.get(
    ORG + "/goods/locations",
    response={200: list[LocationOut], **ERRORS},
    summary="Storage locations, per site in tree order, with the stock each holds",
)
@org_endpoint(Action.VIEW_STOCK)
@paginate(PagePagination)
def location_list(request: HttpRequest, slug: str, filters: Query[LocationFilter]):
    rows = queries.location_tree(
        request.org,
        site_id=filters.site,
        search=filters.q.strip(),
        archived={"active": False, "archived": True, "all": None}[filters.show],
        sort=filters.sort,
    )
    return [_location_row(loc) for loc in rows]


@router.post(
    ORG + "/goods/locations",
    response={201: LocationOut, **ERRORS},
    summary="Add a room, shelf, bin or area",
)
@org_endpoint(Action.MANAGE_CATALOGUE)
def location_create(request: HttpRequest, slug: str, payload: LocationIn):
    org = request.org
    site = Site.objects.filter(organization=org, pk=payload.site_id).first()
    if site is None:
        raise Invalid(_("Choose a site of this organisation."), field="site_id")
    values = {"name": payload.name, "kind": payload.kind, "parent": _parent(org, payload.parent_id)}
    location = services.create_location(org=org, site=site, values=values, actor=request.user)
    return Status(201, _location_out(org, location.pk))


@router.patch(
    ORG + "/goods/locations/{location_id}",
    response={200: LocationOut, **ERRORS},
    summary="Rename, move, archive or restore a location",
)
@org_endpoint(Action.MANAGE_CATALOGUE)
def location_update(request: HttpRequest, slug: str, location_id: int, payload: LocationPatch):
    org = request.org
    location = get_object_or_404(Location.objects.filter(organization=org), pk=location_id)
    values = payload.dict(exclude_unset=True)
    archived = values.pop("archived", None)
    if "parent_id" in values:
        values["parent"] = _parent(org, values.pop("parent_id"))
    for field in ("name", "kind"):
        if field in values and values[field] is None:
            raise Invalid(_("This field is required."), field=field)
    with transaction.atomic():  # the changes and the archiving both, or neither
        if archived is False:
            services.archive_location(
                org=org, location=location, archived=False, actor=request.user
            )
        if values:
            services.update_location(org=org, location=location, values=values, actor=request.user)
        if archived is True:
            services.archive_location(org=org, location=location, archived=True, actor=request.user)
    return _location_out(org, location.pk)
