"""Writes to the catalogue (categories, item types) and to storage locations.

Each service is one transaction, takes the acting user, refuses a broken rule with a
translated `DomainError` (a `StockError` when the rule is about stock) naming the field, and
writes its audit entry inside the transaction. Built-in categories and item types carry a
`code` and take their translated name from goods.catalogue; their own `name` overrides it,
and an empty `name` brings the built-in one back.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kindred.core import audit
from kindred.core.models import Organization, Site, User
from kindred.core.services import (
    Conflict,
    Invalid,
    NotFound,
    apply_values,
    save_archived,
    update_and_audit,
    validate_fields,
)
from kindred.people.models import search_key

from ..catalogue import DEFAULT, DEFAULT_TYPES, default_value
from ..models import Category, ItemType, Location, Movement, StockBalance
from ..sizes import SizeSystem
from .common import StockError

CATEGORY_FIELDS = ("name", "parent", "hidden", "position")
ITEM_TYPE_FIELDS = (
    "category",
    "code",
    "name",
    "size_system",
    "unit",
    "fit",
    "age",
    "standard_weight_kg",
    "fair_value",
    "one_off",
    "hidden",
)
LOCATION_FIELDS = ("name", "kind", "parent")
# What a person may create or edit by hand: the in-transit location belongs to the site.
MANUAL_KINDS = (
    Location.Kind.ROOM,
    Location.Kind.SHELF,
    Location.Kind.BIN,
    Location.Kind.AREA,
)


def ensure_default_catalogue(org: Organization) -> list[ItemType]:
    """Create the default categories and item types the organisation lacks (by code);
    existing rows, renamed or hidden, are left as they are. Safe to run again.

    Declared in goods/contrib.py (`on_organization_created`), so every new organisation
    starts with it; older ones get it on first use of the catalogue. Fair values are in the
    organisation's currency (catalogue.default_value), or empty for a currency without a
    rate."""
    with transaction.atomic():
        categories = {c.code: c for c in Category.objects.filter(organization=org)}
        types = set(ItemType.objects.filter(organization=org).values_list("code", flat=True))
        new_types = []
        for position, (code, _name, defaults) in enumerate(DEFAULT):
            category = categories.get(code)
            if category is None:
                category = Category.objects.create(organization=org, code=code, position=position)
            for default in defaults:
                if default.code in types:
                    continue
                new_types.append(
                    ItemType(
                        organization=org,
                        category=category,
                        code=default.code,
                        size_system=default.size_system,
                        unit=default.unit,
                        fit=default.fit,
                        age=default.age,
                        standard_weight_kg=Decimal(default.weight),
                        fair_value=default_value(default.value, org.currency),
                        one_off=default.one_off,
                    )
                )
        ItemType.objects.bulk_create(new_types)
    return new_types


def ensure_catalogue(org: Organization) -> None:
    """Organisations created before goods existed get the default catalogue on first use
    (new ones get it when they are created)."""
    if not Category.objects.filter(organization=org).exists():
        ensure_default_catalogue(org)


def transit_location(site: Site) -> Location:
    """The site's in-transit location, where goods sent from another site wait."""
    location, _created = Location.objects.get_or_create(
        organization_id=site.organization_id,
        site=site,
        kind=Location.Kind.TRANSIT,
        defaults={"name": "In transit"},
    )
    return location


def _same_name(a: str, b: str) -> bool:
    return search_key(a) == search_key(b)


def _clean_name(values: dict[str, Any]) -> None:
    if isinstance(values.get("name"), str):
        values["name"] = values["name"].strip()


def _audit_created(org, actor, action, obj, fields) -> None:
    changes = {}
    for field in fields:
        value = getattr(obj, field)
        if value not in (None, "", False):
            changes[field] = [None, value]
    audit.log(org=org, actor=actor, action=action, obj=obj, changes=changes)


# Categories --------------------------------------------------------------------------------


def _check_category(org: Organization, category: Category) -> None:
    if not category.code and not category.name:
        raise Invalid(_("Give the category a name."), field="name")
    parent = category.parent
    if parent is not None:
        if parent.organization_id != org.pk:
            raise Invalid(_("Choose a category of this organisation."), field="parent")
        # Walk up from the new parent: meeting the category itself would make a loop.
        node: Category | None = parent
        while node is not None:
            if category.pk is not None and node.pk == category.pk:
                raise Invalid(
                    _("A category cannot be placed inside itself or one of its subcategories."),
                    field="parent",
                )
            node = node.parent
    siblings = Category.objects.filter(organization=org, parent=parent)
    if category.pk is not None:
        siblings = siblings.exclude(pk=category.pk)
    if any(_same_name(s.label, category.label) for s in siblings):
        raise Conflict(_("A category with this name already exists here."), field="name")


@transaction.atomic
def create_category(*, org: Organization, values: Mapping[str, Any], actor: User) -> Category:
    """Add a category (at the top or under `parent`) to the organisation's catalogue."""
    values = dict(values)
    _clean_name(values)
    category = Category(organization=org)
    if "position" not in values:
        last = Category.objects.filter(organization=org).order_by("-position").first()
        values["position"] = (last.position + 1) if last else 0
    apply_values(category, values, CATEGORY_FIELDS)
    validate_fields(category, ("name", "position"))
    _check_category(org, category)
    category.save()
    _audit_created(org, actor, "catalogue.category_added", category, CATEGORY_FIELDS)
    return category


@transaction.atomic
def update_category(
    *, org: Organization, category: Category, values: Mapping[str, Any], actor: User
) -> Category:
    """Rename, hide or show, move under another parent or re-order a category. A built-in
    category renamed to "" takes its translated built-in name again."""
    category = _locked(Category, org, category.pk)
    values = dict(values)
    _clean_name(values)
    update_and_audit(
        category,
        values,
        CATEGORY_FIELDS,
        org=org,
        actor=actor,
        action="catalogue.category_changed",
        validate=("name", "position"),
        check=lambda changed: _check_category(org, category),
    )
    return category


# Item types --------------------------------------------------------------------------------


def _check_code(org: Organization, item_type: ItemType, old_code: str) -> None:
    """An item type's own code: optional, unique in the organisation (ignoring case). The
    built-in types' codes are fixed: the code is what gives a built-in type its name in
    every language, what the default catalogue is completed by, and what sorting finds
    "unsorted textiles" by — so a built-in type keeps its code, and no other type may take
    one of those codes (even one this organisation has not got)."""
    if item_type.code == old_code:
        return
    if old_code in DEFAULT_TYPES:
        raise Conflict(_("A built-in item type keeps its code."), field="code")
    if item_type.code in DEFAULT_TYPES:
        raise Conflict(
            _("This code belongs to a built-in item type; choose another."), field="code"
        )
    others = ItemType.objects.filter(organization=org, code__iexact=item_type.code)
    if item_type.code and others.exclude(pk=item_type.pk).exists():
        raise Conflict(_("Another item type already has this code."), field="code")


def _save_item_type(item_type: ItemType, **kwargs: Any) -> None:
    """Save; two requests giving two types the same code at once: the second gets a 409."""
    try:
        with transaction.atomic():
            item_type.save(**kwargs)
    except IntegrityError as error:
        raise Conflict(_("Another item type already has this code."), field="code") from error


def _check_item_type(org: Organization, item_type: ItemType) -> None:
    if not item_type.name and item_type.code not in DEFAULT_TYPES:
        raise Invalid(_("Give the item type a name."), field="name")
    if item_type.category.organization_id != org.pk:
        raise Invalid(_("Choose a category of this organisation."), field="category")
    if item_type.standard_weight_kg is None or item_type.standard_weight_kg < 0:
        raise Invalid(_("The weight cannot be negative."), field="standard_weight_kg")
    if item_type.fair_value is not None and item_type.fair_value < 0:
        raise Invalid(_("The value cannot be negative."), field="fair_value")
    others = ItemType.objects.filter(organization=org, category_id=item_type.category_id)
    if item_type.pk is not None:
        others = others.exclude(pk=item_type.pk)
    if any(_same_name(o.label, item_type.label) for o in others):
        raise Conflict(
            _("An item type with this name already exists in this category."), field="name"
        )


def _has_stock_history(item_type: ItemType) -> bool:
    return (
        StockBalance.objects.filter(item_type=item_type, quantity__gt=0).exists()
        or Movement.objects.filter(item_type=item_type).exists()
    )


def _check_fixed_once_stocked(item_type: ItemType, changed: list[str]) -> None:
    """The size system and unit cannot change once stock has been recorded in them."""
    for field in ("size_system", "unit"):
        if field in changed and _has_stock_history(item_type):
            message = (
                _(
                    "The sizes of %(item)s cannot change: stock has been recorded in them. "
                    "Add a new item type instead and hide this one."
                )
                if field == "size_system"
                else _(
                    "The unit of %(item)s cannot change: stock has been recorded in it. "
                    "Add a new item type instead and hide this one."
                )
            )
            raise StockError(message % {"item": item_type.label}, field=field)


@transaction.atomic
def create_item_type(*, org: Organization, values: Mapping[str, Any], actor: User) -> ItemType:
    """Add an item type of the organisation's own to a category."""
    values = dict(values)
    _clean_name(values)
    values.setdefault("size_system", SizeSystem.NONE)
    category = values.pop("category", None)
    if category is None:
        raise Invalid(_("Choose a category."), field="category")
    if isinstance(values.get("code"), str):
        values["code"] = values["code"].strip()
    item_type = ItemType(organization=org, category=category)
    apply_values(item_type, values, ITEM_TYPE_FIELDS)
    validate_fields(item_type, [f for f in ITEM_TYPE_FIELDS if f != "category"])
    _check_code(org, item_type, "")
    _check_item_type(org, item_type)
    _save_item_type(item_type)
    _audit_created(org, actor, "catalogue.item_type_added", item_type, ITEM_TYPE_FIELDS)
    return item_type


@transaction.atomic
def update_item_type(
    *, org: Organization, item_type: ItemType, values: Mapping[str, Any], actor: User
) -> ItemType:
    """Change an item type: rename (a built-in type's own name wins; "" restores the
    built-in one), move to another category, hide or show, change weight, value, fit or
    age. Its size system and unit are fixed once stock has been recorded in it: the
    recorded sizes and quantities would no longer mean what they meant."""
    item_type = _locked(ItemType, org, item_type.pk)
    old_code = item_type.code
    values = dict(values)
    _clean_name(values)
    if isinstance(values.get("code"), str):
        values["code"] = values["code"].strip()

    def check(changed: list[str]) -> None:
        _check_code(org, item_type, old_code)
        _check_fixed_once_stocked(item_type, changed)
        _check_item_type(org, item_type)

    update_and_audit(
        item_type,
        values,
        ITEM_TYPE_FIELDS,
        org=org,
        actor=actor,
        action="catalogue.item_type_changed",
        validate=[f for f in ITEM_TYPE_FIELDS if f != "category"],
        check=check,
        save=lambda changed: _save_item_type(item_type, update_fields=changed),
    )
    return item_type


# Locations ---------------------------------------------------------------------------------


def _locked(model, org: Organization, pk: int):
    found = model.objects.select_for_update().filter(organization=org, pk=pk).first()
    if found is None:
        raise NotFound(_("This record no longer exists."))
    return found


def _check_location(org: Organization, location: Location) -> None:
    if not location.name:
        raise Invalid(_("Give the location a name."), field="name")
    if location.kind not in MANUAL_KINDS:
        raise Invalid(_("Choose a room, shelf, bin or area."), field="kind")
    site = location.site
    if site.organization_id != org.pk:
        raise Invalid(_("Choose a site of this organisation."), field="site")
    parent = location.parent
    if parent is not None:
        if parent.organization_id != org.pk:
            raise Invalid(_("Choose a location of this organisation."), field="parent")
        if parent.kind == Location.Kind.TRANSIT:
            raise Invalid(_("Nothing can be placed inside “in transit”."), field="parent")
        if parent.site_id != location.site_id:
            raise Invalid(_("Choose a location at the same site."), field="parent")
        if parent.archived:
            raise Invalid(_("This location is archived: choose another."), field="parent")
        node: Location | None = parent
        while node is not None:
            if location.pk is not None and node.pk == location.pk:
                raise Invalid(
                    _("A location cannot be placed inside itself or a location inside it."),
                    field="parent",
                )
            node = node.parent
    siblings = Location.objects.filter(
        organization=org, site_id=location.site_id, parent=parent, archived=False
    )
    if location.pk is not None:
        siblings = siblings.exclude(pk=location.pk)
    if any(_same_name(s.name, location.name) for s in siblings.only("name")):
        raise Conflict(_("A location with this name already exists here."), field="name")


@transaction.atomic
def create_location(
    *, org: Organization, site: Site, values: Mapping[str, Any], actor: User
) -> Location:
    """Add a room, shelf, bin or area at `site`, at the top or inside `parent` (a location
    at the same site). In-transit locations are made by transfers, never by hand."""
    values = dict(values)
    _clean_name(values)
    if site.organization_id != org.pk:
        raise Invalid(_("Choose a site of this organisation."), field="site")
    if site.archived:
        raise Invalid(_("This site is archived: choose another."), field="site")
    location = Location(organization=org, site=site)
    apply_values(location, values, LOCATION_FIELDS)
    validate_fields(location, ("name", "kind"))
    _check_location(org, location)
    location.save()
    _audit_created(org, actor, "location.added", location, ("site", *LOCATION_FIELDS))
    return location


@transaction.atomic
def update_location(
    *, org: Organization, location: Location, values: Mapping[str, Any], actor: User
) -> Location:
    """Rename a location, change its kind or move it inside another location of its site."""
    location = _locked(Location, org, location.pk)
    if location.kind == Location.Kind.TRANSIT:
        raise Conflict(_("The in-transit location cannot be changed by hand."), field="kind")
    if location.archived:
        raise Conflict(_("This location is archived: restore it first."), field="archived")
    values = dict(values)
    _clean_name(values)
    update_and_audit(
        location,
        values,
        LOCATION_FIELDS,
        org=org,
        actor=actor,
        action="location.changed",
        validate=("name", "kind"),
        check=lambda changed: _check_location(org, location),
    )
    return location


@transaction.atomic
def archive_location(
    *, org: Organization, location: Location, actor: User, archived: bool = True
) -> Location:
    """Archive a location that is empty and has no locations in use inside it (it stays in
    the history), or restore one (`archived=False`)."""
    location = _locked(Location, org, location.pk)
    if location.kind == Location.Kind.TRANSIT:
        raise Conflict(_("The in-transit location cannot be changed by hand."), field="kind")
    if location.archived == archived:
        return location
    if archived:
        # Lock the location's balance rows: the ledger locks them too before it changes
        # them, so stock cannot arrive between this check and the archiving. (A stock key
        # that has never been here has no row yet; the ledger refuses archived locations.)
        held = (
            StockBalance.objects.select_for_update()
            .filter(location=location)
            .filter(quantity__gt=0)
            .order_by("pk")
        )
        if list(held):
            raise StockError(
                _("%(location)s still holds stock: move it elsewhere first.")
                % {"location": location.label},
                field="archived",
            )
        if Location.objects.filter(parent=location, archived=False).exists():
            raise Conflict(
                _("%(location)s has locations inside it: archive or move them first.")
                % {"location": location.label},
                field="archived",
            )
    else:
        if location.parent is not None and location.parent.archived:
            raise Conflict(
                _("The location it is inside is archived: restore that first."), field="parent"
            )
        if location.site.archived:
            raise Conflict(_("This site is archived: restore it first."), field="site")
        siblings = Location.objects.filter(
            organization=org, site_id=location.site_id, parent_id=location.parent_id, archived=False
        ).exclude(pk=location.pk)
        if any(_same_name(s.name, location.name) for s in siblings.only("name")):
            raise Conflict(_("A location with this name already exists here."), field="name")
    save_archived(location, archived, org=org, actor=actor, kind="location")
    return location
