"""The allocation pages: the run list with its start form, the proposal page (progress,
per household what it gets and what stays unmet and why, search, filter), changing a line,
confirming and discarding."""

import pytest
from django.urls import reverse
from django_scopes import scope

from kindred.aid.models import AllocationRun, NeedLine, Reservation
from kindred.goods.services.stock import hand_out
from tests.aid.builders import family, help_request
from tests.conftest import item_type, make_location, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf(org, site):
    return make_location(org, site, "Shelf A")


@pytest.fixture
def needs(org, shelf):
    stock(org, {shelf: {"child-winter-jacket-110": 1, "toy": 2}})
    help_request(org, family(org, "Ahmed"), [("child-winter-jacket", ["110"], 1, 3)])
    help_request(org, family(org, "Berg"), [("child-winter-jacket", ["110"], 1, 1)])
    help_request(org, family(org, "Cruz"), [("child-winter-jacket", ["140"], 1, 3)])
    help_request(org, family(org, "Dahl"), [("sofa", [], 1, 3), ("toy", [], 1, 2)])


def url(org, name, **kwargs):
    return reverse(f"aid:{name}", kwargs={"org_slug": org.slug, **kwargs})


def run_via_page(client, org, django_capture_on_commit_callbacks, data=None):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(org, "allocation"), data or {})
    assert response.status_code == 302, response.content[:500]
    with scope(organization=org):
        return AllocationRun.objects.get()


def test_run_list_shows_open_needs_and_available_units(org, needs, coordinator, client_for):
    response = client_for(coordinator).get(url(org, "allocation"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "5 approved needs are open (5 units); 3 units are available" in text
    assert "No allocation has been run yet" in text


def test_start_from_the_page_and_see_the_proposal_with_reasons(
    org, site, needs, coordinator, client_for, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    run = run_via_page(client, org, django_capture_on_commit_callbacks)
    assert run.status == AllocationRun.Status.PROPOSED
    with scope(organization=org):
        assert list(run.sites.all()) == [site]
    page = client.get(url(org, "allocation-run", run_id=run.pk)).content.decode()
    assert "Ahmed household" in page
    assert "stock went to more urgent or longer-waiting needs" in page  # Berg
    assert "no acceptable size in stock" in page  # Cruz
    assert "no stock of this item type at the chosen sites" in page  # Dahl's sofa
    # Plain words, not the solver's objective: households and items, against FCFS.
    run.refresh_from_db()
    assert (run.households_served, run.units) == (2, 2)  # Ahmed's jacket, Dahl's toy
    assert run.baseline_households is not None and run.baseline_units is not None
    assert "This proposal helps 2 households with 2 items." in page
    assert (
        f"would help {run.baseline_households} household"
        f"{'' if run.baseline_households == 1 else 's'} with {run.baseline_units} items"
    ) in page
    assert "Value of this allocation" not in page and "Solved in" not in page
    assert "Confirm and reserve" in page and "Discard this proposal" in page


def test_proposal_search_and_filters(
    org, needs, coordinator, client_for, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    run = run_via_page(client, org, django_capture_on_commit_callbacks)
    page = url(org, "allocation-run", run_id=run.pk)
    nothing = client.get(page, {"show": "nothing"}).content.decode()
    assert "Berg household" in nothing and "Cruz household" in nothing
    assert "Ahmed household" not in nothing
    served = client.get(page, {"show": "served"}).content.decode()
    assert "Ahmed household" in served and "Dahl household" in served
    assert "Berg household" not in served
    unmet = client.get(page, {"show": "unmet"}).content.decode()
    assert "Dahl household" in unmet and "Ahmed household" not in unmet
    found = client.get(page, {"q": "cruz"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Cruz household" in found and "Berg household" not in found
    assert "<html" not in found
    empty = client.get(page, {"q": "nobody"}).content.decode()
    assert "No household matches these filters." in empty


def test_running_run_polls_its_progress(org, site, coordinator, client_for):
    from kindred.aid.services import allocation as services

    with scope(organization=org):
        run = services.start_run(org=org, sites=[site], actor=coordinator)  # not run yet
    client = client_for(coordinator)
    page = client.get(url(org, "allocation-run", run_id=run.pk)).content.decode()
    assert 'class="progress-box"' in page and "?poll=1" in page
    poll = client.get(
        url(org, "allocation-run", run_id=run.pk), {"poll": 1}, HTTP_HX_REQUEST="true"
    )
    assert poll.status_code == 200 and "?poll=1" in poll.content.decode()
    with scope(organization=org):
        AllocationRun.objects.filter(pk=run.pk).update(status=AllocationRun.Status.PROPOSED)
    done = client.get(
        url(org, "allocation-run", run_id=run.pk), {"poll": 1}, HTTP_HX_REQUEST="true"
    )
    assert done.status_code == 204 and done["HX-Refresh"] == "true"


def test_change_line_on_the_page_and_see_the_error(
    org, shelf, needs, coordinator, client_for, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    run = run_via_page(client, org, django_capture_on_commit_callbacks)
    with scope(organization=org):
        line = run.lines.get(need__request__household__label="Ahmed household")
        berg = NeedLine.objects.get(request__household__label="Berg household")
    # The only jacket goes to Ahmed; Berg cannot get it too.
    refused = client.post(
        url(org, "allocation-line", run_id=run.pk),
        {"need": berg.pk, "balance": line.balance_id, "quantity": 1},
    )
    assert refused.status_code == 422
    assert "Only 1 of this stock were available" in refused.content.decode()
    moved = client.post(
        url(org, "allocation-line", run_id=run.pk),
        {"need": line.need_id, "balance": line.balance_id, "quantity": 0},
    )
    assert moved.status_code == 302
    given = client.post(
        url(org, "allocation-line", run_id=run.pk),
        {"need": berg.pk, "balance": line.balance_id, "quantity": 1},
    )
    assert given.status_code == 302
    with scope(organization=org):
        assert run.lines.get(balance_id=line.balance_id).need_id == berg.pk


def test_confirm_on_the_page(
    org, needs, coordinator, client_for, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    run = run_via_page(client, org, django_capture_on_commit_callbacks)
    response = client.post(url(org, "allocation-confirm", run_id=run.pk))
    assert response.status_code == 302
    with scope(organization=org):
        assert Reservation.objects.count() == 2  # Ahmed's jacket, Dahl's toy
    again = client.post(url(org, "allocation-confirm", run_id=run.pk))
    assert again.status_code == 409


def test_confirm_after_stock_changed_offers_a_new_run(
    org, shelf, needs, coordinator, client_for, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    run = run_via_page(client, org, django_capture_on_commit_callbacks)
    with scope(organization=org):
        hand_out(
            org=org,
            location=shelf,
            item_type=item_type(org, "toy"),
            size="",
            grade="good",
            quantity=2,
            actor=coordinator,
        )
    response = client.post(url(org, "allocation-confirm", run_id=run.pk))
    assert response.status_code == 409
    text = response.content.decode()
    assert "Stock changed since this proposal was made; run the allocation again." in text
    assert "Run the allocation again" in text
    with scope(organization=org):
        assert not Reservation.objects.exists()


def test_discard_on_the_page(
    org, needs, coordinator, client_for, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    run = run_via_page(client, org, django_capture_on_commit_callbacks)
    assert client.post(url(org, "allocation-discard", run_id=run.pk)).status_code == 302
    with scope(organization=org):
        run.refresh_from_db()
    assert run.status == AllocationRun.Status.DISCARDED


def test_volunteer_cannot_run_the_allocation(org, needs, volunteer, client_for):
    client = client_for(volunteer)
    assert client.get(url(org, "allocation")).status_code == 403
    assert client.post(url(org, "allocation")).status_code == 403
    with scope(organization=org):
        assert not AllocationRun.objects.exists()
