"""Movement history (all movements, one item type's history) and stock at a past date."""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from kindred.goods import services
from kindred.goods.models import Movement
from kindred.goods.queries import stock as q
from tests.conftest import item_type, make_location, make_site, stock

pytestmark = pytest.mark.django_db
Kind = Movement.Kind


def page(name, org, *args, **params) -> str:
    base = reverse(f"goods:{name}", args=[org.slug, *args])
    return f"{base}?{urlencode(params)}" if params else base


def backdate(org, days: int) -> None:
    """Move every movement so far `days` into the past (as if recorded then)."""
    with scope(organization=org):
        Movement.objects.filter(organization=org).backdate(timezone.now() - timedelta(days=days))


@pytest.fixture
def shelves(org, site):
    return make_location(org, site, "Shelf A"), make_location(org, site, "Bin 1")


def transfer(org, actor, code, size, quantity, source, target, **extra):
    with scope(organization=org):
        services.record(
            org=org,
            moves=[
                services.Move(
                    Kind.TRANSFER,
                    item_type(org, code).pk,
                    size,
                    "good",
                    Decimal(quantity),
                    source.pk,
                    target.pk,
                )
            ],
            actor=actor,
            **extra,
        )


def test_movements_filter_by_kind_item_type_location_site_and_date(org, admin, shelves):
    shelf, bin_ = shelves
    stock(org, {shelf: {"child-winter-jacket-110": 5, "toy": 2}})
    backdate(org, 10)
    transfer(org, admin, "child-winter-jacket", "110", 2, shelf, bin_)
    shop_rack = make_location(org, make_site(org, "Butikken"), "Rack")
    stock(org, {shop_rack: {"toy": 1}})
    jacket = item_type(org, "child-winter-jacket")
    with scope(organization=org):
        assert q.movements(org).count() == 4
        assert q.movements(org, q.MovementFilter(kind=Kind.TRANSFER)).count() == 1
        assert q.movements(org, q.MovementFilter(item_type=jacket.pk)).count() == 2
        assert q.movements(org, q.MovementFilter(location=bin_.pk)).count() == 1
        assert q.movements(org, q.MovementFilter(site=shop_rack.site_id)).count() == 1
        recent = q.MovementFilter(since=timezone.now() - timedelta(days=1))
        assert q.movements(org, recent).count() == 2
        old = q.MovementFilter(until=timezone.now() - timedelta(days=5))
        assert q.movements(org, old).count() == 2
        newest = q.movements(org)
        assert newest[0].created_at >= newest[3].created_at
        oldest = q.movements(org, oldest_first=True)
        assert oldest[0].created_at <= oldest[3].created_at


def test_movement_rows_link_to_their_document_when_it_exists(org, admin, shelves):
    from kindred.goods.models import Transfer

    shelf, bin_ = shelves
    stock(org, {shelf: {"toy": 3}})
    with scope(organization=org):
        document = Transfer.objects.create(
            organization=org, number=7, from_location=shelf, to_location=bin_, status="done"
        )
    transfer(
        org, admin, "toy", "", 1, shelf, bin_, document_type="transfer", document_id=document.pk
    )
    with scope(organization=org):
        rows = q.attach_documents(org, list(q.movements(org, q.MovementFilter(kind="transfer"))))
        by_document = q.movements(
            org, q.MovementFilter(document_type="transfer", document_id=document.pk)
        )
        assert by_document.count() == 1
    assert rows[0].document_ref == "T-7"
    assert rows[0].document_url == page("transfer", org, document.pk)


def test_movements_page_lists_filters_and_paginates(org, volunteer, client_for, shelves):
    shelf, _bin = shelves
    stock(org, {shelf: {f"child-winter-jacket-{cm}": 1 for cm in range(50, 177, 6)}})
    stock(org, {shelf: {"toy": 1, "sweater-M": 1, "sweater-L": 1, "sweater-XL": 1}})
    client = client_for(volunteer)
    body = client.get(page("movements", org)).content.decode()
    assert "Page 1 of 2" in body and "26 movements" in body
    jacket = item_type(org, "child-winter-jacket")
    body = client.get(page("movements", org, item_type=jacket.pk, order="oldest")).content.decode()
    assert "22 movements" in body
    body = client.get(page("movements", org, kind="discard")).content.decode()
    assert "No movement matches these filters." in body
    bad = client.get(page("movements", org, since="yesterday", site="x", document_id="-4"))
    assert bad.status_code == 200


def test_item_type_history_shows_stock_per_location_and_its_movements(
    org, admin, client_for, shelves
):
    shelf, bin_ = shelves
    stock(org, {shelf: {"child-winter-jacket-110": 5, "child-winter-jacket-116": 1, "toy": 4}})
    transfer(org, admin, "child-winter-jacket", "110", 2, shelf, bin_)
    jacket = item_type(org, "child-winter-jacket")
    response = client_for(admin).get(page("item-type-history", org, jacket.pk))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Lageret · Bin 1" in body and "Lageret · Shelf A" in body
    assert "Total: 6 pieces (6 pieces available)" in body
    assert "3 movements" in body  # two intakes and the transfer; not the toys


def test_item_type_history_of_another_organisation_is_404(org, other_org, admin, client_for):
    theirs = item_type(other_org, "toy")
    assert client_for(admin).get(page("item-type-history", org, theirs.pk)).status_code == 404


def test_stock_at_a_past_date_ignores_later_movements(org, admin, shelves):
    shelf, bin_ = shelves
    stock(org, {shelf: {"child-winter-jacket-110": 5}})
    backdate(org, 3)
    transfer(org, admin, "child-winter-jacket", "110", 2, shelf, bin_)
    stock(org, {bin_: {"toy": 7}})
    tz = timezone.get_current_timezone()
    with scope(organization=org):
        then = q.stock_at_date(org, q.end_of_day(timezone.localdate() - timedelta(days=2), tz))
        before = q.stock_at_date(org, q.end_of_day(timezone.localdate() - timedelta(days=5), tz))
        now = q.stock_at_date(org, timezone.now())
    assert [(r.location.name, r.quantity) for r in then.rows] == [("Shelf A", 5)]
    assert then.totals.quantity == 5 and then.totals.kg == Decimal("4.0")
    assert before.rows == []
    assert now.totals.quantity == 12


def test_stock_at_filters_by_site_category_and_search(org, admin, shelves):
    shelf, _bin = shelves
    rack = make_location(org, make_site(org, "Butikken"), "Rack")
    stock(org, {shelf: {"child-winter-jacket-110": 5, "toy": 2}, rack: {"toy": 1}})
    toy = item_type(org, "toy")
    with scope(organization=org):
        now = timezone.now()
        assert q.stock_at_date(org, now, site=rack.site_id).totals.quantity == 1
        assert q.stock_at_date(org, now, category=toy.category_id).totals.quantity == 3
        assert q.stock_at_date(org, now, search="jacket").totals.quantity == 5
        assert q.stock_at_date(org, now, search="rack").totals.quantity == 1


def test_stock_at_page_shows_the_end_of_the_chosen_day(org, fundraiser, client_for, shelves):
    shelf, bin_ = shelves
    stock(org, {shelf: {"toy": 4}})
    backdate(org, 3)
    stock(org, {bin_: {"toy": 6}})
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    client = client_for(fundraiser)
    body = client.get(page("stock-at", org, date=day)).content.decode()
    assert "Total: 4 pieces;" in body and "Lageret · Shelf A" in body
    assert "Bin 1" not in body
    assert client.get(page("stock-at", org)).status_code == 200
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    assert client.get(page("stock-at", org, date=future)).status_code == 400
    assert client.get(page("stock-at", org, date="31/12/2020")).status_code == 400
