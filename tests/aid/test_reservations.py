"""Reservations: cancelling, expiry by the scheduled task (with a frozen clock), and the
list and detail pages."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from kindred.aid.models import Reservation
from kindred.aid.services import AidError
from kindred.aid.services import allocation as allocation_services
from kindred.aid.services import reservations as services
from kindred.aid.tasks import reservations as tasks
from kindred.goods.models import Movement, StockBalance
from tests.aid.builders import family, help_request
from tests.conftest import admin_of, make_location, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf(org, site):
    return make_location(org, site, "Shelf A")


def reserve(org, site, shelf, capture, *, households=("Petrov",)) -> list[Reservation]:
    """Approved requests for 2 toys each, reserved through a confirmed allocation."""
    stock(org, {shelf: {"toy": 10}})
    for name in households:
        help_request(org, family(org, name), [("toy", [], 2, 2)])
    actor = admin_of(org)
    with scope(organization=org), capture(execute=True):
        run = allocation_services.start_run(org=org, sites=[site], actor=actor)
    with scope(organization=org):
        return allocation_services.confirm_run(run=run, actor=actor)


def reserved(org, shelf) -> int:
    with scope(organization=org):
        return int(StockBalance.objects.get(location=shelf).reserved)


def test_cancel_releases_the_units(
    org, site, shelf, coordinator, django_capture_on_commit_callbacks
):
    [reservation] = reserve(org, site, shelf, django_capture_on_commit_callbacks)
    assert reserved(org, shelf) == 2
    with scope(organization=org):
        services.cancel_reservation(reservation=reservation, actor=coordinator, reason="Moved")
        reservation.refresh_from_db()
        assert reservation.status == Reservation.Status.CANCELLED
        assert reservation.closed_at is not None
        release = Movement.objects.get(kind=Movement.Kind.RELEASE)
        assert (release.document_type, release.document_id) == ("reservation", reservation.pk)
        with pytest.raises(AidError):
            services.cancel_reservation(reservation=reservation, actor=coordinator)
    assert reserved(org, shelf) == 0


def test_expiry_with_a_frozen_clock_returns_the_stock(
    org, site, shelf, django_capture_on_commit_callbacks
):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        first, second = reserve(
            org, site, shelf, django_capture_on_commit_callbacks, households=("A", "B")
        )
    with scope(organization=org):
        Reservation.objects.filter(pk=second.pk).update(expires_at=start + timedelta(days=20))
    assert reserved(org, shelf) == 4
    with time_machine.travel(start + timedelta(days=13, hours=23), tick=False):
        assert services.expire_due() == 0
        assert tasks.enqueue_expiry() is False
    with time_machine.travel(start + timedelta(days=14, minutes=1), tick=False):
        assert tasks.enqueue_expiry() is True  # the immediate backend runs it at once
        assert services.expire_due() == 0  # idempotent: nothing left
    with scope(organization=org):
        first.refresh_from_db()
        second.refresh_from_db()
    assert first.status == Reservation.Status.EXPIRED
    assert second.status == Reservation.Status.ACTIVE
    assert reserved(org, shelf) == 2


def test_expire_due_with_an_explicit_now(org, site, shelf, django_capture_on_commit_callbacks):
    [reservation] = reserve(org, site, shelf, django_capture_on_commit_callbacks)
    assert services.expire_due(now=reservation.expires_at - timedelta(seconds=1)) == 0
    assert services.expire_due(now=reservation.expires_at) == 1
    assert reserved(org, shelf) == 0


def test_a_reservation_handed_out_meanwhile_is_not_expired(
    org, site, shelf, django_capture_on_commit_callbacks
):
    [reservation] = reserve(org, site, shelf, django_capture_on_commit_callbacks)
    with scope(organization=org):
        # The station closed it (and released its units) just before the expiry ran.
        Reservation.objects.filter(pk=reservation.pk).update(status=Reservation.Status.HANDED_OUT)
    assert services.expire_due(now=reservation.expires_at + timedelta(days=1)) == 0
    with scope(organization=org):
        assert not Movement.objects.filter(kind=Movement.Kind.RELEASE).exists()
        reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.HANDED_OUT


# Pages -----------------------------------------------------------------------------------------


def url(org, name, **kwargs):
    return reverse(f"aid:{name}", kwargs={"org_slug": org.slug, **kwargs})


def test_reservation_list_search_filter_and_sort(
    org, site, shelf, volunteer, client_for, django_capture_on_commit_callbacks
):
    first, second = reserve(
        org, site, shelf, django_capture_on_commit_callbacks, households=("Petrov", "Ivanov")
    )
    with scope(organization=org):
        Reservation.objects.filter(pk=second.pk).update(status=Reservation.Status.EXPIRED)
    client = client_for(volunteer)
    page = client.get(url(org, "reservations")).content.decode()
    assert first.reference in page and second.reference in page
    found = client.get(url(org, "reservations"), {"q": "petrov"}).content.decode()
    assert "Petrov household" in found and "Ivanov household" not in found
    by_ref = client.get(url(org, "reservations"), {"q": first.reference}).content.decode()
    assert "Ivanov household" not in by_ref
    active = client.get(url(org, "reservations"), {"status": "active"}).content.decode()
    assert "Ivanov household" not in active
    other_site = client.get(url(org, "reservations"), {"site": 999999}).content.decode()
    assert "No reservation matches these filters." in other_site
    rows = client.get(url(org, "reservations"), {"sort": "-expiry"}, HTTP_HX_REQUEST="true")
    assert rows.status_code == 200 and "<html" not in rows.content.decode()


def test_reservation_list_empty(org, volunteer, client_for):
    page = client_for(volunteer).get(url(org, "reservations")).content.decode()
    assert "Nothing is reserved yet." in page


def test_reservation_detail_and_cancel(
    org, site, shelf, volunteer, coordinator, client_for, django_capture_on_commit_callbacks
):
    [reservation] = reserve(org, site, shelf, django_capture_on_commit_callbacks)
    detail = url(org, "reservation", reservation_id=reservation.pk)
    seen = client_for(volunteer).get(detail).content.decode()
    assert "Petrov household" in seen and "Cancel the reservation" not in seen
    cancel = url(org, "reservation-cancel", reservation_id=reservation.pk)
    assert client_for(volunteer).post(cancel).status_code == 403
    assert reserved(org, shelf) == 2
    client = client_for(coordinator)
    assert "Cancel the reservation" in client.get(detail).content.decode()
    assert client.post(cancel, {"reason": "Moved away"}).status_code == 302
    assert reserved(org, shelf) == 0
    assert client.post(cancel).status_code == 409
