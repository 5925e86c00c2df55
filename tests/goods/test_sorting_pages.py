"""Sorting pages: the list, the phone-friendly form with lines, the kilogram balance."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope

from kindred.goods.models import Sorting, Stream
from kindred.goods.services import SortingLineIn, record_sorting
from tests.conftest import balance, item_type, make_location, snapshot, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(org, site):
    room = make_location(org, site, "Sorting room")
    shelf = make_location(org, site, "Shelf A", kind="shelf")
    stock(org, {room: {"unsorted-textiles": 40}}, grade="unsorted")
    return room, shelf


def _form(org, room, shelf, **lines):
    data = {
        "source_location": room.pk,
        "source_item_type": item_type(org, "unsorted-textiles").pk,
        "source_grade": "unsorted",
        "weight_kg": "12",
        "note": "",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-stream": "keep",
        "lines-0-item_type": item_type(org, "child-winter-jacket").pk,
        "lines-0-size": "110",
        "lines-0-grade": "good",
        "lines-0-quantity": "3",
        "lines-0-location": shelf.pk,
        "lines-1-stream": "export",
        "lines-1-weight_kg": "7.5",
        "lines-1-location": shelf.pk,
    }
    data.update(lines)
    return data


def test_a_volunteer_records_a_sorting_with_lines_and_sees_its_kilograms(
    org, volunteer, client_for, places
):
    room, shelf = places
    client = client_for(volunteer)
    url = reverse("goods:sorting-new", args=[org.slug])
    page = client.get(url)
    assert page.status_code == 200
    assert b'data-add-line="lines"' in page.content
    assert b"lines-__prefix__-stream" in page.content  # the empty line JS copies

    response = client.post(url, _form(org, room, shelf))

    with scope(organization=org):
        sorting = Sorting.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("goods:sorting", args=[org.slug, sorting.pk])
    assert balance(org, room, "unsorted-textiles", grade="unsorted") == 28
    assert balance(org, shelf, "child-winter-jacket-110") == 3
    detail = client.get(response.url)
    assert detail.status_code == 200
    assert b"S-1" in detail.content
    assert b"kg-difference" in detail.content


def test_a_wrong_size_is_shown_on_its_line_and_nothing_is_saved(org, volunteer, client_for, places):
    room, shelf = places
    before = snapshot(org)
    response = client_for(volunteer).post(
        reverse("goods:sorting-new", args=[org.slug]),
        _form(org, room, shelf, **{"lines-0-size": "111"}),
    )
    assert response.status_code == 409
    form = response.context["lines"].forms[0]
    assert "111 is not a size" in form.errors["size"][0]
    assert snapshot(org) == before


def test_a_form_without_lines_says_so(org, volunteer, client_for, places):
    room, shelf = places
    data = _form(org, room, shelf)
    for key in [k for k in data if k.startswith(("lines-0", "lines-1"))]:
        del data[key]
    response = client_for(volunteer).post(reverse("goods:sorting-new", args=[org.slug]), data)
    assert response.status_code == 409
    assert "Add at least one line" in response.content.decode()


def test_the_list_searches_filters_and_has_an_empty_state(org, admin, client_for, places):
    room, _shelf = places
    client = client_for(admin)
    url = reverse("goods:sortings", args=[org.slug])
    assert "No sortings yet" in client.get(url).content.decode()
    with scope(organization=org):
        for note in ("Autumn sacks", "Spring sacks"):
            record_sorting(
                org=org,
                source_location=room,
                source_item_type=item_type(org, "unsorted-textiles"),
                weight_kg=Decimal(5),
                lines=[SortingLineIn(Stream.DISCARD, weight_kg=Decimal(5))],
                note=note,
                actor=admin,
            )
    page = client.get(url, {"q": "autumn"})
    assert page.context["page"].paginator.count == 1
    assert client.get(url, {"q": "S-2"}).context["page"].paginator.count == 1
    assert (
        client.get(url, {"site": room.site_id, "sort": "oldest"})
        .context["page"]
        .object_list[0]
        .number
        == 1
    )
    rows = client.get(url, {"q": "nothing"}, HTTP_HX_REQUEST="true")
    assert "No sorting matches" in rows.content.decode()
    assert b"<html" not in rows.content
