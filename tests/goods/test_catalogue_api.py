"""The catalogue and location API: names in the caller's language, item types and locations
added and changed, bad input answered with the shared error shape and nothing changed."""

import pytest
from django.utils import translation
from django_scopes import scope

from kindred.goods.catalogue import builtin_name
from kindred.goods.models import Category, Location
from tests.api.test_api import Api, assert_audited, field_errors, in_language
from tests.conftest import api_token, item_type, make_location, make_site, snapshot, stock

pytestmark = pytest.mark.django_db

ORG = "/organizations/home/goods"


def api_as(org, user) -> Api:
    api = Api(api_token(org, user))
    assert api.get("/me").status_code == 200  # its "last used" time is now set
    return api


@pytest.fixture
def as_admin(org, admin) -> Api:
    return api_as(org, admin)


def _category(org, code):
    with scope(organization=org):
        return Category.objects.get(organization=org, code=code)


# Catalogue ---------------------------------------------------------------------------------


def test_the_catalogue_lists_categories_with_their_item_types(as_admin):
    body = as_admin.get(ORG + "/catalogue").json()
    categories = {c["code"]: c for c in body["categories"]}
    clothing = categories["children-clothing"]
    jacket = next(t for t in clothing["item_types"] if t["code"] == "child-winter-jacket")
    assert jacket["name"] == "Children's winter jacket"
    assert jacket["sizes"][0] == "50" and jacket["sizes"][-1] == "176"
    assert (jacket["unit"], jacket["one_off"], jacket["hidden"], jacket["offered"]) == (
        "piece",
        False,
        False,
        True,
    )
    assert jacket["standard_weight_kg"] == "0.800"
    assert sum(len(c["item_types"]) for c in body["categories"]) >= 60


def test_names_follow_accept_language(as_admin):
    body = as_admin.get(ORG + "/catalogue", HTTP_ACCEPT_LANGUAGE="sv").json()
    names = {t["code"]: t["name"] for c in body["categories"] for t in c["item_types"]}
    with translation.override("sv"):
        assert names["child-winter-jacket"] == str(builtin_name("child-winter-jacket"))


def test_hidden_types_can_be_left_out(org, admin, as_admin):
    toy = item_type(org, "toy")
    assert as_admin.patch(f"{ORG}/item-types/{toy.pk}", {"hidden": True}).status_code == 200
    everything = as_admin.get(ORG + "/catalogue").json()
    in_use = as_admin.get(ORG + "/catalogue", {"include_hidden": "false"}).json()

    def codes(body):
        return {t["code"] for c in body["categories"] for t in c["item_types"]}

    assert "toy" in codes(everything) and "toy" not in codes(in_use)


def test_adding_an_item_type(org, as_admin):
    toys = _category(org, "toys-school")
    response = as_admin.post(
        ORG + "/item-types",
        {
            "category_id": toys.pk,
            "name": "Kite",
            "unit": "piece",
            "standard_weight_kg": 0.3,
            "fair_value": "40.00",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["code"], body["sizes"], body["fair_value"]) == (
        "Kite",
        "",
        [],
        "40.00",
    )
    assert_audited(org, "catalogue.item_type_added")


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"name": "Kite", "category_id": None}, 422, "category_id"),
        ({"name": "", "category_id": "TOYS"}, 422, "name"),
        ({"name": "Kite", "unit": "litre"}, 422, "unit"),
        ({"name": "Kite", "standard_weight_kg": -1}, 422, "standard_weight_kg"),
        ({"name": "Kite", "fair_value": "1.234"}, 422, "fair_value"),
        ({"name": "Toy"}, 409, "name"),
    ],
)
def test_a_bad_item_type_is_refused_with_the_field_named(org, as_admin, payload, status, field):
    toys = _category(org, "toys-school")
    before = snapshot(org)
    response = as_admin.post(ORG + "/item-types", {"category_id": toys.pk, **payload})
    assert response.status_code == status, response.content
    assert field in field_errors(response)
    assert snapshot(org) == before


def test_a_category_of_another_organisation_is_refused(org, other_org, as_admin):
    foreign = _category(other_org, "toys-school")
    before = snapshot(org)
    response = as_admin.post(ORG + "/item-types", {"category_id": foreign.pk, "name": "Kite"})
    assert response.status_code == 422
    assert "category_id" in field_errors(response)
    assert snapshot(org) == before


def test_renaming_a_built_in_type_and_giving_its_name_back(org, as_admin):
    jacket = item_type(org, "child-winter-jacket")
    response = as_admin.patch(f"{ORG}/item-types/{jacket.pk}", {"name": "Warm jacket"})
    assert response.json()["name"] == "Warm jacket"
    assert_audited(org, "catalogue.item_type_changed")
    response = as_admin.patch(f"{ORG}/item-types/{jacket.pk}", {"name": ""})
    assert response.json()["name"] == "Children's winter jacket"


def test_changing_the_unit_of_a_type_with_stock_answers_409(org, as_admin):
    stock(org, {make_location(org): {"toy": 2}})
    toy = item_type(org, "toy")
    before = snapshot(org)
    response = as_admin.patch(f"{ORG}/item-types/{toy.pk}", {"unit": "kg"})
    assert response.status_code == 409
    assert "unit" in field_errors(response)
    assert snapshot(org) == before


def test_another_organisations_item_type_is_not_found(org, other_org, as_admin):
    foreign = item_type(other_org, "toy")
    before = snapshot(other_org)
    response = as_admin.patch(f"{ORG}/item-types/{foreign.pk}", {"hidden": True})
    assert response.status_code == 404
    assert snapshot(other_org) == before


# Codes of your own item types --------------------------------------------------------------


def _codes(api) -> dict[str, str]:
    body = api.get(ORG + "/catalogue").json()
    return {t["code"]: t["name"] for c in body["categories"] for t in c["item_types"]}


def test_an_item_type_gets_a_code_when_added_and_changed(org, as_admin):
    toys = _category(org, "toys-school")
    response = as_admin.post(
        ORG + "/item-types", {"category_id": toys.pk, "name": "Kite", "code": " KITE-1 "}
    )
    assert response.status_code == 201, response.content
    kite = response.json()
    assert kite["code"] == "KITE-1"
    assert _codes(as_admin)["KITE-1"] == "Kite"
    assert_audited(org, "catalogue.item_type_added")

    response = as_admin.patch(f"{ORG}/item-types/{kite['id']}", {"code": "kite-2"})
    assert response.json()["code"] == "kite-2"
    assert_audited(org, "catalogue.item_type_changed")
    # The name of a type of one's own stays its own: an empty name is still refused.
    response = as_admin.patch(f"{ORG}/item-types/{kite['id']}", {"name": ""})
    assert response.status_code == 422 and "name" in field_errors(response)
    response = as_admin.patch(f"{ORG}/item-types/{kite['id']}", {"code": None})
    assert response.json()["code"] == ""


@pytest.mark.parametrize(
    ("code", "status", "message"),
    [
        ("kite", 409, "Another item type already has this code."),
        ("KITE", 409, "Another item type already has this code."),  # case is ignored
        ("toy", 409, "This code belongs to a built-in item type; choose another."),
        ("two words", 422, None),
        ("x" * 61, 422, None),
    ],
)
def test_a_taken_reserved_or_malformed_code_is_refused(org, as_admin, code, status, message):
    toys = _category(org, "toys-school")
    first = as_admin.post(
        ORG + "/item-types", {"category_id": toys.pk, "name": "Kite", "code": "kite"}
    )
    assert first.status_code == 201
    before = snapshot(org)
    response = as_admin.post(
        ORG + "/item-types",
        {"category_id": toys.pk, "name": "Big kite", "code": code},
        HTTP_ACCEPT_LANGUAGE="da",
    )
    assert response.status_code == status, response.content
    errors = field_errors(response)
    assert "code" in errors
    if message:
        assert errors["code"] == in_language("da", message)
    assert snapshot(org) == before
    # The same through a change of another type.
    other = as_admin.post(ORG + "/item-types", {"category_id": toys.pk, "name": "Yo-yo"}).json()
    response = as_admin.patch(f"{ORG}/item-types/{other['id']}", {"code": code})
    assert response.status_code == status and "code" in field_errors(response)
    assert as_admin.get(ORG + "/catalogue").status_code == 200
    assert (
        next(
            t["code"]
            for c in as_admin.get(ORG + "/catalogue").json()["categories"]
            for t in c["item_types"]
            if t["id"] == other["id"]
        )
        == ""
    )


def test_a_built_in_type_keeps_its_code(org, as_admin):
    jacket = item_type(org, "child-winter-jacket")
    before = snapshot(org)
    response = as_admin.patch(f"{ORG}/item-types/{jacket.pk}", {"code": "my-jacket"})
    assert response.status_code == 409
    assert field_errors(response)["code"] == "A built-in item type keeps its code."
    assert snapshot(org) == before
    # Sending its own code back changes nothing and is fine.
    response = as_admin.patch(f"{ORG}/item-types/{jacket.pk}", {"code": "child-winter-jacket"})
    assert response.status_code == 200


def test_codes_are_per_organisation_and_not_seen_by_another(org, other_org, admin, outsider):
    mine, theirs = api_as(org, admin), api_as(other_org, outsider)
    toys = _category(org, "toys-school")
    their_toys = _category(other_org, "toys-school")
    kite = mine.post(ORG + "/item-types", {"category_id": toys.pk, "name": "Kite", "code": "k1"})
    assert kite.status_code == 201
    other_path = "/organizations/other/goods"
    assert "k1" not in {
        t["code"]
        for c in theirs.get(other_path + "/catalogue").json()["categories"]
        for t in c["item_types"]
    }
    # Another organisation may use the same code for its own type …
    response = theirs.post(
        other_path + "/item-types", {"category_id": their_toys.pk, "name": "Drake", "code": "k1"}
    )
    assert response.status_code == 201, response.content
    # … and can neither read nor change ours.
    kite_id = kite.json()["id"]
    assert theirs.patch(f"{other_path}/item-types/{kite_id}", {"code": "x"}).status_code == 404
    assert mine.get(ORG + "/catalogue").status_code == 200
    assert _codes(mine)["k1"] == "Kite"


def test_a_volunteer_reads_the_catalogue_but_cannot_add_to_it(org, volunteer):
    api = api_as(org, volunteer)
    assert api.get(ORG + "/catalogue").status_code == 200
    before = snapshot(org)
    toys = _category(org, "toys-school")
    response = api.post(ORG + "/item-types", {"category_id": toys.pk, "name": "Kite"})
    assert response.status_code == 403
    assert snapshot(org) == before


# Locations ---------------------------------------------------------------------------------


def test_locations_are_listed_per_site_with_stock(org, as_admin, site):
    room = make_location(org, site, "Store room", kind="room")
    shelf = make_location(org, site, "Shelf A", kind="shelf", parent=room)
    stock(org, {shelf: {"toy": 3, "unsorted-textiles": 12}})
    make_location(org, make_site(org, "Butikken"), "Counter", kind="area")
    body = as_admin.get(ORG + "/locations", {"site": site.pk}).json()
    assert body["count"] == 2
    rows = {r["name"]: r for r in body["items"]}
    assert rows["Shelf A"]["path"] == ["Store room", "Shelf A"]
    assert (rows["Shelf A"]["units"], rows["Shelf A"]["kg"]) == ("3.000", "12.000")
    assert rows["Shelf A"]["code"] == f"L{shelf.pk}"
    body = as_admin.get(ORG + "/locations", {"q": "count", "page_size": 1}).json()
    assert [r["name"] for r in body["items"]] == ["Counter"]


def test_adding_a_location(org, as_admin, site):
    room = make_location(org, site, "Store room", kind="room")
    response = as_admin.post(
        ORG + "/locations",
        {"site_id": site.pk, "parent_id": room.pk, "name": "Shelf A", "kind": "shelf"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["path"] == ["Store room", "Shelf A"]
    assert_audited(org, "location.added")


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"name": ""}, 422, "name"),
        ({"name": "Bin", "kind": "transit"}, 422, "kind"),
        ({"name": "Bin", "site_id": 999999}, 422, "site_id"),
        ({"name": "Bin", "parent_id": 999999}, 422, "parent_id"),
        ({"name": "Store room"}, 409, "name"),
    ],
)
def test_a_bad_location_is_refused_with_the_field_named(
    org, as_admin, site, payload, status, field
):
    make_location(org, site, "Store room", kind="room")
    before = snapshot(org)
    response = as_admin.post(ORG + "/locations", {"site_id": site.pk, **payload})
    assert response.status_code == status, response.content
    assert field in field_errors(response)
    assert snapshot(org) == before


def test_renaming_and_archiving_a_location_in_one_request(org, as_admin, site):
    bin_ = make_location(org, site, "Bin 1", kind="bin")
    response = as_admin.patch(f"{ORG}/locations/{bin_.pk}", {"name": "Bin 2", "archived": True})
    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["archived"]) == ("Bin 2", True)
    response = as_admin.patch(f"{ORG}/locations/{bin_.pk}", {"archived": False, "name": "Bin 3"})
    assert (response.json()["name"], response.json()["archived"]) == ("Bin 3", False)


def test_archiving_a_location_with_stock_answers_409_and_changes_nothing(org, as_admin, site):
    shelf = make_location(org, site, "Shelf A", kind="shelf")
    stock(org, {shelf: {"toy": 1}})
    before = snapshot(org)
    response = as_admin.patch(f"{ORG}/locations/{shelf.pk}", {"name": "Shelf B", "archived": True})
    assert response.status_code == 409
    assert "archived" in field_errors(response)
    assert snapshot(org) == before
    with scope(organization=org):
        assert Location.objects.get(pk=shelf.pk).name == "Shelf A"


def test_another_organisations_location_is_not_found(org, other_org, as_admin):
    foreign = make_location(other_org, make_site(other_org, "Lager"), "Room")
    before = snapshot(other_org)
    assert as_admin.patch(f"{ORG}/locations/{foreign.pk}", {"name": "X"}).status_code == 404
    assert snapshot(other_org) == before
