"""Distribution days, slots and bookings: the services."""

from __future__ import annotations

from datetime import UTC, date, time, timedelta

import pytest
from django.core import mail
from django.utils import translation
from django_scopes import scope

from kindred.aid import sms
from kindred.aid.models import Booking, DistributionDay, HelpRequest, OutgoingMessage
from kindred.aid.services import AidError, distribution
from kindred.core.services import Invalid
from tests.conftest import audit_count, make_site, snapshot

from .test_distribution_helpers import (
    book,
    future,
    household_request,
    local,
    make_day,
    reservation,
)


@pytest.fixture(autouse=True)
def _sms(settings):
    settings.SMS_BACKEND = "kindred.aid.sms.LocmemBackend"
    sms.outbox.clear()


# Days ----------------------------------------------------------------------------------------


def test_create_day_is_audited(org, site, admin):
    before = audit_count(org)
    day = make_day(org, site, note="Winter clothes")
    assert day.pk and day.note == "Winter clothes" and day.created_by == admin
    assert audit_count(org) == before + 1


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"starts_at": time(12), "ends_at": time(10)}, "ends_at"),
        ({"starts_at": time(10), "ends_at": time(10)}, "ends_at"),
        ({"slot_minutes": 3}, "slot_minutes"),
        ({"slot_minutes": 90}, "slot_minutes"),  # longer than the opening hours
        ({"capacity": 0}, "capacity"),
    ],
)
def test_invalid_day_is_refused_with_a_translated_field_error(org, site, admin, values, field):
    args = {"starts_at": time(10), "ends_at": time(11), "slot_minutes": 15, "capacity": 2}
    args.update(values)
    before = snapshot(org)
    with scope(organization=org), translation.override("sv"), pytest.raises(Invalid) as error:
        distribution.create_day(org=org, site=site, date=future(), note="", actor=admin, **args)
    assert error.value.field == field
    assert error.value.status == 422
    assert snapshot(org) == before


def test_day_at_another_organisations_site_is_refused(org, other_org, admin):
    foreign = make_site(other_org, "Their place")
    with scope(organization=org), pytest.raises(Invalid) as error:
        distribution.create_day(
            org=org,
            site=foreign,
            date=future(),
            starts_at=time(10),
            ends_at=time(11),
            slot_minutes=15,
            capacity=1,
            note="",
            actor=admin,
        )
    assert error.value.field == "site"


def test_slots_are_local_to_the_organisations_time_zone(org, site):
    day = make_day(org, site, start="10:00", end="11:10", minutes=20, capacity=3)
    with scope(organization=org):
        result = distribution.slots(day)
    # 10:00, 10:20, 10:40; 11:00-11:20 would end after closing.
    assert [s.start.strftime("%H:%M") for s in result] == ["10:00", "10:20", "10:40"]
    assert all(str(s.start.tzinfo) == "Europe/Copenhagen" for s in result)
    assert result[0].end == result[1].start
    assert all((s.booked, s.free) == (0, 3) for s in result)


def test_slots_of_a_summer_day_in_helsinki(org, site):
    org.time_zone = "Europe/Helsinki"
    org.save(update_fields=["time_zone"])
    day = make_day(org, site, on=date(2031, 7, 1), start="09:00", end="09:30", minutes=15)
    with scope(organization=org):
        first = distribution.slots(day)[0]
    assert first.start.utcoffset() == timedelta(hours=3)
    assert first.start.astimezone(UTC).hour == 6  # stored and compared as UTC


def test_slots_on_the_daylight_saving_day_keep_wall_clock_times(org, site):
    # Europe/Copenhagen springs forward on 30 March 2031 at 02:00.
    day = make_day(org, site, on=date(2031, 3, 30), start="01:00", end="04:00", minutes=60)
    with scope(organization=org):
        result = distribution.slots(day)
    assert result[0].start.strftime("%H:%M") == "01:00"
    assert result[0].start.utcoffset() == timedelta(hours=1)
    assert result[-1].start.utcoffset() == timedelta(hours=2)


def test_update_day_changes_and_audits(org, site, admin):
    day = make_day(org, site)
    before = audit_count(org)
    with scope(organization=org):
        distribution.update_day(
            org=org, day=day, values={"capacity": 5, "note": "Bring bags"}, actor=admin
        )
        day.refresh_from_db()
    assert (day.capacity, day.note) == (5, "Bring bags")
    assert audit_count(org) == before + 1


def test_update_day_cannot_drop_a_booked_slot_or_go_below_bookings(org, site, admin):
    day = make_day(org, site, capacity=2)
    book(org, household_request(org, "A"), day, "10:15")
    book(org, household_request(org, "B"), day, "10:15")
    before = snapshot(org)
    with scope(organization=org):
        with pytest.raises(AidError) as error:
            distribution.update_day(org=org, day=day, values={"capacity": 1}, actor=admin)
        assert error.value.field == "capacity"
        with pytest.raises(AidError):
            distribution.update_day(
                org=org, day=day, values={"starts_at": time(10, 5)}, actor=admin
            )
    assert snapshot(org) == before


# Bookings ------------------------------------------------------------------------------------


def test_book_gives_a_token_and_an_unambiguous_code(org, site):
    day = make_day(org, site)
    booking = book(org, household_request(org), day, "10:30")
    assert booking.status == Booking.Status.BOOKED
    assert len(booking.token) >= 43
    assert len(booking.code) == 8
    assert not set(booking.code) & set("01OIL")
    assert booking.slot_start == local(day, "10:30")


def test_capacity_is_enforced(org, site):
    day = make_day(org, site, capacity=1)
    book(org, household_request(org, "A"), day, "10:00")
    second = household_request(org, "B")
    before = snapshot(org)
    with pytest.raises(AidError) as error:
        book(org, second, day, "10:00")
    assert error.value.field == "slot_start"
    assert snapshot(org) == before
    assert book(org, second, day, "10:15").pk


def test_a_time_that_is_not_a_slot_is_refused(org, site):
    day = make_day(org, site)
    with pytest.raises(Invalid):
        book(org, household_request(org), day, "10:07")


def test_a_request_that_is_not_approved_cannot_book(org, site):
    day = make_day(org, site)
    request = household_request(org, status=HelpRequest.Status.SUBMITTED)
    with pytest.raises(AidError):
        book(org, request, day)


def test_booking_a_cancelled_day_is_refused(org, site, admin):
    day = make_day(org, site)
    with scope(organization=org):
        distribution.cancel_day(org=org, day=day, actor=admin)
    with pytest.raises(AidError):
        book(org, household_request(org), day)


def test_booking_again_moves_the_one_live_booking(org, site):
    day = make_day(org, site, capacity=1)
    request = household_request(org)
    first = book(org, request, day, "10:00")
    moved = book(org, request, day, "10:30")
    assert moved.pk == first.pk
    with scope(organization=org):
        assert Booking.objects.filter(request=request).count() == 1
        slots = {s.start.strftime("%H:%M"): s.free for s in distribution.slots(day)}
    assert slots["10:00"] == 1 and slots["10:30"] == 0


def test_rebook_to_another_day_resets_the_reminder(org, site):
    day = make_day(org, site)
    other = make_day(org, site, on=future(5))
    booking = book(org, household_request(org), day)
    with scope(organization=org):
        Booking.objects.filter(pk=booking.pk).update(reminder_sent_at=day.created_at)
        booking.refresh_from_db()
        moved = distribution.rebook(booking=booking, day=other, slot_start=local(other, "10:45"))
    assert moved.day_id == other.pk and moved.reminder_sent_at is None


def test_cancel_frees_the_place_and_the_same_link_can_book_again(org, site):
    day = make_day(org, site, capacity=1)
    booking = book(org, household_request(org), day)
    with scope(organization=org):
        distribution.cancel_booking(booking=booking)
        booking.refresh_from_db()
        assert booking.status == Booking.Status.CANCELLED
        assert distribution.slots(day)[0].free == 1
        with pytest.raises(AidError):
            distribution.cancel_booking(booking=booking)
        revived = distribution.rebook(booking=booking, day=day, slot_start=local(day, "10:00"))
    assert revived.pk == booking.pk and revived.status == Booking.Status.BOOKED


def test_a_cancelled_link_cannot_come_back_when_the_request_booked_again(org, site):
    day = make_day(org, site)
    request = household_request(org)
    old = book(org, request, day)
    with scope(organization=org):
        distribution.cancel_booking(booking=old)
    book(org, request, day, "10:15")  # a new booking (e.g. by staff)
    with scope(organization=org), pytest.raises(AidError):
        distribution.rebook(booking=old, day=day, slot_start=local(day, "10:30"))


def test_cancel_day_cancels_its_bookings_and_tells_the_households(
    org, site, admin, django_capture_on_commit_callbacks
):
    day = make_day(org, site)
    a = book(org, household_request(org, "A", email="a@example.org"), day, notify=False)
    b = book(org, household_request(org, "B", phone="+4512345678"), day, "10:15", notify=False)
    with scope(organization=org), django_capture_on_commit_callbacks(execute=True):
        n = distribution.cancel_day(org=org, day=day, actor=admin)
    assert n == 2
    with scope(organization=org):
        assert set(Booking.objects.filter(day=day).values_list("status", flat=True)) == {
            Booking.Status.CANCELLED
        }
        assert DistributionDay.objects.get(pk=day.pk).cancelled
        assert (
            OutgoingMessage.objects.filter(booking__in=[a, b], sent_at__isnull=False).count() == 2
        )
    assert len(mail.outbox) == 1 and a.token in mail.outbox[0].body
    assert len(sms.outbox) == 1 and b.token in sms.outbox[0][1]


# Assigning slots -----------------------------------------------------------------------------


def test_assign_slots_fills_earliest_slots_first_and_respects_capacity(org, site, admin):
    day = make_day(org, site, start="10:00", end="10:30", minutes=15, capacity=2)  # 4 places
    requests = [household_request(org, f"F{n}") for n in range(6)]
    for n, request in enumerate(requests):
        reservation(org, request, site, created_at=day.created_at + timedelta(minutes=n))
    already = requests[0]
    book(org, already, day, "10:15")  # booked: not assigned again
    elsewhere = make_site(org, "Elsewhere")
    other = household_request(org, "Other")
    reservation(org, other, elsewhere)  # goods at another site: not this day's
    with scope(organization=org):
        assigned = distribution.assign_slots(day=day, actor=admin)
        by_slot = {s.start.strftime("%H:%M"): s.booked for s in distribution.slots(day)}
        booked_requests = set(
            Booking.objects.filter(day=day, status="booked").values_list("request_id", flat=True)
        )
    assert assigned == 3
    assert by_slot == {"10:00": 2, "10:15": 2}
    assert booked_requests == {r.pk for r in requests[:4]}  # oldest reservations first
    assert other.pk not in booked_requests
    with scope(organization=org):
        assert distribution.assign_slots(day=day, actor=admin) == 0  # full


def test_send_links_opens_links_for_waiting_households(
    org, site, admin, django_capture_on_commit_callbacks
):
    day = make_day(org, site)
    booked = household_request(org, "Booked", email="b@example.org")
    book(org, booked, day, notify=False)
    waiting = household_request(org, "Waiting", phone="+4520000000")
    reservation(org, waiting, site)
    silent = household_request(org, "Silent")
    reservation(org, silent, site)
    with scope(organization=org), django_capture_on_commit_callbacks(execute=True):
        sent, missing = distribution.send_links(day=day, actor=admin)
    assert (sent, missing) == (2, 1)
    with scope(organization=org):
        link = Booking.objects.get(request=waiting)
    assert link.day is None and link.status == Booking.Status.BOOKED
    assert link.token in sms.outbox[0][1]
    assert len(mail.outbox) == 1
