"""The label sheet (goods/labels.py) and its pages: every QR code decodes to exactly the
URL of its location's or item's page, one per label, on every layout; the pages print only
the organisation's own locations and items."""

from __future__ import annotations

import pypdfium2
import pytest
import zxingcpp
from django.urls import reverse
from django_scopes import scope

from kindred.goods import labels
from kindred.goods.models import Grade, Location, OneOffItem
from tests.conftest import item_type, make_location, make_site

BASE = "https://kindred.example.org"
DPI = 200


def decode(pdf: bytes) -> list[list[zxingcpp.Result]]:
    """The QR codes found on each page, rendered at DPI like a modest scanner or camera."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        pages = []
        for page in document:
            image = page.render(scale=DPI / 72).to_pil()
            found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
            pages.append(
                sorted(found, key=lambda r: (r.position.top_left.y, r.position.top_left.x))
            )
            page.close()
        return pages
    finally:
        document.close()


def texts(pdf: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        # Words, whatever the lines the labels wrapped them onto.
        return [" ".join(page.get_textpage().get_text_range().split()) for page in document]
    finally:
        document.close()


def one_off(org, code: str = "sofa", **values) -> OneOffItem:
    kind = item_type(org, code)
    with scope(organization=org):
        return OneOffItem.objects.create(
            organization=org, item_type=kind, grade=values.pop("grade", Grade.GOOD), **values
        )


@pytest.fixture
def places(org, site):
    room = make_location(org, site, "Room 1", kind="room")
    shelf = make_location(org, site, "Shelf A", kind="shelf", parent=room)
    bin_ = make_location(org, site, "Bin 3", kind="bin", parent=shelf)
    return room, shelf, bin_


def url_of(org, route: str, **kwargs) -> str:
    return BASE + reverse(f"goods:{route}", kwargs={"org_slug": org.slug, **kwargs})


def sheet(org, *, locations=(), items=(), layout="3x8", skip=0) -> bytes:
    found = [
        labels.location_label(loc, org_slug=org.slug, base_url=BASE + "/", path="Room 1")
        for loc in locations
    ] + [labels.item_label(item, org_slug=org.slug, base_url=BASE) for item in items]
    return labels.render(found, layout=layout, skip=skip)


# The PDF ---------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["3x8", "2x7", "3x7"])
def test_each_qr_code_on_a_sheet_decodes_to_exactly_its_item_or_bin_url(org, places, layout):
    _room, shelf, bin_ = places
    items = [one_off(org, description=f"Sofa {n}", location=shelf) for n in range(4)]

    pdf = sheet(org, locations=[bin_, shelf], items=items, layout=layout)

    (page,) = decode(pdf)
    expected = [url_of(org, "location", location_id=bin_.pk)]
    expected += [url_of(org, "location", location_id=shelf.pk)]
    expected += [url_of(org, "item", item_id=i.pk) for i in items]
    assert sorted(r.text for r in page) == sorted(expected)  # one code per label, no more
    assert all(r.format == zxingcpp.BarcodeFormat.QRCode for r in page)


def test_a_full_sheet_goes_on_to_a_second_page_and_every_code_still_decodes(org, places):
    _room, shelf, bin_ = places
    items = [one_off(org, "pram", size="", location=shelf) for _ in range(25)]

    pages = decode(sheet(org, locations=[bin_], items=items))

    assert [len(p) for p in pages] == [24, 2]
    decoded = [r.text for p in pages for r in p]
    assert decoded.count(url_of(org, "location", location_id=bin_.pk)) == 1
    assert sorted(decoded) == sorted(
        [url_of(org, "location", location_id=bin_.pk)]
        + [url_of(org, "item", item_id=i.pk) for i in items]
    )


def test_the_big_layout_prints_one_label_per_page_with_a_large_code(org, places):
    _room, shelf, bin_ = places
    item = one_off(org, description="Grey three-seater", location=shelf)

    pdf = sheet(org, locations=[bin_], items=[item], layout="big")
    pages = decode(pdf)

    assert [[r.text for r in p] for p in pages] == [
        [url_of(org, "location", location_id=bin_.pk)],
        [url_of(org, "item", item_id=item.pk)],
    ]
    corners = pages[0][0].position
    width_px = corners.top_right.x - corners.top_left.x
    assert width_px / DPI * 25.4 > 80  # mm, without the quiet zone


def test_every_layout_keeps_the_code_at_least_24_mm_with_its_quiet_zone():
    for layout in labels.LAYOUTS.values():
        assert layout.qr_size >= labels.MIN_QR_MM, layout.key
        if not layout.big:
            right = (
                layout.left + layout.columns * layout.width + (layout.columns - 1) * layout.gap_x
            )
            bottom = layout.top + layout.rows * layout.height + (layout.rows - 1) * layout.gap_y
            assert right <= labels.PAGE_W and bottom <= labels.PAGE_H, layout.key


def test_a_qr_code_is_never_a_micro_qr_even_for_a_short_text():
    assert len(labels.qr_matrix("L1")) >= 21  # version 1 of a full QR code


def test_labels_show_the_readable_code_site_and_item_facts(org, places):
    _room, _shelf, bin_ = places
    item = one_off(org, "child-winter-jacket", size="110", description="Red, hood")

    (text,) = texts(sheet(org, locations=[bin_], items=[item]))

    assert bin_.code in text and "Bin 3" in text and "Lageret" in text
    assert item.code in text and "Children's winter jacket" in text
    assert "Size 110" in text and "Good" in text and "Red, hood" in text


def test_skip_leaves_the_first_positions_of_a_used_sheet_empty(org, places):
    _room, _shelf, bin_ = places

    (first,) = decode(sheet(org, locations=[bin_]))
    (skipped,) = decode(sheet(org, locations=[bin_], skip=4))  # row 2, column 2

    assert first[0].text == skipped[0].text
    assert skipped[0].position.top_left.x > first[0].position.top_left.x + 200
    assert skipped[0].position.top_left.y > first[0].position.top_left.y + 200


# The pages ---------------------------------------------------------------------------------


def pdf_url(org, **query) -> str:
    from urllib.parse import urlencode

    return reverse("goods:labels-pdf", args=[org.slug]) + "?" + urlencode(query, doseq=True)


def test_the_print_page_encodes_this_servers_absolute_urls(org, places, volunteer, client_for):
    _room, shelf, bin_ = places
    item = one_off(org, location=shelf)

    response = client_for(volunteer).get(pdf_url(org, location=[bin_.pk], item=[item.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    (page,) = decode(response.content)
    assert sorted(r.text for r in page) == sorted(
        [
            f"http://testserver/o/{org.slug}/goods/locations/{bin_.pk}/",
            f"http://testserver/o/{org.slug}/goods/items/{item.pk}/",
        ]
    )


def test_the_big_layout_is_chosen_on_the_print_page(org, places, volunteer, client_for):
    _room, _shelf, bin_ = places

    response = client_for(volunteer).get(pdf_url(org, location=[bin_.pk], layout="big"))

    assert response.status_code == 200
    assert len(decode(response.content)) == 1


def test_printing_nothing_answers_400_with_a_message(org, volunteer, client_for):
    response = client_for(volunteer).get(pdf_url(org))

    assert response.status_code == 400
    assert "Choose at least one location or item to print." in response.content.decode()


@pytest.mark.parametrize("bad", [{"layout": "a5"}, {"skip": "-1"}, {"skip": "x"}])
def test_a_bad_sheet_option_answers_400(org, places, volunteer, client_for, bad):
    response = client_for(volunteer).get(pdf_url(org, location=[places[2].pk], **bad))

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_too_many_labels_at_once_answer_400(org, volunteer, client_for):
    response = client_for(volunteer).get(pdf_url(org, item=list(range(1, 482))))

    assert response.status_code == 400
    assert "Print at most 480 labels at a time." in response.content.decode()


def test_a_bad_id_answers_400(org, volunteer, client_for):
    response = client_for(volunteer).get(pdf_url(org, location=["L1"]))

    assert response.status_code == 400
    assert "Choose labels from the list." in response.content.decode()


def test_another_organisations_location_or_item_is_never_printed(
    org, other_org, places, volunteer, client_for
):
    theirs_site = make_site(other_org, "Lagret Malmö")
    theirs = make_location(other_org, theirs_site, "Their secret bin", kind="bin")
    their_item = one_off(other_org, description="Their sofa")
    client = client_for(volunteer)

    for query in (
        {"location": [places[2].pk, theirs.pk]},
        {"location": [theirs.pk]},
        {"item": [their_item.pk]},
    ):
        response = client.get(pdf_url(org, **query))
        assert response.status_code == 400, query
        body = response.content.decode()
        assert "Their secret bin" not in body and "Malmö" not in body
        assert "do not exist" in body


def test_the_choose_page_lists_the_organisations_locations_with_filters(
    org, other_org, places, volunteer, client_for
):
    _room, shelf, bin_ = places
    other_site = make_site(org, "Butikken")
    make_location(org, other_site, "Back room", kind="room")
    make_location(other_org, make_site(other_org, "Lagret"), "Their shelf", kind="shelf")
    client = client_for(volunteer)
    url = reverse("goods:labels", args=[org.slug])

    everything = client.get(url).content.decode()
    bins = client.get(url, {"kind": "bin"}).content.decode()
    at_site = client.get(url, {"site": other_site.pk}).content.decode()
    by_code = client.get(url, {"q": bin_.code}).content.decode()
    nothing = client.get(url, {"q": "no such place"}).content.decode()

    assert "Bin 3" in everything and "Back room" in everything and "Their shelf" not in everything
    assert f'name="location" value="{bin_.pk}"' in everything
    assert "Room 1 \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} Shelf A" in everything
    assert "Bin 3" in bins and f'name="location" value="{shelf.pk}"' not in bins
    assert "Back room" in at_site and "Bin 3" not in at_site
    assert "Bin 3" in by_code and "Back room" not in by_code
    assert "Nothing matches these filters." in nothing
    assert "data-select-all" in everything and "goods/labels.js" in everything


def test_the_choose_page_lists_one_off_items_by_type_and_status(org, places, volunteer, client_for):
    sofa = one_off(org, description="Blue sofa")
    pram = one_off(org, "pram", description="Black pram", status=OneOffItem.Status.GONE)
    client = client_for(volunteer)
    url = reverse("goods:labels", args=[org.slug])

    items = client.get(url, {"show": "items"}).content.decode()
    gone = client.get(url, {"show": "items", "status": "gone"}).content.decode()
    prams = client.get(url, {"show": "items", "item_type": pram.item_type_id}).content.decode()
    searched = client.get(url, {"show": "items", "q": "blue"}).content.decode()

    assert f'name="item" value="{sofa.pk}"' in items and "Black pram" in items
    assert "Black pram" in gone and "Blue sofa" not in gone
    assert "Black pram" in prams and "Blue sofa" not in prams
    assert "Blue sofa" in searched and "Black pram" not in searched


def test_the_choose_page_has_an_empty_state(org, volunteer, client_for):
    url = reverse("goods:labels", args=[org.slug])

    locations = client_for(volunteer).get(url).content.decode()
    items = client_for(volunteer).get(url, {"show": "items"}).content.decode()

    assert "No locations yet." in locations
    assert "No one-off items yet." in items


def test_the_filters_answer_htmx_with_the_rows_only(org, places, volunteer, client_for):
    response = client_for(volunteer).get(
        reverse("goods:labels", args=[org.slug]), {"kind": "bin"}, HTTP_HX_REQUEST="true"
    )

    body = response.content.decode()
    assert "Bin 3" in body and "<html" not in body


def test_the_transit_location_gets_no_label(org, site, volunteer, client_for):
    from kindred.goods.services.catalogue import transit_location

    with scope(organization=org):
        transit = transit_location(site)
        assert transit.kind == Location.Kind.TRANSIT
    body = client_for(volunteer).get(reverse("goods:labels", args=[org.slug])).content.decode()
    assert f'name="location" value="{transit.pk}"' not in body


def test_choosing_labels_takes_a_bounded_number_of_queries(
    org, site, volunteer, client_for, django_assert_max_num_queries
):
    parent = make_location(org, site, "Room", kind="room")
    for n in range(30):
        make_location(org, site, f"Bin {n}", kind="bin", parent=parent)
    client = client_for(volunteer)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("goods:labels", args=[org.slug])).status_code == 200
