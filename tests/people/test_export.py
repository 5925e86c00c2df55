"""Exporting the persons and households lists as CSV and XLSX: the rows the member sees
with the page's filters, the columns their role may see, no identity number in clear, no
formula that a spreadsheet would run."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from kindred.core.models import AuditEntry, Membership
from kindred.core.roles import Role
from kindred.people import exports, services
from tests.conftest import api_token, make_member, snapshot

CPR = "211062-5629"
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, org) -> str:
    return reverse(f"people:{name}", args=[org.slug])


def person(org, actor, given, family="Holm", **values):
    national_id = values.pop("national_id", None)
    with scope(organization=org):
        return services.create_person(
            org=org,
            values={"given_name": given, "family_name": family, **values},
            actor=actor,
            national_id=national_id,
        )


def household(org, actor, label, *members):
    with scope(organization=org):
        home = services.create_household(org=org, values={"label": label}, actor=actor)
        for member, relation in members:
            services.add_to_household(
                org=org, household=home, person=member, relation=relation, actor=actor
            )
    return home


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def csv_rows(response) -> list[list[str]]:
    data = body(response)
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the BOM
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_rows(data: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def membership(org, user) -> Membership:
    with scopes_disabled():
        return Membership.objects.get(organization=org, user=user)


def service_export(org, user, fmt="csv", **filters) -> bytes:
    with scope(organization=org):
        export = exports.export_persons(
            org=org, membership=membership(org, user), actor=user, fmt=fmt, **filters
        )
    return export.file.read()


def names_in_page(html: str) -> list[str]:
    return re.findall(r"<strong>([^<]+)</strong></a></td>", html)


# Rows ----------------------------------------------------------------------------------------


def test_the_export_holds_exactly_the_rows_of_the_filtered_list_in_its_order(
    org, coordinator, client_for
):
    anna, bo = person(org, coordinator, "Anna"), person(org, coordinator, "Bo")
    person(org, coordinator, "Carl")  # in no household: filtered out
    person(org, coordinator, "Annika", "Berg")  # another name: searched out
    household(org, coordinator, "Holm", (anna, "head"), (bo, "child"))
    client = client_for(coordinator)
    filters = {"q": "Holm", "household": "yes", "sort": "newest"}

    page = client.get(url("persons", org), filters, **HTMX).content.decode()
    exported = csv_rows(client.get(url("persons-export", org), {**filters, "format": "csv"}))

    header, *rows = exported
    assert names_in_page(page) == ["Bo Holm", "Anna Holm"]
    assert [f"{r[0]} {r[1]}" for r in rows] == ["Bo Holm", "Anna Holm"]
    assert header[:3] == ["Given name", "Family name", "Preferred name"]
    relation = header.index("Relation in the household")
    assert [r[header.index("Household")] for r in rows] == ["Holm", "Holm"]
    assert [r[relation] for r in rows] == ["Child", "Head of household"]


def test_a_referrer_exports_only_the_records_they_registered(org, coordinator, referrer):
    mine = person(org, referrer, "Mine")
    person(org, coordinator, "Theirs")
    household(org, referrer, "Own", (mine, "head"))

    as_referrer = service_export(org, referrer)
    as_coordinator = service_export(org, coordinator)

    def given_names(data: bytes) -> list[str]:
        return [r[0] for r in list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1:]]

    assert given_names(as_referrer) == ["Mine"]
    assert given_names(as_coordinator) == ["Mine", "Theirs"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_details_follow_the_role_and_identity_numbers_are_never_exported(
    fmt, org, coordinator, volunteer
):
    person(
        org,
        coordinator,
        "Anna",
        phone="21436587",
        notes="Needs a wheelchair",
        birth_date=date(1962, 10, 21),
        national_id=("DK", CPR),
    )

    full = service_export(org, coordinator, fmt)
    reduced = service_export(org, volunteer, fmt)

    def table(data: bytes) -> list[list]:
        if fmt == "xlsx":
            return xlsx_rows(data)
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))

    (header, row), (small_header, small_row) = table(full), table(reduced)
    shown = dict(zip(header, row, strict=True))
    assert shown["Phone"] == "+4521436587"
    assert shown["Notes"] == "Needs a wheelchair"
    assert shown["Identity number recorded"] == "yes"
    assert shown["Identity number country"] == "DK"
    hidden = {
        "Phone",
        "E-mail address",
        "Street",
        "Notes",
        "Birth date",
        "Identity number recorded",
    }
    assert hidden <= set(header)
    assert not hidden & set(small_header)
    assert dict(zip(small_header, small_row, strict=True))["Given name"] == "Anna"
    for data in (full, reduced):
        raw = (
            data
            if fmt == "csv"
            else b"".join(
                zipfile.ZipFile(io.BytesIO(data)).read(n)
                for n in zipfile.ZipFile(io.BytesIO(data)).namelist()
            )
        )
        assert CPR.encode() not in raw and CPR.replace("-", "").encode() not in raw


# Files ---------------------------------------------------------------------------------------


FORMULAS = ['=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)"]


def test_formulas_are_neutralised_in_csv_and_written_as_text_in_xlsx(org, coordinator, client_for):
    person(org, coordinator, FORMULAS[0], FORMULAS[1], notes=FORMULAS[2], street=FORMULAS[3])
    person(org, coordinator, "Tab", "\tTabbed", phone="+45 21 43 65 87")
    client = client_for(coordinator)

    csv_data = csv_rows(client.get(url("persons-export", org), {"format": "csv", "sort": "newest"}))
    xlsx_data = body(client.get(url("persons-export", org), {"format": "xlsx", "sort": "newest"}))

    header, tab, evil = csv_data
    columns = [header.index(n) for n in ("Given name", "Family name", "Notes", "Street")]
    assert [evil[i] for i in columns] == ["'" + f for f in FORMULAS]
    assert tab[header.index("Family name")] == "'\tTabbed"
    assert tab[header.index("Phone")] == "+4521436587"  # a number: left as it is
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_data)).worksheets[0]
    cells = [sheet.cell(row=3, column=i + 1) for i in columns]
    assert [c.value for c in cells] == FORMULAS  # exactly as typed …
    assert {c.data_type for c in cells} == {"s"}  # … as text
    sheet_xml = zipfile.ZipFile(io.BytesIO(xlsx_data)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml  # no formula anywhere


def test_csv_keeps_danish_and_cyrillic_letters_and_xlsx_has_typed_cells(
    org, coordinator, client_for
):
    person(org, coordinator, "Søren", "Ærø", birth_date=date(1990, 1, 2))
    person(org, coordinator, "Олена", "Шевченко")
    client = client_for(coordinator)

    csv_response = client.get(url("persons-export", org), {"format": "csv"})
    xlsx_response = client.get(url("persons-export", org), {"format": "xlsx"})

    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="persons-home-' in csv_response["Content-Disposition"]
    assert csv_response["Cache-Control"].startswith("max-age=0")
    rows = csv_rows(csv_response)
    assert [r[:2] for r in rows[1:]] == [["Søren", "Ærø"], ["Олена", "Шевченко"]]
    assert xlsx_response["Content-Type"] == exports.XLSX_TYPE
    header, soren, _olena = xlsx_rows(body(xlsx_response))
    born = soren[header.index("Birth date")]
    assert (soren[0], born.date()) == ("Søren", date(1990, 1, 2))  # a date cell, not text
    assert soren[header.index("Birth year")] == 1990


def test_the_households_export_follows_the_search(org, coordinator, client_for):
    household(org, coordinator, "Holm", (person(org, coordinator, "Anna"), "head"))
    household(org, coordinator, "Berg")
    client = client_for(coordinator)

    header, *rows = csv_rows(client.get(url("households-export", org), {"q": "Hol"}))

    assert header[:2] == ["Label", "Members"]
    assert [r[:2] for r in rows] == [["Holm", "1"]]


def test_every_export_is_audited_with_its_filters_and_row_count(org, coordinator, client_for):
    person(org, coordinator, "Anna")
    person(org, coordinator, "Bo", "Berg")

    client_for(coordinator).get(url("persons-export", org), {"format": "xlsx", "q": "Holm"})

    with scopes_disabled():
        entry = AuditEntry.objects.filter(organization=org).latest("pk")
    assert entry.action == "people.exported"
    assert entry.actor == coordinator
    assert entry.changes == {
        "list": [None, "persons"],
        "format": [None, "xlsx"],
        "search": [None, "Holm"],
        "sort": [None, "name"],
        "rows": [None, 1],
    }


def test_an_export_costs_the_same_queries_for_any_number_of_rows(org, coordinator, client_for):
    client = client_for(coordinator)
    home = household(org, coordinator, "Holm", (person(org, coordinator, "A0"), "head"))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            body(client.get(url("persons-export", org), {"format": "xlsx"}))
        return len(captured)

    queries()  # the first request of a session does some one-time work
    few = queries()
    for n in range(1, 30):
        with scope(organization=org):
            services.add_to_household(
                org=org,
                household=home,
                person=person(org, coordinator, f"A{n}"),
                relation="child",
                actor=coordinator,
            )

    assert queries() == few


# Who may --------------------------------------------------------------------------------------


def test_the_list_pages_offer_exports_with_the_current_filters_to_those_who_may(
    org, coordinator, volunteer, client_for
):
    person(org, coordinator, "Anna")
    household(org, coordinator, "Holm")

    persons_page = client_for(coordinator).get(
        url("persons", org), {"q": "Anna Holm", "household": "no"}
    )
    households_page = client_for(coordinator).get(url("households", org), {"q": "Hol"})
    volunteer_page = client_for(volunteer).get(url("persons", org)).content.decode()

    html = persons_page.content.decode()
    assert (
        url("persons-export", org) + "?format=xlsx&amp;q=Anna%20Holm&amp;household=no&amp;sort=name"
    ) in html
    assert url("import", org) in html
    assert (
        url("households-export", org) + "?format=csv&amp;q=Hol" in households_page.content.decode()
    )
    assert url("persons-export", org) not in volunteer_page
    assert url("import", org) not in volunteer_page


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.FUNDRAISER, Role.REFERRER])
def test_members_who_may_not_export_get_403_and_nothing_is_recorded(role, org, admin, client_for):
    person(org, admin, "Anna")
    client = client_for(make_member(org, role))
    before = snapshot(org)

    answers = [
        client.get(url("persons-export", org), {"format": "csv"}).status_code,
        client.get(url("households-export", org), {"format": "xlsx"}).status_code,
    ]

    assert answers == [403, 403]
    assert snapshot(org) == before


def test_the_outsider_gets_404_and_nothing_is_recorded(org, admin, outsider, client_for):
    person(org, admin, "Anna")
    before = snapshot(org)
    client = client_for(outsider)

    answers = [
        client.get(url("persons-export", org), {"format": "csv"}).status_code,
        client.get(url("households-export", org), {"format": "csv"}).status_code,
    ]

    assert answers == [404, 404]
    assert snapshot(org) == before


def test_a_format_other_than_csv_or_xlsx_gets_400(org, coordinator, client_for):
    before = snapshot(org)

    response = client_for(coordinator).get(url("persons-export", org), {"format": "pdf"})

    assert response.status_code == 400
    assert response.content.decode() == "Choose the file format: CSV or XLSX."
    assert snapshot(org) == before


# The API ---------------------------------------------------------------------------------------


def test_the_api_exports_the_same_file_and_refuses_others(org, coordinator, volunteer, outsider):
    person(org, coordinator, "Anna", phone="21436587")
    person(org, coordinator, "Bo", "Berg")
    path = f"/api/v1/organizations/{org.slug}/exports/persons"

    def get(user, token_org=org, **params):
        token = api_token(token_org, user)
        return Client().get(path, params, HTTP_AUTHORIZATION=f"Bearer {token}")

    allowed = get(coordinator, q="Holm")
    denied = get(volunteer)
    bad = get(coordinator, format="pdf")
    stranger = get(outsider, token_org=outsider_org(outsider))

    header, *rows = csv_rows(allowed)
    assert [r[0] for r in rows] == ["Anna"]
    assert rows[0][header.index("Phone")] == "+4521436587"
    assert denied.status_code == 403 and denied.json()["errors"] == []
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "format"
    assert stranger.status_code == 404


def outsider_org(outsider):
    with scopes_disabled():
        return Membership.objects.get(user=outsider).organization
