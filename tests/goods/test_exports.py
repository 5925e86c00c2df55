"""Exporting the stock list as CSV and XLSX: the page's filters and grouping, numbers as
numbers, member-typed names that look like formulas kept as text."""

import csv
import io
from urllib.parse import urlencode

import openpyxl
import pytest
from django.urls import reverse
from django_scopes import scope

from kindred.goods import services
from tests.conftest import item_type, make_location, make_site, snapshot, stock

pytestmark = pytest.mark.django_db


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def export(client, org, **params):
    return client.get(f"{reverse('goods:stock-export', args=[org.slug])}?{urlencode(params)}")


@pytest.fixture
def stocked(org, site):
    shelf = make_location(org, site, '=HYPERLINK("http://evil")')
    rack = make_location(org, make_site(org, "Butikken"), "Rack")
    stock(org, {shelf: {"child-winter-jacket-110": 5, "toy": 3}, rack: {"toy": 2}})
    return shelf, rack


def test_csv_export_has_the_filtered_rows_and_defuses_formulas(
    org, volunteer, client_for, site, stocked
):
    before = snapshot(org)
    response = export(client_for(volunteer), org, format="csv", site=site.pk)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))
    header, data = rows[0], rows[1:]
    assert header[:4] == ["Item type", "Code", "Category", "Size"]
    assert len(data) == 2
    by_code = {r[1]: dict(zip(header, r, strict=True)) for r in data}
    assert by_code["child-winter-jacket"]["Quantity"] == "5"
    assert by_code["child-winter-jacket"]["Kilograms"] == "4"
    assert by_code["toy"]["Location"] == '\'=HYPERLINK("http://evil")'
    assert snapshot(org) == before  # an export of stock changes nothing


def test_xlsx_export_keeps_numbers_and_text_cells(org, admin, client_for, stocked):
    response = export(client_for(admin), org, format="xlsx", sort="-quantity")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(body(response)))
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    quantities = [r[header.index("Quantity")] for r in rows[1:]]
    assert quantities == [5, 3, 2]
    locations = [r[header.index("Location")] for r in rows[1:]]
    assert '=HYPERLINK("http://evil")' in locations  # as text, not as a formula
    cell = next(
        c for row in sheet.iter_rows() for c in row if c.value == '=HYPERLINK("http://evil")'
    )
    assert cell.data_type == "s"


def test_export_grouped_by_item_type_and_size_adds_up_locations(org, admin, client_for, stocked):
    response = export(client_for(admin), org, format="csv", group="item", q="toy")
    rows = list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))
    header = rows[0]
    assert "Locations" in header
    assert len(rows) == 2
    toy = dict(zip(header, rows[1], strict=True))
    assert (toy["Locations"], toy["Quantity"]) == ("2", "5")


def test_export_with_an_unknown_format_falls_back_to_csv(org, admin, client_for, stocked):
    response = export(client_for(admin), org, format="pdf")
    assert response["Content-Type"].startswith("text/csv")


def test_export_shows_own_item_type_names(org, admin, client_for, site):
    shelf = make_location(org, site)
    with scope(organization=org):
        own = services.create_item_type(
            org=org,
            values={"category": item_type(org, "toy").category, "name": "Vinterjacka"},
            actor=None,
        )
        services.record(
            org=org,
            moves=[services.Move("intake", own.pk, "", "good", 1, None, shelf.pk)],
            actor=None,
        )
    response = export(client_for(admin), org, format="csv", q="vinter")
    text = body(response).decode("utf-8-sig")
    assert "Vinterjacka" in text and "Children" not in text


def test_referrer_cannot_export_stock(org, referrer, client_for, stocked):
    assert export(client_for(referrer), org, format="csv").status_code == 403
