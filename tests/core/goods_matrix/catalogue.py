"""Goods matrix entries for the catalogue and storage locations: build() adds an own
category and item type to edit, and an empty location to rename and archive."""

from decimal import Decimal

from django_scopes import scope

from kindred.core.roles import Action
from kindred.goods import services
from kindred.goods.models import Category, ItemType, Location
from tests.conftest import admin_of, make_location
from tests.core.endpoint import ORG_API_PREFIX, Endpoint


def build(world, owner) -> None:
    org = world.org
    admin = admin_of(org)
    with scope(organization=org):
        category = services.create_category(org=org, values={"name": "Matrix gear"}, actor=admin)
        mittens = services.create_item_type(
            org=org,
            values={"category": category, "name": "Matrix mittens", "unit": "pair"},
            actor=admin,
        )
    world.goods.update(
        category=category,
        mittens=mittens,
        spare=make_location(org, world.site, "Spare bin", kind="bin"),
    )


def _item_type(w) -> dict:
    return {"item_type_id": w.goods["mittens"].pk}


def _category(w) -> dict:
    return {"category_id": w.goods["category"].pk}


def _location(w) -> dict:
    return {"location_id": w.goods["spare"].pk}


def _new_item_type(w) -> dict:
    return {
        "category": w.goods["category"].pk,
        "name": "Matrix scarf",
        "size_system": "none",
        "unit": "piece",
        "standard_weight_kg": "0.2",
    }


def _scarf_added(w) -> bool:
    return ItemType.objects.filter(
        organization=w.org,
        category=w.goods["category"],
        name="Matrix scarf",
        unit="piece",
        standard_weight_kg=Decimal("0.2"),
    ).exists()


def _bin_7_added(w) -> bool:
    return Location.objects.filter(
        organization=w.org, site=w.site, parent=None, kind="bin", name="Bin 7", archived=False
    ).exists()


PAGES: list = [
    Endpoint("page", "goods:catalogue", "GET", Action.VIEW_STOCK),
    Endpoint("page", "goods:item-type-new", "GET", Action.MANAGE_CATALOGUE),
    Endpoint(
        "page",
        "goods:item-type-new",
        "POST",
        Action.MANAGE_CATALOGUE,
        data=_new_item_type,
        effect=_scarf_added,
        audit="catalogue.item_type_added",
    ),
    Endpoint("page", "goods:item-type-edit", "GET", Action.MANAGE_CATALOGUE, _item_type),
    Endpoint(
        "page",
        "goods:item-type-edit",
        "POST",
        Action.MANAGE_CATALOGUE,
        _item_type,
        lambda w: {
            "category": w.goods["category"].pk,
            "name": "Matrix mittens",
            "size_system": "none",
            "unit": "pair",
            "standard_weight_kg": "0.1",
            "hidden": "on",
        },
        effect=lambda w: ItemType.objects.filter(
            pk=w.goods["mittens"].pk, hidden=True, standard_weight_kg=Decimal("0.1")
        ).exists(),
        audit="catalogue.item_type_changed",
    ),
    Endpoint("page", "goods:category-new", "GET", Action.MANAGE_CATALOGUE),
    Endpoint(
        "page",
        "goods:category-new",
        "POST",
        Action.MANAGE_CATALOGUE,
        data=lambda w: {"name": "Matrix toys", "parent": w.goods["category"].pk},
        effect=lambda w: Category.objects.filter(
            organization=w.org, parent=w.goods["category"], name="Matrix toys"
        ).exists(),
        audit="catalogue.category_added",
    ),
    Endpoint("page", "goods:category-edit", "GET", Action.MANAGE_CATALOGUE, _category),
    Endpoint(
        "page",
        "goods:category-edit",
        "POST",
        Action.MANAGE_CATALOGUE,
        _category,
        lambda w: {"name": "Matrix equipment", "position": "3"},
        effect=lambda w: Category.objects.filter(
            pk=w.goods["category"].pk, name="Matrix equipment", position=3
        ).exists(),
        audit="catalogue.category_changed",
    ),
    Endpoint("page", "goods:locations", "GET", Action.VIEW_STOCK),
    Endpoint("page", "goods:location-new", "GET", Action.MANAGE_CATALOGUE),
    Endpoint(
        "page",
        "goods:location-new",
        "POST",
        Action.MANAGE_CATALOGUE,
        data=lambda w: {"site": w.site.pk, "kind": "bin", "name": "Bin 7"},
        effect=_bin_7_added,
        audit="location.added",
    ),
    Endpoint("page", "goods:location-edit", "GET", Action.MANAGE_CATALOGUE, _location),
    Endpoint(
        "page",
        "goods:location-edit",
        "POST",
        Action.MANAGE_CATALOGUE,
        _location,
        lambda w: {"kind": "bin", "name": "Spare bin 2", "parent": w.goods["shelf"].pk},
        effect=lambda w: Location.objects.filter(
            pk=w.goods["spare"].pk, name="Spare bin 2", parent=w.goods["shelf"], archived=False
        ).exists(),
        audit="location.changed",
    ),
    Endpoint(
        "page",
        "goods:location-archive",
        "POST",
        Action.MANAGE_CATALOGUE,
        _location,
        effect=lambda w: Location.objects.filter(pk=w.goods["spare"].pk, archived=True).exists(),
        audit="location.archived",
    ),
]

_GOODS = ORG_API_PREFIX + "/goods"

API: list = [
    Endpoint("api", _GOODS + "/catalogue", "GET", Action.VIEW_STOCK),
    Endpoint(
        "api",
        _GOODS + "/item-types",
        "POST",
        Action.MANAGE_CATALOGUE,
        data=lambda w: {"category_id": w.goods["category"].pk, "name": "Matrix scarf"},
        effect=lambda w: ItemType.objects.filter(
            organization=w.org, category=w.goods["category"], name="Matrix scarf"
        ).exists(),
        audit="catalogue.item_type_added",
    ),
    Endpoint(
        "api",
        _GOODS + "/item-types/{item_type_id}",
        "PATCH",
        Action.MANAGE_CATALOGUE,
        _item_type,
        lambda w: {"hidden": True, "standard_weight_kg": "0.15"},
        effect=lambda w: ItemType.objects.filter(
            pk=w.goods["mittens"].pk, hidden=True, standard_weight_kg=Decimal("0.15")
        ).exists(),
        audit="catalogue.item_type_changed",
    ),
    Endpoint(
        "api",
        _GOODS + "/locations",
        "GET",
        Action.VIEW_STOCK,
        query=lambda w: {"site": w.site.pk},
    ),
    Endpoint(
        "api",
        _GOODS + "/locations",
        "POST",
        Action.MANAGE_CATALOGUE,
        data=lambda w: {"site_id": w.site.pk, "name": "Bin 7", "kind": "bin"},
        effect=_bin_7_added,
        audit="location.added",
    ),
    Endpoint(
        "api",
        _GOODS + "/locations/{location_id}",
        "PATCH",
        Action.MANAGE_CATALOGUE,
        _location,
        lambda w: {"name": "Spare bin 2", "archived": True},
        # Records location.changed (the name), then location.archived.
        effect=lambda w: Location.objects.filter(
            pk=w.goods["spare"].pk, name="Spare bin 2", archived=True
        ).exists(),
        audit="location.changed",
    ),
]
