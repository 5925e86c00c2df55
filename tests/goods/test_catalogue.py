"""Catalogue services: the default catalogue every organisation starts with, categories and
item types added, renamed, moved and hidden; refusals name the field and change nothing."""

from decimal import Decimal

import pytest
from django.utils import translation
from django_scopes import scope, scopes_disabled

from kindred.core.models import AuditEntry
from kindred.core.services import Conflict, Invalid
from kindred.goods import services
from kindred.goods.catalogue import DEFAULT, DEFAULT_TYPES, builtin_name
from kindred.goods.models import Category, ItemType
from kindred.goods.services import StockError
from tests.conftest import item_type, make_location, make_org, snapshot, stock

pytestmark = pytest.mark.django_db


def _category(org, code: str) -> Category:
    with scope(organization=org):
        return Category.objects.get(organization=org, code=code)


def _last_action(org) -> str:
    with scopes_disabled():
        return AuditEntry.objects.filter(organization=org).order_by("-id").first().action


# The default catalogue ---------------------------------------------------------------------


def test_a_new_organisation_starts_with_the_default_catalogue(db):
    org = make_org("fresh")
    with scope(organization=org):
        codes = set(ItemType.objects.filter(organization=org).values_list("code", flat=True))
        categories = Category.objects.filter(organization=org).count()
    assert len(codes) >= 60
    assert codes == set(DEFAULT_TYPES)
    assert categories == len(DEFAULT)


def test_default_names_follow_the_readers_language(org):
    jacket = item_type(org, "child-winter-jacket")
    with translation.override("en"):
        assert jacket.label == "Children's winter jacket"
    with translation.override("sv"):
        assert jacket.label == str(builtin_name("child-winter-jacket"))


def test_default_catalogue_is_translated_into_swedish(org):
    # Needs the Swedish catalogue names in locale/sv (compiled with compilemessages).
    with scope(organization=org):
        types = list(ItemType.objects.filter(organization=org))
    with translation.override("en"):
        english = {t.code: t.label for t in types}
    with translation.override("sv"):
        swedish = {t.code: t.label for t in types}
    assert swedish["child-winter-jacket"] != english["child-winter-jacket"]
    translated = [code for code in english if swedish[code] != english[code]]
    assert len(translated) >= 60


def test_ensuring_the_default_catalogue_again_keeps_renamed_and_hidden_types(org, admin):
    jacket = item_type(org, "child-winter-jacket")
    with scope(organization=org):
        services.update_item_type(
            org=org, item_type=jacket, values={"name": "Winter coat", "hidden": True}, actor=admin
        )
        before = ItemType.objects.filter(organization=org).count()
        assert services.ensure_default_catalogue(org) == []
        assert ItemType.objects.filter(organization=org).count() == before
        jacket.refresh_from_db()
    assert (jacket.label, jacket.hidden) == ("Winter coat", True)


# Categories --------------------------------------------------------------------------------


def test_a_category_can_be_added_under_a_parent_and_is_audited(org, admin):
    clothing = _category(org, "children-clothing")
    with scope(organization=org):
        category = services.create_category(
            org=org, values={"name": " Rain wear ", "parent": clothing}, actor=admin
        )
    assert (category.name, category.parent_id) == ("Rain wear", clothing.pk)
    assert _last_action(org) == "catalogue.category_added"


def test_a_category_name_must_be_unique_among_its_siblings(org, admin):
    clothing = _category(org, "children-clothing")
    with scope(organization=org):
        services.create_category(
            org=org, values={"name": "Rain wear", "parent": clothing}, actor=admin
        )
    before = snapshot(org)
    with scope(organization=org), translation.override("en"):
        with pytest.raises(Conflict) as error:
            services.create_category(
                org=org, values={"name": "RAIN WEAR", "parent": clothing}, actor=admin
            )
        with pytest.raises(Conflict):  # a built-in category's name, in the reader's language
            services.create_category(org=org, values={"name": "Children's clothing"}, actor=admin)
    assert error.value.field == "name"
    assert "already exists" in error.value.message
    assert snapshot(org) == before


def test_the_same_category_name_is_fine_elsewhere_in_the_tree(org, admin):
    clothing = _category(org, "children-clothing")
    with scope(organization=org):
        services.create_category(
            org=org, values={"name": "Rain wear", "parent": clothing}, actor=admin
        )
        top = services.create_category(org=org, values={"name": "Rain wear"}, actor=admin)
    assert top.parent_id is None


def test_a_custom_category_needs_a_name(org, admin):
    before = snapshot(org)
    with scope(organization=org), pytest.raises(Invalid) as error:
        services.create_category(org=org, values={"name": "  "}, actor=admin)
    assert error.value.field == "name"
    assert snapshot(org) == before


def test_a_category_cannot_be_moved_inside_its_own_subcategory(org, admin):
    clothing = _category(org, "children-clothing")
    with scope(organization=org):
        rain = services.create_category(
            org=org, values={"name": "Rain wear", "parent": clothing}, actor=admin
        )
        before = snapshot(org)
        with pytest.raises(Invalid) as error:
            services.update_category(
                org=org, category=clothing, values={"parent": rain}, actor=admin
            )
        with pytest.raises(Invalid):
            services.update_category(
                org=org, category=clothing, values={"parent": clothing}, actor=admin
            )
    assert error.value.field == "parent"
    assert snapshot(org) == before


def test_a_built_in_category_can_be_renamed_hidden_and_given_its_name_back(org, admin):
    toys = _category(org, "toys-school")
    with scope(organization=org):
        services.update_category(
            org=org, category=toys, values={"name": "Games", "hidden": True}, actor=admin
        )
        toys.refresh_from_db()
        assert (toys.label, toys.hidden) == ("Games", True)
        assert _last_action(org) == "catalogue.category_changed"
        services.update_category(org=org, category=toys, values={"name": ""}, actor=admin)
        toys.refresh_from_db()
    with translation.override("en"):
        assert toys.label == str(builtin_name("toys-school"))


def test_another_organisations_category_cannot_be_a_parent(org, other_org, admin):
    foreign = _category(other_org, "toys-school")
    before = snapshot(org)
    with scope(organization=org), pytest.raises(Invalid) as error:
        services.create_category(org=org, values={"name": "Mine", "parent": foreign}, actor=admin)
    assert error.value.field == "parent"
    assert snapshot(org) == before


# Item types --------------------------------------------------------------------------------


def test_an_item_type_of_the_organisations_own_is_added_and_audited(org, admin):
    toys = _category(org, "toys-school")
    with scope(organization=org):
        created = services.create_item_type(
            org=org,
            values={
                "category": toys,
                "name": "Kite",
                "unit": "set",
                "standard_weight_kg": Decimal("0.9"),
                "fair_value": Decimal("50"),
            },
            actor=admin,
        )
    assert (created.label, created.code, created.size_system) == ("Kite", "", "none")
    assert _last_action(org) == "catalogue.item_type_added"


@pytest.mark.parametrize(
    ("values", "field", "error_type"),
    [
        ({"name": ""}, "name", Invalid),
        ({"name": "Puzzle", "standard_weight_kg": Decimal("-1")}, "standard_weight_kg", Invalid),
        ({"name": "Puzzle", "fair_value": Decimal("-5")}, "fair_value", Invalid),
        ({"name": "Puzzle", "size_system": "hats"}, "size_system", Invalid),
        ({"name": "Puzzle", "unit": "litre"}, "unit", Invalid),
        ({"name": "Puzzle", "fit": "robots"}, "fit", Invalid),
        ({"name": "Puzzle", "colour": "red"}, "colour", Invalid),
        ({"name": "Toy"}, "name", Conflict),  # the built-in "Toy" of the same category
    ],
)
def test_a_bad_item_type_is_refused_naming_the_field(org, admin, values, field, error_type):
    toys = _category(org, "toys-school")
    before = snapshot(org)
    with translation.override("en"), scope(organization=org), pytest.raises(error_type) as error:
        services.create_item_type(org=org, values={"category": toys, **values}, actor=admin)
    assert error.value.field == field
    assert error.value.message
    assert snapshot(org) == before


def test_an_item_type_needs_a_category_of_the_organisation(org, other_org, admin):
    before = snapshot(org)
    with scope(organization=org):
        with pytest.raises(Invalid) as missing:
            services.create_item_type(org=org, values={"name": "Kite"}, actor=admin)
        with pytest.raises(Invalid) as foreign:
            services.create_item_type(
                org=org,
                values={"name": "Kite", "category": _category(other_org, "toys-school")},
                actor=admin,
            )
    assert missing.value.field == foreign.value.field == "category"
    assert snapshot(org) == before


def test_a_built_in_type_renamed_shows_its_own_name_in_every_language(org, admin):
    jacket = item_type(org, "child-winter-jacket")
    with scope(organization=org):
        services.update_item_type(
            org=org, item_type=jacket, values={"name": "Warm jacket"}, actor=admin
        )
        jacket.refresh_from_db()
    for language in ("en", "sv", "da"):
        with translation.override(language):
            assert jacket.label == "Warm jacket"
    assert _last_action(org) == "catalogue.item_type_changed"
    with scope(organization=org):
        services.update_item_type(org=org, item_type=jacket, values={"name": ""}, actor=admin)
        jacket.refresh_from_db()
    with translation.override("en"):
        assert jacket.label == "Children's winter jacket"


def test_an_item_type_can_be_hidden_and_moved_to_another_category(org, admin):
    toy = item_type(org, "toy")
    other = _category(org, "children-clothing")
    with scope(organization=org):
        services.update_item_type(
            org=org, item_type=toy, values={"hidden": True, "category": other}, actor=admin
        )
        toy.refresh_from_db()
    assert (toy.hidden, toy.category_id) == (True, other.pk)


@pytest.mark.parametrize(("field", "value"), [("size_system", "adult"), ("unit", "kg")])
def test_sizes_and_unit_are_fixed_once_a_type_has_stock(org, admin, field, value):
    shelf = make_location(org)
    stock(org, {shelf: {"child-winter-jacket-110": 2}})
    jacket = item_type(org, "child-winter-jacket")
    before = snapshot(org)
    with scope(organization=org), pytest.raises(StockError) as error:
        services.update_item_type(org=org, item_type=jacket, values={field: value}, actor=admin)
    assert error.value.field == field
    assert error.value.status == 409
    assert snapshot(org) == before


def test_a_type_with_stock_can_still_be_renamed_and_reweighed(org, admin):
    shelf = make_location(org)
    stock(org, {shelf: {"child-winter-jacket-110": 2}})
    jacket = item_type(org, "child-winter-jacket")
    with scope(organization=org):
        services.update_item_type(
            org=org,
            item_type=jacket,
            values={"name": "Jacket", "standard_weight_kg": Decimal("0.75")},
            actor=admin,
        )
        jacket.refresh_from_db()
    assert (jacket.name, jacket.standard_weight_kg) == ("Jacket", Decimal("0.75"))


def test_sizes_of_a_type_without_stock_can_change(org, admin):
    toy = item_type(org, "toy")
    with scope(organization=org):
        services.update_item_type(
            org=org, item_type=toy, values={"size_system": "adult", "unit": "set"}, actor=admin
        )
        toy.refresh_from_db()
    assert (toy.size_system, toy.unit) == ("adult", "set")


def test_an_unchanged_save_writes_no_audit_entry(org, admin):
    toy = item_type(org, "toy")
    before = snapshot(org)
    with scope(organization=org):
        services.update_item_type(org=org, item_type=toy, values={"hidden": False}, actor=admin)
    assert snapshot(org) == before
