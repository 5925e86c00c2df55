"""The public needs list: off by default (404), on when the organisation says so, what is
wanted with sizes grouped into ranges, in the visitor's language, no figures."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_scopes import scope

from kindred.goods import services
from kindred.goods.queries.stock import size_ranges
from kindred.goods.sizes import SizeSystem
from tests.conftest import item_type, make_location, make_site, stock

pytestmark = pytest.mark.django_db


def publish(org, *, on=True, intro="We collect on Saturdays."):
    with scope(organization=org):
        services.update_needs_settings(
            org=org, public_needs=on, public_intro=intro, thank_you_text="", actor=None
        )


def level(org, code, size="", minimum=10, public=True, site=None):
    with scope(organization=org):
        services.set_threshold(
            org=org,
            item_type=item_type(org, code),
            size=size,
            site=site,
            minimum=minimum,
            public=public,
            actor=None,
        )


def url(org) -> str:
    return reverse("goods:public-needs", args=[org.slug])


def test_consecutive_sizes_become_ranges():
    children = {"110", "116", "122", "128", "146"}
    assert size_ranges(SizeSystem.CHILDREN, children) == ["110\u2013128", "146"]
    assert size_ranges(SizeSystem.ADULT, {"S", "M", "XL"}) == ["S\u2013M", "XL"]
    assert size_ranges(SizeSystem.SHOES, {"30"}) == ["30"]


def test_the_page_is_404_until_the_organisation_turns_it_on(org):
    assert Client().get(url(org)).status_code == 404
    publish(org, on=False)
    assert Client().get(url(org)).status_code == 404
    publish(org)
    assert Client().get(url(org)).status_code == 200


def test_an_unknown_organisation_is_404(db):
    assert Client().get(reverse("goods:public-needs", args=["nobody"])).status_code == 404


def test_the_page_lists_what_is_wanted_with_size_ranges_and_no_figures(org, site):
    shelf = make_location(org, site)
    stock(org, {shelf: {"child-winter-jacket-116": 3, "toy": 50, "sweater-M": 1}})
    for size in ("110", "116", "122", "128"):
        level(org, "child-winter-jacket", size, minimum=7)
    level(org, "toy", minimum=20)  # 50 in stock: not wanted
    level(org, "sweater", minimum=4, public=False)  # wanted, but not public
    level(org, "winter-boots", minimum=3)  # none in stock: all sizes wanted
    make_site(org, "Butikken", street="Torvet 3", postcode="7430", city="Ikast")
    publish(org)

    response = Client().get(url(org))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Children&#x27;s winter jacket" in body and "110\u2013128" in body
    assert "Winter boots" in body
    assert "Toy" not in body and "Sweater" not in body
    assert "We collect on Saturdays." in body
    assert "Torvet 3, 7430 Ikast" in body
    main = body.split("<main", 1)[1]
    numbers = set(re.findall(r"\b\d+\b", main))
    assert numbers <= {"110", "128", "3", "7430"}  # sizes and the address, never stock


def test_the_page_speaks_the_visitors_language_and_can_be_cached(org, site):
    publish(org)
    level(org, "toy", minimum=1)
    english = Client().get(url(org))
    danish = Client().get(url(org), HTTP_ACCEPT_LANGUAGE="da")
    chosen = Client().get(url(org) + "?lang=sv")
    assert english["Content-Language"] == "en"
    assert danish["Content-Language"] == "da"
    assert chosen["Content-Language"] == "sv"
    assert '<html lang="sv">' in chosen.content.decode()
    assert "public" in english["Cache-Control"] and "max-age" in english["Cache-Control"]
    assert "csrfmiddlewaretoken" not in english.content.decode()
    assert "?lang=uk" in english.content.decode()


def test_the_page_says_thank_you_when_nothing_is_needed(org):
    publish(org)
    body = Client().get(url(org)).content.decode()
    assert "Right now we have what we need." in body


def test_another_organisations_needs_are_not_shown(org, other_org):
    publish(org)
    level(other_org, "toy", minimum=5)
    body = Client().get(url(org)).content.decode()
    assert "Toy" not in body
    assert Client().get(url(other_org)).status_code == 404


def test_the_settings_page_previews_the_list(org, admin, client_for):
    level(org, "toy", minimum=5)
    body = client_for(admin).get(reverse("goods:needs-settings", args=[org.slug])).content
    assert "Toy" in body.decode()
