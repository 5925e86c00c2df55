"""Writes to the catalogue and to storage locations."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from kindred.core.models import Organization, Site

from ..catalogue import DEFAULT
from ..models import Category, ItemType, Location


def ensure_default_catalogue(org: Organization) -> list[ItemType]:
    """Create the default categories and item types the organisation lacks (by code);
    existing rows, renamed or hidden, are left as they are. Safe to run again."""
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
                        fair_value=Decimal(default.value) if default.value else None,
                        one_off=default.one_off,
                    )
                )
        ItemType.objects.bulk_create(new_types)
    return new_types


def transit_location(site: Site) -> Location:
    """The site's in-transit location, where goods sent from another site wait."""
    location, _created = Location.objects.get_or_create(
        organization_id=site.organization_id,
        site=site,
        kind=Location.Kind.TRANSIT,
        defaults={"name": "In transit"},
    )
    return location
