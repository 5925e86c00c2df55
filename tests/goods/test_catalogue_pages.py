"""Catalogue pages: the list with search, filters, sorting and empty states; adding and
editing item types and categories; a volunteer reads but does not edit."""

import pytest
from django.urls import reverse
from django.utils import translation
from django_scopes import scope, scopes_disabled

from kindred.core.models import User
from kindred.goods import services
from kindred.goods.catalogue import builtin_name
from kindred.goods.models import Category, ItemType
from tests.conftest import item_type, make_location, make_org, snapshot, stock

pytestmark = pytest.mark.django_db


def url(org, name="goods:catalogue", **kwargs) -> str:
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})


def _category(org, code):
    with scope(organization=org):
        return Category.objects.get(organization=org, code=code)


def test_the_catalogue_lists_item_types_by_category(org, coordinator, client_for):
    body = client_for(coordinator).get(url(org)).content.decode()
    assert "Children&#x27;s clothing" in body
    assert "Children&#x27;s winter jacket" in body
    assert "50\N{EN DASH}176" in body  # the size range of children's clothing
    assert "74 item types" in body
    assert url(org, "goods:item-type-new") in body
    jacket = item_type(org, "child-winter-jacket")
    assert url(org, "goods:item-type-edit", item_type_id=jacket.pk) in body


def test_a_volunteer_sees_the_catalogue_but_no_edit_links(org, volunteer, client_for):
    response = client_for(volunteer).get(url(org))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Children&#x27;s winter jacket" in body
    assert "/catalogue/item-types/" not in body
    assert "/catalogue/categories/" not in body


def test_search_finds_types_by_name_ignoring_case_and_accents(org, admin, client_for):
    with scope(organization=org):
        services.update_item_type(
            org=org, item_type=item_type(org, "toy"), values={"name": "Légo kasse"}, actor=admin
        )
    client = client_for(admin)
    body = client.get(url(org), {"q": "lego"}).content.decode()
    assert "Légo kasse" in body
    assert "1 item type" in body
    body = client.get(url(org), {"q": "WINTER jacket"}).content.decode()
    assert "Children&#x27;s winter jacket" in body
    assert "Légo kasse" not in body


def test_search_uses_the_readers_language(org, admin, client_for):
    admin.language = "sv"
    admin.save(update_fields=["language"])
    with translation.override("sv"):
        swedish = str(builtin_name("child-winter-jacket"))
    body = client_for(admin).get(url(org), {"q": swedish}).content.decode()
    jacket, toy = item_type(org, "child-winter-jacket"), item_type(org, "toy")
    assert url(org, "goods:item-type-edit", item_type_id=jacket.pk) in body
    assert url(org, "goods:item-type-edit", item_type_id=toy.pk) not in body


def test_filters_by_category_size_system_and_unit(org, admin, client_for):
    client = client_for(admin)
    shoes = _category(org, "shoes")
    body = client.get(url(org), {"category": shoes.pk}).content.decode()
    with scope(organization=org):
        count = ItemType.objects.filter(category=shoes).count()
    assert f"{count} item types" in body
    body = client.get(url(org), {"unit": "kg"}).content.decode()
    assert "Unsorted textiles (sacks)" in body and "Children&#x27;s winter jacket" not in body
    body = client.get(url(org), {"sizes": "shoes"}).content.decode()
    assert "Children&#x27;s winter jacket" not in body


def test_hidden_types_show_only_when_asked(org, admin, client_for):
    with scope(organization=org):
        services.update_item_type(
            org=org,
            item_type=item_type(org, "toy"),
            values={"name": "Old toy", "hidden": True},
            actor=admin,
        )
    client = client_for(admin)
    assert "Old toy" not in client.get(url(org)).content.decode()
    body = client.get(url(org), {"hidden": "1"}).content.decode()
    assert "Old toy" in body and "Hidden" in body


def test_sorting_by_name_lists_a_flat_list_with_categories(org, admin, client_for):
    body = client_for(admin).get(url(org), {"sort": "name"}).content.decode()
    assert body.index("<strong>Baby bodysuit</strong>") < body.index("<strong>Toy</strong>")
    body = client_for(admin).get(url(org), {"sort": "-name"}).content.decode()
    assert body.index("<strong>Toy</strong>") < body.index("<strong>Baby bodysuit</strong>")


def test_no_match_shows_an_empty_state(org, admin, client_for):
    body = client_for(admin).get(url(org), {"q": "zeppelin"}).content.decode()
    assert "No item type matches these filters." in body


def test_an_htmx_request_gets_only_the_rows(org, admin, client_for):
    body = client_for(admin).get(url(org), {"q": "toy"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<table" in body and "<html" not in body


def test_an_organisation_without_a_catalogue_gets_the_default_on_first_visit(db, client_for):
    org = make_org("older")
    with scope(organization=org):
        ItemType.objects.filter(organization=org).delete()
        Category.objects.filter(organization=org).delete()
    with scopes_disabled():
        admin = User.objects.get(email="admin@older.test")
    body = client_for(admin).get(url(org)).content.decode()
    assert "74 item types" in body


def test_adding_an_item_type(org, admin, client_for):
    toys = _category(org, "toys-school")
    response = client_for(admin).post(
        url(org, "goods:item-type-new"),
        {
            "category": toys.pk,
            "name": "Kite",
            "size_system": "none",
            "unit": "piece",
            "standard_weight_kg": "0.3",
            "fair_value": "40",
            "one_off": "on",
        },
    )
    assert response.status_code == 302
    with scope(organization=org):
        kite = ItemType.objects.get(organization=org, name="Kite")
    assert (kite.category_id, kite.one_off, str(kite.standard_weight_kg)) == (
        toys.pk,
        True,
        "0.300",
    )


def test_the_new_item_type_form_preselects_the_category(org, admin, client_for):
    toys = _category(org, "toys-school")
    body = client_for(admin).get(url(org, "goods:item-type-new"), {"category": toys.pk})
    assert f'<option value="{toys.pk}" selected>' in body.content.decode()


def test_a_duplicate_name_is_shown_on_the_name_field(org, admin, client_for):
    toys = _category(org, "toys-school")
    before = snapshot(org)
    response = client_for(admin).post(
        url(org, "goods:item-type-new"),
        {"category": toys.pk, "name": "toy", "size_system": "none", "unit": "piece"},
    )
    assert response.status_code == 409  # the service's answer, as in the API
    assert (
        "An item type with this name already exists in this category." in response.content.decode()
    )
    assert snapshot(org) == before


def test_changing_the_sizes_of_a_type_with_stock_is_refused_on_the_page(org, admin, client_for):
    stock(org, {make_location(org): {"child-winter-jacket-110": 1}})
    jacket = item_type(org, "child-winter-jacket")
    before = snapshot(org)
    response = client_for(admin).post(
        url(org, "goods:item-type-edit", item_type_id=jacket.pk),
        {
            "category": jacket.category_id,
            "name": "",
            "size_system": "adult",
            "unit": "piece",
            "standard_weight_kg": "0.8",
        },
    )
    assert response.status_code == 409  # the service's answer, as in the API
    assert "cannot change: stock has been recorded" in response.content.decode()
    assert snapshot(org) == before


def test_an_item_type_gets_a_code_on_its_page_like_through_the_api(org, admin, client_for):
    """The same rules as POST /goods/item-types (goods.services.catalogue): a code of one's
    own is saved; a code another type has, or a built-in type's code, is refused on the
    field with the service's 409 and nothing saved; a malformed code is a 400 on the field."""
    toys = _category(org, "toys-school")
    client = client_for(admin)
    kite = {"category": toys.pk, "name": "Kite", "size_system": "none", "unit": "piece"}
    assert (
        client.post(url(org, "goods:item-type-new"), {**kite, "code": "kite-1"}).status_code == 302
    )
    with scope(organization=org):
        assert ItemType.objects.get(organization=org, name="Kite").code == "kite-1"
    before = snapshot(org)
    taken = client.post(
        url(org, "goods:item-type-new"), {**kite, "name": "Kite 2", "code": "KITE-1"}
    )
    assert taken.status_code == 409
    assert "Another item type already has this code." in taken.content.decode()
    builtin = client.post(url(org, "goods:item-type-new"), {**kite, "name": "Ball", "code": "toy"})
    assert builtin.status_code == 409
    assert "This code belongs to a built-in item type" in builtin.content.decode()
    bad = client.post(url(org, "goods:item-type-new"), {**kite, "name": "Ball", "code": "a b/c"})
    assert bad.status_code in (400, 422) and 'id="id_code_error"' in bad.content.decode()
    assert snapshot(org) == before


def test_a_built_in_types_code_is_shown_but_cannot_change(org, admin, client_for):
    jacket = item_type(org, "child-winter-jacket")
    page = client_for(admin).get(url(org, "goods:item-type-edit", item_type_id=jacket.pk))
    body = page.content.decode()
    assert 'value="child-winter-jacket"' in body and "A built-in item type keeps its code." in body
    client_for(admin).post(
        url(org, "goods:item-type-edit", item_type_id=jacket.pk),
        {
            "category": jacket.category_id,
            "code": "my-jacket",  # a disabled field: the browser sends none, Django ignores it
            "size_system": "children",
            "unit": "piece",
            "standard_weight_kg": "0.8",
        },
    )
    jacket.refresh_from_db()
    assert jacket.code == "child-winter-jacket"


def test_hiding_a_built_in_type_from_its_edit_page(org, admin, client_for):
    jacket = item_type(org, "child-winter-jacket")
    client = client_for(admin)
    page = client.get(url(org, "goods:item-type-edit", item_type_id=jacket.pk)).content.decode()
    assert "Leave empty to use the built-in name" in page
    response = client.post(
        url(org, "goods:item-type-edit", item_type_id=jacket.pk),
        {
            "category": jacket.category_id,
            "name": "",
            "size_system": "children",
            "unit": "piece",
            "standard_weight_kg": "0.8",
            "hidden": "on",
        },
    )
    assert response.status_code == 302
    jacket.refresh_from_db()
    assert jacket.hidden and jacket.name == ""


def test_adding_and_editing_a_category(org, admin, client_for):
    client = client_for(admin)
    clothing = _category(org, "children-clothing")
    response = client.post(
        url(org, "goods:category-new"), {"name": "Rain wear", "parent": clothing.pk}
    )
    assert response.status_code == 302
    with scope(organization=org):
        rain = Category.objects.get(organization=org, name="Rain wear")
    assert rain.parent_id == clothing.pk
    page = client.get(url(org, "goods:category-edit", category_id=clothing.pk)).content.decode()
    # Not offered as its own parent, nor its subcategory.
    assert f'value="{rain.pk}"' not in page
    response = client.post(
        url(org, "goods:category-edit", category_id=rain.pk), {"name": "Rain", "hidden": "on"}
    )
    assert response.status_code == 302
    rain.refresh_from_db()
    assert (rain.name, rain.hidden, rain.parent_id) == ("Rain", True, None)


def test_a_category_without_a_name_is_refused(org, admin, client_for):
    before = snapshot(org)
    response = client_for(admin).post(url(org, "goods:category-new"), {"name": ""})
    assert response.status_code == 400
    assert snapshot(org) == before


def test_another_organisations_item_type_is_not_found(org, other_org, admin, client_for):
    foreign = item_type(other_org, "toy")
    response = client_for(admin).get(url(org, "goods:item-type-edit", item_type_id=foreign.pk))
    assert response.status_code == 404
