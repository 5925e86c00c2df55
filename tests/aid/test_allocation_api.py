"""The allocation and reservation API."""

import pytest
from django_scopes import scope

from kindred.aid.models import AllocationRun, Reservation
from kindred.goods.models import StockBalance
from tests.aid.builders import family, help_request
from tests.conftest import api_caller, make_location, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(org, site):
    shelf = make_location(org, site, "Shelf A")
    stock(org, {shelf: {"child-winter-jacket-110": 1, "child-winter-jacket-116": 1}})
    request = help_request(
        org, family(org, "Petrov"), [("child-winter-jacket", ["110", "116"], 1, 3)]
    )
    with scope(organization=org):
        need = request.lines.get()
        j116 = StockBalance.objects.get(size="116")
    return {"shelf": shelf, "need": need, "j116": j116}


def test_run_change_confirm_and_cancel_through_the_api(
    org, site, setup, coordinator, django_capture_on_commit_callbacks
):
    call = api_caller(org, coordinator, f"/api/v1/organizations/{org.slug}/aid")
    with django_capture_on_commit_callbacks(execute=True):
        created = call("post", "/allocation-runs", {"site_ids": [site.pk]})
    assert created.status_code == 201, created.content
    run_id = created.json()["id"]
    assert created.json()["site_ids"] == [site.pk]
    detail = call("get", f"/allocation-runs/{run_id}").json()
    assert detail["status"] == "proposed"
    [line] = detail["lines"]
    assert line["exact"] is True and line["size"] == "110"
    assert call("get", "/allocation-runs").json()["count"] == 1

    bad = call(
        "patch",
        f"/allocation-runs/{run_id}/lines",
        {"need_id": setup["need"].pk, "balance_id": setup["j116"].pk, "quantity": 1},
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "quantity"
    for balance_id, quantity in ((line["balance_id"], 0), (setup["j116"].pk, 1)):
        changed = call(
            "patch",
            f"/allocation-runs/{run_id}/lines",
            {"need_id": setup["need"].pk, "balance_id": balance_id, "quantity": quantity},
        )
        assert changed.status_code == 200, changed.content
    [line] = changed.json()["lines"]
    assert (line["size"], line["exact"], line["edited"]) == ("116", False, True)

    confirmed = call("post", f"/allocation-runs/{run_id}/confirm")
    assert confirmed.status_code == 200, confirmed.content
    [reservation] = confirmed.json()
    assert reservation["status"] == "active" and reservation["lines"][0]["size"] == "116"
    assert call("post", f"/allocation-runs/{run_id}/confirm").status_code == 409

    listed = call("get", "/reservations?status=active").json()
    assert [r["id"] for r in listed["items"]] == [reservation["id"]]
    assert call("get", f"/reservations/{reservation['id']}").json()["reference"].startswith("RV-")
    cancelled = call("post", f"/reservations/{reservation['id']}/cancel", {"reason": "Moved"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert call("post", f"/reservations/{reservation['id']}/cancel", {}).status_code == 409
    with scope(organization=org):
        assert StockBalance.objects.get(pk=setup["j116"].pk).reserved == 0
        assert Reservation.objects.get().status == Reservation.Status.CANCELLED


def test_run_with_another_orgs_site_is_refused(org, other_org, coordinator):
    from tests.conftest import make_site

    foreign = make_site(other_org, "Foreign")
    call = api_caller(org, coordinator, f"/api/v1/organizations/{org.slug}/aid")
    response = call("post", "/allocation-runs", {"site_ids": [foreign.pk]})
    assert response.status_code == 422
    with scope(organization=org):
        assert not AllocationRun.objects.exists()


def test_volunteer_reads_reservations_but_cannot_allocate(org, volunteer):
    call = api_caller(org, volunteer, f"/api/v1/organizations/{org.slug}/aid")
    assert call("get", "/reservations").status_code == 200
    assert call("post", "/allocation-runs", {}).status_code == 403
