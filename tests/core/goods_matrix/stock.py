"""Goods matrix entries for the stock pages, movements, stock at a date, low stock,
low-stock levels and the needs-list settings: build() adds a low-stock level (jackets 110
at the world's site, below its minimum) to change and remove."""

from decimal import Decimal

from django.utils import timezone
from django_scopes import scope

from kindred.core.roles import Action
from kindred.goods.models import GoodsSettings, Threshold
from kindred.goods.services import thresholds
from tests.conftest import admin_of
from tests.core.endpoint import ORG_API_PREFIX, Endpoint


def build(world, owner) -> None:
    org = world.org
    with scope(organization=org):
        world.goods["threshold"] = thresholds.set_threshold(
            org=org,
            item_type=world.goods["jacket"],
            size="110",
            site=world.site,
            minimum=Decimal(10),
            public=True,
            actor=admin_of(org),
        )


def _item_type(w) -> dict:
    return {"item_type_id": w.goods["jacket"].pk}


def _threshold(w) -> dict:
    return {"threshold_id": w.goods["threshold"].pk}


def _new_level(w) -> dict:
    return {"item_type": w.goods["toy"].pk, "size": "", "site": "", "minimum": "20", "public": "on"}


def _filters(w) -> dict:
    return {"site": w.site.pk, "q": "jacket", "group": "location", "sort": "-quantity"}


def _toys_watched(w) -> bool:
    """An organisation-wide level of 20 toys, all sizes, on the public needs list."""
    return Threshold.objects.filter(
        organization=w.org, item_type=w.goods["toy"], size="", site=None, minimum=20, public=True
    ).exists()


def _threshold_gone(w) -> bool:
    return not Threshold.objects.filter(pk=w.goods["threshold"].pk).exists()


PAGES: list = [
    Endpoint("page", "goods:stock", "GET", Action.VIEW_STOCK, query=_filters),
    Endpoint(
        "page",
        "goods:stock-export",
        "GET",
        Action.VIEW_STOCK,
        query=lambda w: {"format": "xlsx", "site": w.site.pk},
    ),
    Endpoint("page", "goods:movements", "GET", Action.VIEW_STOCK),
    Endpoint("page", "goods:item-type-history", "GET", Action.VIEW_STOCK, _item_type),
    Endpoint(
        "page",
        "goods:stock-at",
        "GET",
        Action.VIEW_STOCK,
        query=lambda w: {"date": timezone.localdate().isoformat()},
    ),
    Endpoint("page", "goods:low-stock", "GET", Action.VIEW_STOCK),
    Endpoint("page", "goods:thresholds", "GET", Action.MANAGE_CATALOGUE),
    Endpoint(
        "page",
        "goods:thresholds",
        "POST",
        Action.MANAGE_CATALOGUE,
        data=_new_level,
        effect=_toys_watched,
        audit="threshold.changed",
    ),
    Endpoint(
        "page",
        "goods:threshold-delete",
        "POST",
        Action.MANAGE_CATALOGUE,
        _threshold,
        effect=_threshold_gone,
        audit="threshold.changed",
    ),
    Endpoint("page", "goods:needs-settings", "GET", Action.MANAGE_CATALOGUE),
    Endpoint(
        "page",
        "goods:needs-settings",
        "POST",
        Action.MANAGE_CATALOGUE,
        data=lambda w: {"public_needs": "on", "public_intro": "Jackets, please"},
        effect=lambda w: GoodsSettings.objects.filter(
            organization=w.org, public_needs=True, public_intro="Jackets, please"
        ).exists(),
        audit="needs.settings_changed",
    ),
]

_THRESHOLDS = ORG_API_PREFIX + "/goods/thresholds"

API: list = [
    Endpoint(
        "api",
        ORG_API_PREFIX + "/goods/balances",
        "GET",
        Action.VIEW_STOCK,
        query=lambda w: {"site": w.site.pk, "q": "jacket"},
    ),
    Endpoint("api", ORG_API_PREFIX + "/goods/movements", "GET", Action.VIEW_STOCK),
    Endpoint(
        "api",
        ORG_API_PREFIX + "/goods/stock-at",
        "GET",
        Action.VIEW_STOCK,
        query=lambda w: {"at": timezone.localdate().isoformat()},
    ),
    Endpoint("api", ORG_API_PREFIX + "/goods/low-stock", "GET", Action.VIEW_STOCK),
    Endpoint("api", _THRESHOLDS, "GET", Action.VIEW_STOCK),
    Endpoint(
        "api",
        _THRESHOLDS,
        "PUT",
        Action.MANAGE_CATALOGUE,
        data=lambda w: {"item_type_id": w.goods["toy"].pk, "minimum": "20"},
        effect=_toys_watched,
        audit="threshold.changed",
    ),
    Endpoint(
        "api",
        _THRESHOLDS + "/{threshold_id}",
        "DELETE",
        Action.MANAGE_CATALOGUE,
        _threshold,
        effect=_threshold_gone,
        audit="threshold.changed",
    ),
]
