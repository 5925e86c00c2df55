"""Count pages: start a count, enter the sheet, review the differences, approve or cancel."""

import pytest
from django.urls import reverse
from django_scopes import scope

from kindred.goods.models import StockCount
from tests.conftest import balance, item_type, make_location, snapshot, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf(org, site):
    shelf = make_location(org, site, "Shelf A", kind="shelf")
    stock(org, {shelf: {"child-winter-jacket-110": 5, "toy": 3}})
    return shelf


def _extra(**values):
    return {
        "extra-TOTAL_FORMS": "2",
        "extra-INITIAL_FORMS": "0",
        "extra-0-grade": "good",
        "extra-1-grade": "good",
        **values,
    }


def test_a_count_is_entered_by_a_volunteer_and_approved_by_a_coordinator(
    org, volunteer, coordinator, client_for, shelf
):
    client = client_for(volunteer)
    response = client.post(reverse("goods:count-new", args=[org.slug]), {"location": shelf.pk})
    with scope(organization=org):
        count = StockCount.objects.get()
        lines = {line.item_type.code: line for line in count.lines.all()}
    assert response.status_code == 302
    sheet = client.get(reverse("goods:count", args=[org.slug, count.pk]))
    assert f'name="line-{lines["toy"].pk}"'.encode() in sheet.content
    assert reverse("goods:count-approve", args=[org.slug, count.pk]).encode() not in sheet.content

    saved = client.post(
        reverse("goods:count-record", args=[org.slug, count.pk]),
        {
            f"line-{lines['child-winter-jacket'].pk}": "4",
            f"line-{lines['toy'].pk}": "",
            **_extra(
                **{
                    "extra-0-item_type": item_type(org, "childrens-book").pk,
                    "extra-0-counted": "2",
                }
            ),
        },
    )
    assert saved.status_code == 302

    boss = client_for(coordinator)
    review = boss.get(reverse("goods:count", args=[org.slug, count.pk]))
    assert len(review.context["differences"]) == 2
    assert reverse("goods:count-approve", args=[org.slug, count.pk]).encode() in review.content
    approved = boss.post(reverse("goods:count-approve", args=[org.slug, count.pk]))
    assert approved.status_code == 302
    assert balance(org, shelf, "child-winter-jacket-110") == 4
    assert balance(org, shelf, "childrens-book") == 2
    assert balance(org, shelf, "toy") == 3
    count.refresh_from_db()
    assert count.status == StockCount.Status.APPROVED


def test_a_negative_count_is_refused_on_its_line(org, volunteer, client_for, shelf):
    client = client_for(volunteer)
    client.post(reverse("goods:count-new", args=[org.slug]), {"location": shelf.pk})
    with scope(organization=org):
        count = StockCount.objects.get()
        line = count.lines.first()
    before = snapshot(org)
    response = client.post(
        reverse("goods:count-record", args=[org.slug, count.pk]),
        {f"line-{line.pk}": "-2", **_extra()},
    )
    assert response.status_code == 400
    assert response.context["sheet"].errors[f"line-{line.pk}"]
    assert snapshot(org) == before


def test_a_second_open_count_of_a_location_is_refused(org, volunteer, client_for, shelf):
    client = client_for(volunteer)
    client.post(reverse("goods:count-new", args=[org.slug]), {"location": shelf.pk})
    response = client.post(reverse("goods:count-new", args=[org.slug]), {"location": shelf.pk})
    assert response.status_code == 409
    assert "already being counted" in response.content.decode()


def test_cancelling_a_count_changes_no_stock(org, admin, client_for, shelf):
    client = client_for(admin)
    client.post(reverse("goods:count-new", args=[org.slug]), {"location": shelf.pk})
    with scope(organization=org):
        count = StockCount.objects.get()
    response = client.post(reverse("goods:count-cancel", args=[org.slug, count.pk]))
    assert response.status_code == 302
    count.refresh_from_db()
    assert count.status == StockCount.Status.CANCELLED
    assert balance(org, shelf, "toy") == 3
    # approving it now is refused with the reason
    refused = client.post(reverse("goods:count-approve", args=[org.slug, count.pk]))
    assert refused.status_code == 409


def test_the_count_list_filters_by_status(org, admin, client_for, shelf):
    client = client_for(admin)
    url = reverse("goods:counts", args=[org.slug])
    assert "No stock counts yet" in client.get(url).content.decode()
    client.post(reverse("goods:count-new", args=[org.slug]), {"location": shelf.pk})
    assert client.get(url, {"status": "open"}).context["page"].paginator.count == 1
    assert client.get(url, {"status": "approved"}).context["page"].paginator.count == 0
