"""The pick list of a distribution day: the lines of active reservations of the households
booked that day, grouped by location in name order, with totals, printable."""

from datetime import date, datetime, time

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from kindred.aid.models import Booking, DistributionDay, Reservation
from kindred.aid.queries import allocation as queries
from kindred.aid.services import allocation as allocation_services
from tests.aid.builders import family, help_request
from tests.conftest import admin_of, make_location, stock

pytestmark = pytest.mark.django_db


def make_day(org, site) -> DistributionDay:
    with scope(organization=org):
        return DistributionDay.objects.create(
            organization=org,
            site=site,
            date=date(2026, 12, 5),
            starts_at=time(10),
            ends_at=time(12),
        )


def book(org, request, day, hour=10, minute=0, status=Booking.Status.BOOKED) -> Booking:
    with scope(organization=org):
        return Booking.objects.create(
            organization=org,
            request=request,
            household=request.household,
            day=day,
            slot_start=timezone.make_aware(datetime(2026, 12, 5, hour, minute)),
            status=status,
            token=f"token-{request.pk}-{status}",
            code=f"C{request.pk}{status[:2]}",
        )


@pytest.fixture
def day_with_bookings(org, site, django_capture_on_commit_callbacks):
    zeta = make_location(org, site, "Zeta shelf")
    alpha = make_location(org, site, "Alpha shelf")
    stock(org, {zeta: {"toy": 5}, alpha: {"child-winter-jacket-110": 5}})
    petrov = help_request(
        org, family(org, "Petrov"), [("child-winter-jacket", ["110"], 2, 3), ("toy", [], 1, 2)]
    )
    ivanov = help_request(org, family(org, "Ivanov"), [("toy", [], 2, 2)])
    nowak = help_request(org, family(org, "Nowak"), [("toy", [], 1, 2)])  # not booked
    actor = admin_of(org)
    with scope(organization=org), django_capture_on_commit_callbacks(execute=True):
        run = allocation_services.start_run(org=org, sites=[site], actor=actor)
    with scope(organization=org):
        allocation_services.confirm_run(run=run, actor=actor)
    day = make_day(org, site)
    book(org, petrov, day, 10, 15)
    book(org, ivanov, day, 10, 0)
    book(org, nowak, day, 11, 0, status=Booking.Status.CANCELLED)
    return day, alpha, zeta


def test_pick_list_groups_by_location_name_with_totals(org, day_with_bookings):
    day, alpha, zeta = day_with_bookings
    with scope(organization=org):
        groups = queries.pick_list(org, day)
    assert [g.location for g in groups] == [alpha, zeta]
    assert [g.total for g in groups] == [2, 3]
    jackets = groups[0].lines
    assert [(p.item, p.size, p.grade, p.quantity) for p in jackets] == [
        ("Children's winter jacket", "110", "Good", 2)
    ]
    assert jackets[0].household == "Petrov household"
    toys = groups[1].lines
    assert [p.household for p in toys] == ["Ivanov household", "Petrov household"]  # by slot
    assert all(p.reservation.startswith("RV-") for p in toys)


def test_pick_list_leaves_out_ended_reservations(org, day_with_bookings):
    day, _alpha, _zeta = day_with_bookings
    with scope(organization=org):
        Reservation.objects.filter(household__label="Ivanov household").update(
            status=Reservation.Status.EXPIRED
        )
        groups = queries.pick_list(org, day)
    assert [g.total for g in groups] == [2, 1]


def test_pick_list_page_is_printable(org, day_with_bookings, volunteer, client_for):
    day, _alpha, _zeta = day_with_bookings
    response = client_for(volunteer).get(
        reverse("aid:pick-list", kwargs={"org_slug": org.slug, "day_id": day.pk})
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert text.index("Alpha shelf") < text.index("Zeta shelf")
    assert "aid/pick_list.css" in text
    assert "Nowak" not in text
    assert "5 units in all." in text


def test_pick_list_stylesheet_has_print_rules():
    from pathlib import Path

    import kindred.aid

    css = Path(kindred.aid.__file__).parent / "static" / "aid" / "pick_list.css"
    content = css.read_text()
    assert "@media print" in content and "A4" in content


def test_pick_list_of_an_empty_day(org, site, volunteer, client_for):
    day = make_day(org, site)
    response = client_for(volunteer).get(
        reverse("aid:pick-list", kwargs={"org_slug": org.slug, "day_id": day.pk})
    )
    assert "Nothing to pick" in response.content.decode()
