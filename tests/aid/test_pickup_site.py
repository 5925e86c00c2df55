"""Allocation by pickup site (ADR 0022): a run reserves for each household only stock at the
site where it collects, suggests moving what lies elsewhere; the booking page, the pick list
and the station agree on what is reserved where; the station and the API refuse without a
confirmation a booking for another day or a reservation held at another site, and audit
the confirmation."""

import secrets
from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from kindred.aid.models import AllocationRun, Booking, DistributionDay, Handout, Reservation
from kindred.aid.queries import allocation as allocation_queries
from kindred.aid.queries import distribution as distribution_queries
from kindred.aid.queries import pickup
from kindred.aid.queries import station as station_queries
from kindred.aid.services import allocation as services
from kindred.core.models import AuditEntry
from kindred.goods.models import StockBalance
from tests.aid.builders import family, help_request
from tests.aid.station_builders import book, reserve
from tests.conftest import api_caller, make_location, make_site, snapshot, stock
from tests.writes import answer

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(org, name, **kwargs):
    return reverse(f"aid:{name}", kwargs={"org_slug": org.slug, **kwargs})


def booking_on(org, request, site, *, days_ahead: int, code: str = "") -> Booking:
    """A booking of `request` on a distribution day `days_ahead` days from today at `site`."""
    with scope(organization=org):
        date = timezone.localdate() + timedelta(days=days_ahead)
        day = DistributionDay.objects.create(
            organization=org, site=site, date=date, starts_at=time(9), ends_at=time(16)
        )
        return Booking.objects.create(
            organization=org,
            request=request,
            household=request.household,
            day=day,
            slot_start=timezone.make_aware(datetime.combine(date, time(10))),
            token=secrets.token_urlsafe(32),
            code=code or secrets.token_hex(4).upper(),
        )


@pytest.fixture
def intake(org):
    return make_site(org, "Modtagelsen")


@pytest.fixture
def shelves(org, site, intake):
    """The warehouse (`site`, "Lageret") has toys; the intake reception has the trousers."""
    warehouse = make_location(org, site, "Reol A")
    reception = make_location(org, intake, "Modtagelse")
    stock(org, {warehouse: {"toy": 2}, reception: {"child-trousers-110": 2}})
    return warehouse, reception


def start(org, sites, actor, django_capture_on_commit_callbacks) -> AllocationRun:
    with scope(organization=org), django_capture_on_commit_callbacks(execute=True):
        run = services.start_run(org=org, sites=sites, actor=actor)
    with scope(organization=org):
        run.refresh_from_db()
    return run


# The allocation ----------------------------------------------------------------------------


def test_an_allocation_over_two_sites_reserves_for_each_household_only_stock_at_its_pickup_site(
    org, site, intake, shelves, coordinator, client_for, django_capture_on_commit_callbacks
):
    _warehouse, reception = shelves
    # Booked at the warehouse: the trousers it needs lie in the intake reception.
    booked = help_request(
        org, family(org, "Jensen"), [("child-trousers", ["110"], 2, 3), ("toy", [], 1, 2)]
    )
    booking_on(org, booked, site, days_ahead=3)
    # Chose the intake reception on its request: no toys there.
    chosen = help_request(org, family(org, "Hansen"), [("toy", [], 1, 3)])
    with scope(organization=org):
        chosen.pickup_site = intake
        chosen.save(update_fields=["pickup_site"])
    # Nothing chosen: the run takes the site with most of what it needs (the warehouse).
    loose = help_request(org, family(org, "Olsen"), [("toy", [], 1, 1)])

    run = start(org, [site, intake], coordinator, django_capture_on_commit_callbacks)
    assert run.pickup_sites == {
        str(booked.pk): [site.pk, "booking"],
        str(chosen.pk): [intake.pk, "request"],
        str(loose.pk): [site.pk, "stock"],
    }
    page = client_for(coordinator).get(url(org, "allocation-run", run_id=run.pk))
    html = page.content.decode()
    assert "Collects at Lageret (booked time)" in html
    assert "Collects at Modtagelsen (chosen on the request)" in html
    assert "2 items at Modtagelsen could be moved to Lageret." in html
    assert "none at its pickup site" in html  # Hansen's toy: only at the warehouse
    detail = api_caller(org, coordinator, f"/api/v1/organizations/{org.slug}/aid")(
        "get", f"/allocation-runs/{run.pk}"
    ).json()
    assert detail["transfers"] == [
        {
            "need_id": detail["transfers"][0]["need_id"],
            "request_id": booked.pk,
            "household_id": booked.household_id,
            "from_site_id": intake.pk,
            "to_site_id": site.pk,
            "quantity": 2,
            "balance_ids": detail["transfers"][0]["balance_ids"],
        }
    ]
    assert {p["request_id"]: p["source"] for p in detail["pickup_sites"]} == {
        booked.pk: "booking",
        chosen.pk: "request",
        loose.pk: "stock",
    }

    with scope(organization=org):
        reservations = services.confirm_run(run=run, actor=coordinator)
        pickup_of = {booked.pk: site.pk, chosen.pk: intake.pk, loose.pk: site.pk}
        for reservation in reservations:
            assert reservation.site_id == pickup_of[reservation.request_id]
            for line in reservation.lines.select_related("location"):
                assert line.location.site_id == pickup_of[reservation.request_id]
        assert sorted(r.request_id for r in reservations) == sorted([booked.pk, loose.pk])
        trousers = StockBalance.objects.get(location=reception, item_type__code="child-trousers")
        assert trousers.reserved == 0  # not reserved for a family that collects elsewhere


def test_changing_a_line_refuses_stock_at_another_site(
    org, site, intake, shelves, coordinator, django_capture_on_commit_callbacks
):
    _warehouse, reception = shelves
    request = help_request(org, family(org), [("child-trousers", ["110"], 1, 3)])
    with scope(organization=org):
        request.pickup_site = site
        request.save(update_fields=["pickup_site"])
    run = start(org, [site, intake], coordinator, django_capture_on_commit_callbacks)
    with scope(organization=org):
        need = request.lines.get()
        trousers = StockBalance.objects.get(location=reception)
        with pytest.raises(services.Invalid) as refused:
            services.change_line(
                run=run, need=need, balance=trousers, quantity=1, actor=coordinator
            )
    assert refused.value.field == "balance"
    assert "collects at Lageret" in refused.value.message
    with scope(organization=org):
        assert not run.lines.exists()


def test_confirming_after_the_household_booked_another_site_is_refused(
    org, site, intake, shelves, coordinator, django_capture_on_commit_callbacks
):
    request = help_request(org, family(org), [("toy", [], 1, 3)])
    run = start(org, [site, intake], coordinator, django_capture_on_commit_callbacks)
    assert run.pickup_sites == {str(request.pk): [site.pk, "stock"]}
    booking_on(org, request, intake, days_ahead=2)
    before = snapshot(org)
    with scope(organization=org), pytest.raises(services.AidError) as refused:
        services.confirm_run(run=run, actor=coordinator)
    assert "now collects at Modtagelsen" in refused.value.message
    assert snapshot(org) == before


# One reading: booking page = pick list = station ------------------------------------------


def test_booking_page_pick_list_and_station_agree_on_what_is_reserved_where(
    org, site, intake, shelves, volunteer, coordinator, client_for, client
):
    warehouse, reception = shelves
    request = help_request(
        org, family(org, "Jensen"), [("toy", [], 1, 2), ("child-trousers", ["110"], 2, 3)]
    )
    here = reserve(org, request, [(warehouse, "toy", 1)])
    away = reserve(org, request, [(reception, "child-trousers-110", 2)])  # an older reservation
    booking = book(org, request, site, code="PICK2SIT")

    with scope(organization=org):
        promised = {
            (i.label, i.size, i.quantity)
            for i in distribution_queries.reserved_items(request, site)
        }
        picked = {
            (p.item, p.size, p.quantity)
            for group in allocation_queries.pick_list(org, booking.day)
            for p in group.lines
            if p.request == request.reference
        }
        elsewhere = allocation_queries.pick_list_elsewhere(org, booking.day)
        reservations = station_queries.active_reservations(org, request.household)
    offered = set()
    for reservation in reservations:
        warnings = station_queries.handout_warnings(
            reservation, booking=booking, site=site, today=pickup.today_of(org)
        )
        if not warnings:
            offered |= {
                (str(line.item_type), line.size, line.quantity) for line in reservation.lines.all()
            }
        else:
            assert reservation == away
            assert [w.code for w in warnings] == ["other_site"]
    assert promised == picked == offered
    assert [quantity for _label, _size, quantity in promised] == [1]  # the toy, not trousers
    assert [(p.site, p.quantity, p.reservation) for p in elsewhere] == [
        ("Modtagelsen", 2, away.reference)
    ]

    page = client.get(reverse("aid:booking-link", kwargs={"token": booking.token}) + "?lang=en")
    html = page.content.decode()
    assert "Kept for you at Modtagelsen" in html
    pick = client_for(coordinator).get(url(org, "pick-list", day_id=booking.day_id))
    assert "Reserved at another site" in pick.content.decode()
    station = client_for(volunteer).get(
        url(org, "station-booking", code=booking.code), {"site": site.pk}
    )
    text = station.content.decode()
    assert "These goods are reserved at Modtagelsen, not at Lageret." in text
    assert here.reference in text and away.reference in text


# The station and the API check day and site ------------------------------------------------


@pytest.fixture
def later(org, site, shelves):
    """A household booked at the warehouse in three days, its goods reserved there."""
    warehouse, _reception = shelves
    request = help_request(org, family(org, "Later"), [("toy", [], 1, 2)])
    reservation = reserve(org, request, [(warehouse, "toy", 1)])
    booking = booking_on(org, request, site, days_ahead=3, code="LATER3DY")
    return reservation, booking


def test_the_station_refuses_another_days_booking_until_confirmed_and_audits_it(
    org, site, volunteer, client_for, later
):
    reservation, booking = later
    client = client_for(volunteer)
    target = url(org, "station-hand-out", reservation_id=reservation.pk) + f"?site={site.pk}"
    data = {f"r{reservation.pk}-mode": "all", f"r{reservation.pk}-booking": booking.pk}
    page = client.get(url(org, "station-booking", code=booking.code), {"site": site.pk})
    assert "This booking is for" in page.content.decode()  # warned before anyone taps

    sent = answer(lambda: client.post(target, data, **HTMX))
    assert sent.response.status_code == 409
    html = sent.response.content.decode()
    assert "not today" in html and "Hand out anyway" in html
    assert f'name="r{reservation.pk}-confirm" value="other_day"' in html
    assert sent.writes == []

    confirmed = client.post(target, {**data, f"r{reservation.pk}-confirm": "other_day"}, **HTMX)
    assert confirmed.status_code == 204
    with scope(organization=org):
        handout = Handout.objects.get(reservation=reservation)
        entry = AuditEntry.objects.get(action="aid.handout_confirmed")
    assert entry.object_id == str(handout.pk)
    assert entry.changes == {
        "other_day": [booking.day.date.isoformat(), timezone.localdate().isoformat()]
    }


def test_the_station_refuses_another_sites_reservation_until_confirmed(
    org, site, intake, shelves, volunteer, client_for
):
    _warehouse, reception = shelves
    request = help_request(org, family(org), [("child-trousers", ["110"], 2, 3)])
    reservation = reserve(org, request, [(reception, "child-trousers-110", 2)])
    booking = book(org, request, site, code="WRONGSIT")
    client = client_for(volunteer)
    target = url(org, "station-hand-out", reservation_id=reservation.pk) + f"?site={site.pk}"
    data = {f"r{reservation.pk}-mode": "all", f"r{reservation.pk}-booking": booking.pk}
    before = snapshot(org)
    refused = client.post(target, data)  # without htmx: the error page
    assert refused.status_code == 409
    assert "reserved at Modtagelsen, not at Lageret" in refused.content.decode()
    assert snapshot(org) == before
    done = client.post(target, {**data, f"r{reservation.pk}-confirm": "other_site"})
    assert done.status_code == 302
    with scope(organization=org):
        reservation.refresh_from_db()
        entry = AuditEntry.objects.get(action="aid.handout_confirmed")
    assert reservation.status == Reservation.Status.HANDED_OUT
    assert entry.changes == {"other_site": ["Modtagelsen", "Lageret"]}


def test_the_api_refuses_without_confirm_and_names_the_day_and_site(
    org, site, intake, volunteer, later
):
    reservation, _booking = later
    call = api_caller(org, volunteer, f"/api/v1/organizations/{org.slug}/aid")
    path = f"/reservations/{reservation.pk}/hand-out"
    before = snapshot(org)
    sent = answer(lambda: call("post", path, {"site_id": intake.pk}))
    assert sent.response.status_code == 409
    body = sent.response.json()
    assert body["errors"][0]["field"] == "confirm"
    assert "not today" in body["detail"]
    assert "reserved at Lageret, not at Modtagelsen" in body["detail"]
    assert sent.writes == []
    partly = call("post", path, {"site_id": intake.pk, "confirm": ["other_day"]})
    assert partly.status_code == 409 and "other" not in partly.json()["detail"].split(".")[0]
    assert snapshot(org) == before
    wrong = call("post", path, {"confirm": ["elsewhere"]})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"].startswith("confirm")
    done = call("post", path, {"site_id": intake.pk, "confirm": ["other_day", "other_site"]})
    assert done.status_code == 201, done.json()
    with scope(organization=org):
        entry = AuditEntry.objects.get(action="aid.handout_confirmed")
    assert set(entry.changes) == {"other_day", "other_site"}


def test_the_api_hands_out_todays_booking_at_its_site_without_confirm(
    org, site, shelves, volunteer
):
    warehouse, _reception = shelves
    request = help_request(org, family(org), [("toy", [], 1, 2)])
    reservation = reserve(org, request, [(warehouse, "toy", 1)])
    book(org, request, site)
    call = api_caller(org, volunteer, f"/api/v1/organizations/{org.slug}/aid")
    response = call("post", f"/reservations/{reservation.pk}/hand-out", {})
    assert response.status_code == 201
    with scopes_disabled():
        assert not AuditEntry.objects.filter(action="aid.handout_confirmed").exists()


def test_another_organisation_can_neither_hand_out_nor_confirm(
    org, other_org, outsider, client_for, later
):
    reservation, _booking = later
    before = snapshot(org)
    client = client_for(outsider)
    sent = answer(
        lambda: client.post(
            reverse(
                "aid:station-hand-out",
                kwargs={"org_slug": other_org.slug, "reservation_id": reservation.pk},
            ),
            {f"r{reservation.pk}-mode": "all", f"r{reservation.pk}-confirm": "other_day"},
        )
    )
    assert sent.response.status_code == 404
    assert [w for w in sent.writes if not w.endswith("django_session")] == []
    call = api_caller(other_org, outsider, f"/api/v1/organizations/{other_org.slug}/aid")
    response = call("post", f"/reservations/{reservation.pk}/hand-out", {"confirm": ["other_day"]})
    assert response.status_code == 404
    assert snapshot(org) == before


def test_another_organisations_site_is_refused_as_the_handout_site(
    org, other_org, volunteer, later
):
    reservation, _booking = later
    foreign = make_site(other_org, "Fremmed")
    call = api_caller(org, volunteer, f"/api/v1/organizations/{org.slug}/aid")
    response = call(
        "post",
        f"/reservations/{reservation.pk}/hand-out",
        {"site_id": foreign.pk, "confirm": ["other_day", "other_site"]},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "site_id"


# The request's pickup site -----------------------------------------------------------------


def test_a_request_registered_with_a_pickup_site_shows_it(org, intake, coordinator, client_for):
    household = family(org, "Berg")
    call = api_caller(org, coordinator, f"/api/v1/organizations/{org.slug}/aid")
    body = {
        "household_id": household.pk,
        "lines": [{"item_type": "toy", "quantity": 1}],
        "pickup_site_id": intake.pk,
    }
    created = call("post", "/requests", body)
    assert created.status_code == 201, created.json()
    assert created.json()["pickup_site_id"] == intake.pk
    page = client_for(coordinator).get(url(org, "request", request_id=created.json()["id"]))
    assert "Modtagelsen" in page.content.decode()
    assert "chosen on the request" in page.content.decode()


def test_another_organisations_site_cannot_be_the_pickup_site(org, other_org, coordinator):
    foreign = make_site(other_org, "Fremmed")
    household = family(org, "Berg")
    call = api_caller(org, coordinator, f"/api/v1/organizations/{org.slug}/aid")
    before = snapshot(org)
    response = call(
        "post",
        "/requests",
        {
            "household_id": household.pk,
            "lines": [{"item_type": "toy", "quantity": 1}],
            "pickup_site_id": foreign.pk,
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "pickup_site_id"
    assert snapshot(org) == before


def test_a_station_without_a_chosen_site_takes_the_bookings_site(
    org, site, intake, shelves, volunteer, client_for
):
    _warehouse, reception = shelves
    request = help_request(org, family(org), [("child-trousers", ["110"], 2, 3)])
    reservation = reserve(org, request, [(reception, "child-trousers-110", 2)])
    booking = book(org, request, intake, code="INTAKE22")  # not the first site by name
    client = client_for(volunteer)
    page = client.get(url(org, "station-booking", code=booking.code))
    assert "These goods are reserved at" not in page.content.decode()
    done = client.post(
        url(org, "station-hand-out", reservation_id=reservation.pk),
        {f"r{reservation.pk}-mode": "all", f"r{reservation.pk}-booking": booking.pk},
    )
    assert done.status_code == 302
    with scope(organization=org):
        handout = Handout.objects.get(reservation=reservation)
    assert handout.site_id == intake.pk


def test_the_pickup_site_is_changed_on_the_request_page_and_audited(
    org, site, intake, coordinator, client_for
):
    request = help_request(org, family(org), [("toy", [], 1, 2)])
    response = client_for(coordinator).post(
        url(org, "request-pickup-site", request_id=request.pk), {"pickup-site": intake.pk}
    )
    assert response.status_code == 302
    with scope(organization=org):
        request.refresh_from_db()
        entry = AuditEntry.objects.get(action="aid.request_pickup_site_changed")
    assert request.pickup_site_id == intake.pk
    assert entry.changes == {"pickup_site": [None, "Modtagelsen"]}
    page = client_for(coordinator).get(url(org, "request", request_id=request.pk))
    assert "Modtagelsen" in page.content.decode()
    assert "Save the pickup site" in page.content.decode()


def test_the_api_changes_or_clears_the_pickup_site_and_refuses_what_it_may_not(
    org, other_org, site, coordinator, referrer
):
    request = help_request(org, family(org), [("toy", [], 1, 2)])
    call = api_caller(org, coordinator, f"/api/v1/organizations/{org.slug}/aid")
    path = f"/requests/{request.pk}/pickup-site"
    chosen = call("post", path, {"site_id": site.pk})
    assert chosen.status_code == 200 and chosen.json()["pickup_site_id"] == site.pk
    cleared = call("post", path, {"site_id": None})
    assert cleared.status_code == 200 and cleared.json()["pickup_site_id"] is None
    foreign = make_site(other_org, "Fremmed")
    theirs = api_caller(org, referrer, f"/api/v1/organizations/{org.slug}/aid")
    before = snapshot(org)
    wrong = call("post", path, {"site_id": foreign.pk})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "site_id"
    # A referrer sees only the requests it registered.
    assert theirs("post", path, {"site_id": site.pk}).status_code == 404
    assert snapshot(org) == before
    with scope(organization=org):
        request.status = "closed"
        request.save(update_fields=["status"])
    closed = call("post", path, {"site_id": site.pk})
    assert closed.status_code == 409
