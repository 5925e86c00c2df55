"""The distribution API: days, slots and bookings."""

from __future__ import annotations

import pytest
from django.core import mail
from django_scopes import scope

from kindred.aid import sms
from kindred.aid.models import Booking, DistributionDay
from tests.conftest import api_caller, snapshot
from tests.writes import answer

from .test_distribution_helpers import book, future, household_request, local, make_day


@pytest.fixture(autouse=True)
def _sms(settings):
    settings.SMS_BACKEND = "kindred.aid.sms.LocmemBackend"
    sms.outbox.clear()


@pytest.fixture
def call(org, coordinator):
    return api_caller(org, coordinator, "/api/v1/organizations/home/aid")


def day_body(site, **values):
    return {
        "site_id": site.pk,
        "date": future().isoformat(),
        "starts_at": "10:00",
        "ends_at": "11:00",
        "slot_minutes": 20,
        "capacity": 2,
        **values,
    }


def test_create_list_get_and_patch_a_day(org, site, call):
    response = call("post", "/days", day_body(site, note="Winter"))
    assert response.status_code == 201, response.json()
    day_id = response.json()["id"]
    listed = call("get", "/days").json()
    assert listed["count"] == 1 and listed["items"][0]["note"] == "Winter"
    assert call("get", f"/days/{day_id}").json()["capacity"] == 2
    patched = call("patch", f"/days/{day_id}", {"capacity": 5})
    assert patched.status_code == 200 and patched.json()["capacity"] == 5
    assert call("get", "/days?when=past").json()["count"] == 0


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"ends_at": "09:00"}, "ends_at"),
        ({"slot_minutes": 2}, "slot_minutes"),
        ({"slot_minutes": 120}, "slot_minutes"),
    ],
)
def test_invalid_day_is_422_naming_the_field(org, site, call, values, field):
    call("get", "/days")  # the token's first use records its time
    before = snapshot(org)
    response = call("post", "/days", day_body(site, **values))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field
    assert snapshot(org) == before


def test_capacity_zero_is_refused_by_the_schema(org, site, call):
    response = call("post", "/days", day_body(site, capacity=0))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "capacity"


def test_slots_endpoint(org, site, call):
    day = make_day(org, site, capacity=2)
    book(org, household_request(org), day, "10:15")
    slots = call("get", f"/days/{day.pk}/slots").json()
    assert [(s["booked"], s["free"]) for s in slots] == [(0, 2), (1, 1), (0, 2), (0, 2)]
    assert slots[1]["start"].startswith(f"{day.date.isoformat()}T10:15:00+")


def test_book_list_cancel_and_send_link(org, site, call, django_capture_on_commit_callbacks):
    day = make_day(org, site, capacity=1)
    request = household_request(org, email="olga@example.org")
    body = {
        "request_id": request.pk,
        "day_id": day.pk,
        "slot_start": local(day, "10:30").isoformat(),
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = call("post", "/bookings", body)
    assert response.status_code == 201, response.json()
    booking = response.json()
    assert booking["status"] == "booked" and len(booking["code"]) == 8
    assert "token" not in booking
    assert len(mail.outbox) == 1  # the confirmation

    other = household_request(org, "Other")
    full = call("post", "/bookings", {**body, "request_id": other.pk})
    assert full.status_code == 409
    assert full.json()["errors"][0]["field"] == "slot_start"

    assert call("get", f"/bookings?day={day.pk}").json()["count"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        sent = call("post", f"/bookings/{booking['id']}/send-link?channel=email")
    assert sent.status_code == 201 and sent.json()["recipient"] == "olga@example.org"
    cancelled = call("post", f"/bookings/{booking['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert call("post", f"/bookings/{booking['id']}/cancel").status_code == 409


def test_booking_an_unknown_request_is_422(org, site, call):
    day = make_day(org, site)
    response = call(
        "post",
        "/bookings",
        {"request_id": 999999, "day_id": day.pk, "slot_start": local(day, "10:00").isoformat()},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "request_id"


def test_cancel_day_endpoint(org, site, call):
    day = make_day(org, site)
    book(org, household_request(org), day)
    response = call("post", f"/days/{day.pk}/cancel")
    assert response.status_code == 200 and response.json()["cancelled"] is True
    with scope(organization=org):
        assert not Booking.objects.filter(status="booked").exists()
        assert DistributionDay.objects.get(pk=day.pk).cancelled


def test_volunteer_reads_but_cannot_plan(org, site, volunteer):
    call = api_caller(org, volunteer, "/api/v1/organizations/home/aid")
    assert call("get", "/days").status_code == 200
    assert call("post", "/days", day_body(site)).status_code == 403


def test_send_link_needs_no_body_and_refuses_a_household_without_address(org, site, call):
    booking = book(org, household_request(org), make_day(org, site), notify=False)
    call("get", "/days")  # the token's first use records its time
    before = snapshot(org)
    response = call("post", f"/bookings/{booking.pk}/send-link")
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "channel"
    assert snapshot(org) == before


def test_a_day_s_hours_with_a_utc_offset_are_the_organisation_s_wall_clock_times(call, site):
    """A day's hours are the site's wall-clock times (Copenhagen here). Sent with an offset
    they are read as that moment on the day's date, summer time included, and answered
    without one, as the document says ("10:00:00Z" was a 500 on SQLite, then a 422)."""
    year = future().year + 1
    winter = {"site_id": site.pk, "date": f"{year}-01-15", "starts_at": "09:00:00Z"}
    created = call("post", "/days", {**winter, "ends_at": "10:00:00+00:00"})
    assert created.status_code == 201, created.json()
    assert (created.json()["starts_at"], created.json()["ends_at"]) == ("10:00:00", "11:00:00")
    day_id = created.json()["id"]
    patched = call("patch", f"/days/{day_id}", {"starts_at": "10:30+01:00"})
    assert patched.status_code == 200, patched.json()
    assert patched.json()["starts_at"] == "10:30:00"
    summer = call("patch", f"/days/{day_id}", {"date": f"{year}-07-15", "starts_at": "08:00Z"})
    assert summer.json()["starts_at"] == "10:00:00"  # UTC+2 in July
    with scope(organization=site.organization):
        day = DistributionDay.objects.get(pk=day_id)
    assert (str(day.date), day.starts_at.isoformat(), day.ends_at.isoformat()) == (
        f"{year}-07-15",
        "10:00:00",
        "11:00:00",
    )


@pytest.mark.parametrize("method", ["post", "patch"])
def test_an_hour_that_falls_on_another_day_in_the_organisation_s_zone_is_refused(
    call, site, method
):
    day = {
        "site_id": site.pk,
        "date": future().isoformat(),
        "starts_at": "10:00",
        "ends_at": "11:00",
    }
    if method == "patch":
        created = call("post", "/days", day)
        assert created.status_code == 201, created.json()
        sent = answer(
            lambda: call("patch", f"/days/{created.json()['id']}", {"starts_at": "23:30Z"})
        )
    else:
        sent = answer(lambda: call("post", "/days", {**day, "starts_at": "23:30:00Z"}))
    assert sent.response.status_code == 422, sent.response.json()
    assert sent.response.json()["errors"][0]["field"] == "starts_at"
    assert sent.writes == []


def test_a_booking_is_found_by_its_code_and_made_without_a_message_when_asked(
    org, other_org, outsider, site, call, django_capture_on_commit_callbacks
):
    day = make_day(org, site, capacity=2)
    quiet = household_request(org, "Quiet", email="quiet@example.org")
    body = {
        "request_id": quiet.pk,
        "day_id": day.pk,
        "slot_start": local(day, "10:30").isoformat(),
        "notify": False,  # the household is at the desk: no confirmation
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = call("post", "/bookings", body)
    assert response.status_code == 201, response.json()
    assert mail.outbox == [] and sms.outbox == []
    code = response.json()["code"]
    other = household_request(org, "Loud", email="loud@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        call("post", "/bookings", {**body, "request_id": other.pk, "notify": True})
    assert len(mail.outbox) == 1  # notify defaults to true and still sends

    read_out = f"{code[:4].lower()} {code[4:]}"  # as a household reads it on the phone
    found = call("get", f"/bookings?code={read_out}").json()
    assert found["count"] == 1 and found["items"][0]["id"] == response.json()["id"]
    assert call("get", "/bookings?code=ZZZZZZZZ").json()["count"] == 0
    # Another organisation finds nothing by the code, and cannot ask in this one.
    theirs = api_caller(other_org, outsider, f"/api/v1/organizations/{other_org.slug}/aid")
    assert theirs("get", f"/bookings?code={code}").json()["count"] == 0
    outside = api_caller(other_org, outsider, "/api/v1/organizations/home/aid")
    assert outside("get", f"/bookings?code={code}").status_code == 404
