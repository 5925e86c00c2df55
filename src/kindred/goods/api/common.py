"""The goods API's router and what its modules share: looking up the organisation's item
types (by id or code) and locations named in a request body, as a 422 naming the field
when there is none."""

from django.utils.translation import gettext as _
from ninja import Router

from kindred.core.services import Invalid

from ..models import ItemType, Location

router = Router(tags=["goods"])

ORG = "/organizations/{slug}"
MAX_ID = 2**63 - 1


def item_type_of(org, ref: int | str | None, field: str) -> ItemType | None:
    """The item type with id `ref` (an int) or code `ref` (a str); None for no ref."""
    if ref is None or ref == "":
        return None
    qs = ItemType.objects.filter(organization=org)
    if isinstance(ref, int):
        found = qs.filter(pk=ref).first() if 0 < ref <= MAX_ID else None
    else:
        found = qs.filter(code=ref.strip()).first()
    if found is None:
        raise Invalid(_("Choose an item type of the catalogue."), field=field)
    return found


def location_of(org, location_id: int | None, field: str) -> Location | None:
    if location_id is None:
        return None
    found = Location.objects.filter(organization=org, pk=location_id).select_related("site").first()
    if found is None:
        raise Invalid(_("There is no such location."), field=field)
    return found
