"""Goods matrix entries for labels, the scan page and the location and item pages:
build() adds a one-off item on the shelf, with a photo, as world.goods["item"]."""

from django.core.files.base import ContentFile
from django_scopes import scope

from kindred.core.roles import Action
from kindred.goods.models import Grade, OneOffItem
from tests.conftest import item_type
from tests.core.endpoint import Endpoint

# The smallest valid PNG (1 x 1 pixel): the photo view only streams the file.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def build(world, owner) -> None:
    org = world.org
    sofa = item_type(org, "sofa")
    with scope(organization=org):
        item = OneOffItem(
            organization=org,
            item_type=sofa,
            grade=Grade.GOOD,
            description="Grey three-seater",
            location=world.goods["shelf"],
        )
        item.photo.save("sofa.png", ContentFile(PNG), save=False)
        item.save()
    world.goods["item"] = item


def _location(w) -> dict:
    return {"location_id": w.goods["bin"].pk}


def _item(w) -> dict:
    return {"item_id": w.goods["item"].pk}


PAGES = [
    Endpoint("page", "goods:labels", "GET", Action.VIEW_STOCK),
    Endpoint(
        "page",
        "goods:labels-pdf",
        "GET",
        Action.VIEW_STOCK,
        query=lambda w: {
            "location": [w.goods["shelf"].pk, w.goods["bin"].pk],
            "item": w.goods["item"].pk,
        },
    ),
    Endpoint("page", "goods:scan", "GET", Action.VIEW_STOCK),
    Endpoint(
        "page",
        "goods:scan",
        "POST",
        Action.VIEW_STOCK,
        data=lambda w: {"code": w.goods["bin"].code},
        reads_only=True,
    ),
    Endpoint("page", "goods:location", "GET", Action.VIEW_STOCK, _location),
    Endpoint("page", "goods:item", "GET", Action.VIEW_STOCK, _item),
    Endpoint("page", "goods:item-photo", "GET", Action.VIEW_STOCK, _item),
]
API: list = []
