"""Lists, the proposal and the pick list take a fixed number of queries, however many
rows they show."""

from datetime import date, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope

from kindred.aid.models import Booking, DistributionDay, Reservation
from kindred.aid.services import allocation as services
from tests.aid.builders import family, help_request
from tests.conftest import make_location, stock

pytestmark = pytest.mark.django_db


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_pages_take_a_fixed_number_of_queries(
    org, site, coordinator, client_for, django_capture_on_commit_callbacks
):
    shelf = make_location(org, site, "Shelf A")
    bin_ = make_location(org, site, "Bin")
    stock(org, {shelf: {"toy": 50}, bin_: {"child-winter-jacket-110": 50}})
    with scope(organization=org):
        day = DistributionDay.objects.create(
            organization=org,
            site=site,
            date=date(2030, 1, 7),
            starts_at=time(10),
            ends_at=time(12),
        )
    client = client_for(coordinator)

    def page(name, **kwargs):
        return reverse(f"aid:{name}", kwargs={"org_slug": org.slug, **kwargs})

    def round_of(households: int, first: int) -> dict:
        requests = [
            help_request(
                org,
                family(org, f"F{n}"),
                [("toy", [], 1, 2), ("child-winter-jacket", ["110"], 1, 3), ("sofa", [], 1, 1)],
            )
            for n in range(first, first + households)
        ]
        with scope(organization=org), django_capture_on_commit_callbacks(execute=True):
            run = services.start_run(org=org, sites=[site], actor=coordinator)
        counts = {
            "proposal": count_queries(client, page("allocation-run", run_id=run.pk)),
            "runs": count_queries(client, page("allocation")),
        }
        with scope(organization=org):
            services.confirm_run(run=run, actor=coordinator)
            for request in requests:
                Booking.objects.create(
                    organization=org,
                    request=request,
                    household=request.household,
                    day=day,
                    token=f"t{request.pk}",
                    code=f"c{request.pk}",
                )
        counts["reservations"] = count_queries(client, page("reservations"))
        counts["pick"] = count_queries(client, page("pick-list", day_id=day.pk))
        return counts

    client.get(page("reservations"))  # the session remembers the organisation once
    one = round_of(1, 0)
    more = round_of(4, 1)
    with scope(organization=org):
        assert Reservation.objects.count() == 5
    assert more == one
