"""The handout station's search and pages: find a household by its booking code (typed,
or a scanner typing the QR code's URL), a reference or a name; today's bookings; hand out
everything in one tap, part of it, a substitution; a no-show; a walk-in obeying the
eligibility rules; refusals as htmx error partials with a 4xx status."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope

from kindred.aid.models import Booking, EligibilityRule, Handout, Reservation
from kindred.aid.queries import station as queries
from kindred.goods.models import StockBalance
from tests.aid.builders import cap, family, help_request
from tests.aid.station_builders import book, reserve
from tests.conftest import item_type, make_location, snapshot, stock

JACKETS = [("child-winter-jacket", ["110", "116"], 2, 3), ("toy", [], 1, 1)]
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def shelf(org, site):
    shelf = make_location(org, site, "Shelf A")
    stock(org, {shelf: {"child-winter-jacket-110": 5, "child-winter-jacket-116": 2, "toy": 10}})
    return shelf


@pytest.fixture
def household(org):
    return family(org, "Petrov", adults=2, children=[2016, 2019])


@pytest.fixture
def request_(org, household):
    return help_request(org, household, JACKETS)


@pytest.fixture
def reservation(org, shelf, request_):
    return reserve(org, request_, [(shelf, "child-winter-jacket-110", 2), (shelf, "toy", 1)])


@pytest.fixture
def booking(org, site, request_, reservation):
    return book(org, request_, site, code="KX7P3QRM")


def url(org, name, **kwargs):
    return reverse(f"aid:{name}", kwargs={"org_slug": org.slug, **kwargs})


def quantity(org, location, code, size=""):
    with scope(organization=org):
        return StockBalance.objects.get(
            location=location, item_type=item_type(org, code), size=size
        ).quantity


# Search ---------------------------------------------------------------------------------------


def test_find_by_booking_code_in_any_case_or_as_the_scanned_url(org, booking):
    with scope(organization=org):
        assert queries.find(org, "kx7p3qrm").booking == booking
        scanned = f"https://kindred.example/o/{org.slug}/aid/station/b/KX7P3QRM/"
        assert queries.find(org, scanned).booking == booking
        assert queries.find(org, "KX7P3QRX").booking is None


def test_find_by_reference(org, household, request_, reservation):
    with scope(organization=org):
        assert queries.find(org, request_.reference).households == [household]
        assert queries.find(org, f"rv {reservation.number}").households == [household]
        assert queries.find(org, "H-99999").households == []


def test_find_by_name_ignores_case_and_accents(org, household, reservation):
    family(org, "Nielsen")
    with scope(organization=org):
        found = queries.find(org, "PETRÓV").households
        assert found == [household]
        assert found[0].active_count == 1
        assert found[0].member_count == 4
        assert queries.find(org, "petrov household").households == [household]


def test_household_card_shows_member_count_and_childrens_ages(org, household):
    from datetime import date

    with scope(organization=org):
        card = queries.household_card(org, household, today=date(2026, 6, 1))
    assert card.member_count == 4
    assert card.children_ages == [7, 10]


# Pages ----------------------------------------------------------------------------------------


def test_station_lists_todays_bookings_at_the_site(org, volunteer, client_for, site, booking):
    response = client_for(volunteer).get(url(org, "station"), {"site": site.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Petrov household" in html and "KX7P3QRM" in html
    assert client_for(volunteer).session.get("aid_station_site") in (None, site.pk)


def test_a_scanned_code_opens_the_booking(org, volunteer, client_for, booking):
    client = client_for(volunteer)
    response = client.get(url(org, "station"), {"q": "kx7p3qrm"})
    assert response.status_code == 302
    assert response["Location"] == url(org, "station-booking", code="KX7P3QRM")
    response = client.get(url(org, "station"), {"q": "KX7P3QRM"}, **HTMX)
    assert response.status_code == 204
    assert response["HX-Redirect"] == url(org, "station-booking", code="KX7P3QRM")


def test_search_by_name_answers_the_results_partial(org, volunteer, client_for, household):
    response = client_for(volunteer).get(
        url(org, "station"), {"q": "petrov"}, HTTP_HX_TARGET="station-results", **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert url(org, "station-household", household_id=household.pk) in html


def test_booking_page_shows_the_household_and_the_reserved_items(
    org, volunteer, client_for, booking
):
    response = client_for(volunteer).get(url(org, "station-booking", code="KX7P3QRM"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Petrov household" in html
    assert "Shelf A" in html
    assert "Hand out everything" in html
    assert "Did not come" in html
    # Nothing more of the household than a handout needs.
    assert "Maria" not in html


def test_unknown_code_answers_404(org, volunteer, client_for):
    response = client_for(volunteer).get(url(org, "station-booking", code="NOPE1234"))
    assert response.status_code == 404


def test_hand_out_everything_in_one_tap(org, volunteer, client_for, shelf, booking, reservation):
    response = client_for(volunteer).post(
        url(org, "station-hand-out", reservation_id=reservation.pk),
        {f"r{reservation.pk}-mode": "all", f"r{reservation.pk}-booking": booking.pk},
    )
    assert response.status_code == 302
    with scope(organization=org):
        handout = Handout.objects.get(reservation=reservation)
        booking.refresh_from_db()
    assert response["Location"] == url(org, "station-handout", handout_id=handout.pk)
    assert booking.status == Booking.Status.ATTENDED
    assert quantity(org, shelf, "child-winter-jacket", "110") == Decimal(3)
    page = client_for(volunteer).get(response["Location"]).content.decode()
    assert handout.reference in page


def test_a_second_tap_answers_an_error_partial(org, volunteer, client_for, reservation):
    client = client_for(volunteer)
    target = url(org, "station-hand-out", reservation_id=reservation.pk)
    data = {f"r{reservation.pk}-mode": "all"}
    assert client.post(target, data, **HTMX).status_code == 204
    before = snapshot(org)
    response = client.post(target, data, **HTMX)
    assert response.status_code == 409
    html = response.content.decode()
    assert "already handed out" in html and "<html" not in html
    assert snapshot(org) == before


def test_partial_handout_with_a_substitution(org, volunteer, client_for, shelf, reservation):
    with scope(organization=org):
        jacket_line, toy_line = list(reservation.lines.order_by("pk"))
        j116 = StockBalance.objects.get(location=shelf, size="116")
    p = f"r{reservation.pk}"
    response = client_for(volunteer).post(
        url(org, "station-hand-out", reservation_id=reservation.pk),
        {
            f"{p}-mode": "partial",
            f"{p}-qty-{jacket_line.pk}": "1",
            f"{p}-qty-{toy_line.pk}": "0",
            f"{p}-sub_line": jacket_line.pk,
            f"{p}-sub_stock": j116.pk,
            f"{p}-sub_quantity": "1",
        },
        **HTMX,
    )
    assert response.status_code == 204, response.content
    with scope(organization=org):
        handout = Handout.objects.get(reservation=reservation)
    assert handout.kind == Handout.Kind.PARTIAL
    assert quantity(org, shelf, "child-winter-jacket", "110") == Decimal(4)
    assert quantity(org, shelf, "child-winter-jacket", "116") == Decimal(1)
    assert quantity(org, shelf, "toy") == Decimal(10)


def test_more_than_reserved_answers_422(org, volunteer, client_for, reservation):
    with scope(organization=org):
        jacket_line, toy_line = list(reservation.lines.order_by("pk"))
    before = snapshot(org)
    p = f"r{reservation.pk}"
    response = client_for(volunteer).post(
        url(org, "station-hand-out", reservation_id=reservation.pk),
        {f"{p}-mode": "partial", f"{p}-qty-{jacket_line.pk}": "5", f"{p}-qty-{toy_line.pk}": "1"},
        **HTMX,
    )
    assert response.status_code == 422
    assert snapshot(org) == before


def test_did_not_come(org, volunteer, client_for, booking, reservation):
    response = client_for(volunteer).post(url(org, "station-no-show", booking_id=booking.pk))
    assert response.status_code == 302
    with scope(organization=org):
        booking.refresh_from_db()
        reservation.refresh_from_db()
    assert booking.status == Booking.Status.NO_SHOW
    assert reservation.status == Reservation.Status.ACTIVE
    response = client_for(volunteer).post(
        url(org, "station-no-show", booking_id=booking.pk), **HTMX
    )
    assert response.status_code == 409


def test_household_without_reservation_gets_the_walk_in_form(org, volunteer, client_for, shelf):
    household = family(org, "Ivanova")
    response = client_for(volunteer).get(url(org, "station-household", household_id=household.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Walk-in handout" in html
    assert "override_reason" not in html  # a volunteer cannot override a rule


def _walk_in(org, client, household, shelf, **extra):
    with scope(organization=org):
        toys = StockBalance.objects.get(location=shelf, item_type__code="toy")
    return client.post(
        url(org, "station-walk-in", household_id=household.pk),
        {"site": shelf.site_id, f"take-{toys.pk}": "2", **extra},
        **HTMX,
    )


def test_walk_in_refused_by_a_rule_unless_a_coordinator_gives_a_reason(
    org, volunteer, coordinator, client_for, shelf
):
    household = family(org, "Ivanova")
    with scope(organization=org):
        EligibilityRule.objects.create(
            organization=org, kind="visit_frequency", max_count=0, period_days=30
        )
    before = snapshot(org)
    response = _walk_in(org, client_for(volunteer), household, shelf, override_reason="x")
    assert response.status_code == 409
    assert "station-error" in response.content.decode()
    assert snapshot(org) == before

    page = client_for(coordinator).get(url(org, "station-household", household_id=household.pk))
    assert "override_reason" in page.content.decode()
    response = _walk_in(org, client_for(coordinator), household, shelf)
    assert response.status_code == 409
    assert "give a reason" in response.content.decode()
    response = _walk_in(
        org, client_for(coordinator), household, shelf, override_reason="Fire at home"
    )
    assert response.status_code == 204
    assert quantity(org, shelf, "toy") == Decimal(8)


def test_other_orgs_booking_is_not_found(org, other_org, outsider, client_for, booking):
    response = client_for(outsider).get(
        reverse("aid:station-booking", kwargs={"org_slug": other_org.slug, "code": "KX7P3QRM"})
    )
    assert response.status_code == 404


def test_todays_bookings_take_the_same_queries_for_one_or_many(
    org, volunteer, client_for, site, shelf
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for_page() -> int:
        client = client_for(volunteer)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(org, "station"), {"site": site.pk}).status_code == 200
        return len(captured)

    book(org, help_request(org, family(org, "One"), JACKETS), site)
    one = queries_for_page()
    for n in range(5):
        book(org, help_request(org, family(org, f"Many{n}"), JACKETS), site)
    assert queries_for_page() == one


def test_handouts_api_list_takes_the_same_queries_for_one_or_many(org, volunteer, shelf):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kindred.aid.services import handouts
    from tests.conftest import api_caller

    call = api_caller(org, volunteer, f"/api/v1/organizations/{org.slug}/aid")

    def hand_out_one(name):
        request = help_request(org, family(org, name), [("toy", [], 1, 1)])
        reservation = reserve(org, request, [(shelf, "toy", 1)])
        with scope(organization=org):
            handouts.hand_out_reservation(reservation=reservation, actor=volunteer)

    def queries_for_list() -> int:
        call("get", "/handouts")  # the token's first use writes "last used"
        with CaptureQueriesContext(connection) as captured:
            assert call("get", "/handouts").status_code == 200
        return len(captured)

    hand_out_one("One")
    one = queries_for_list()
    for n in range(4):
        hand_out_one(f"Many{n}")
    assert queries_for_list() == one


def test_walk_in_for_an_ineligible_household_on_the_page_is_409_and_the_ledger_is_unchanged(
    org, coordinator, client_for, shelf
):
    household = family(org, "Ivanova")
    cap(org, "toy", 1)  # the walk-in takes 2 toys
    before = snapshot(org)  # balances, movements, handouts, overrides and the audit count
    response = _walk_in(org, client_for(coordinator), household, shelf)
    assert response.status_code == 409
    assert "station-error" in response.content.decode()
    assert "has had 0, 2 more asked for." in response.content.decode()
    assert snapshot(org) == before
