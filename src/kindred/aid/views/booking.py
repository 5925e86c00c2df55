"""Households' personal booking links under /b/<token>/ — no login (ADR 0013, point 6).

The token is the secret: an unknown one is a 404. The page shows the organisation, the
request's reference (no other personal data), what is reserved (item and quantity), the
day and the site's address, and either the booked slot with its QR code, rebook and
cancel, and the calendar file; or, with no slot, the upcoming days with free times. It is
in the household's language (the request's), switchable with ?lang=. The organisation's
scope is activated by hand, as on the public needs page. POSTs carry a CSRF token.
"""

from __future__ import annotations

from datetime import timedelta

import segno
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_scopes import scope

from kindred.core.services import DomainError

from ..forms.distribution import SlotForm
from ..models import Booking
from ..queries import distribution as queries
from ..services import distribution as services
from ..services import messaging

LANGUAGES = dict(settings.LANGUAGES)


def _booking(token: str) -> Booking:
    booking = queries.find_booking(token)
    if booking is None:
        raise Http404
    return booking


def _language(request: HttpRequest, booking: Booking) -> str:
    chosen = request.GET.get("lang") or request.POST.get("lang") or ""
    return chosen if chosen in LANGUAGES else messaging.language_of(booking.request)


def station_url(request: HttpRequest, booking: Booking) -> str:
    """The absolute URL of the station's page for this booking (what the QR code carries)."""
    url = reverse(
        "aid:station-booking",
        kwargs={"org_slug": booking.organization.slug, "code": booking.code},
    )
    return request.build_absolute_uri(url)


def _qr(data: str) -> str:
    return segno.make_qr(data, error="m").svg_data_uri(scale=6, border=2)


def _link(booking: Booking, language: str, anchor: str = "") -> str:
    url = reverse("aid:booking-link", kwargs={"token": booking.token})
    return f"{url}?lang={language}{anchor}"


def _page(request: HttpRequest, booking: Booking, language: str, *, form=None, status=200):
    org = booking.organization
    booked = booking.status == Booking.Status.BOOKED and booking.day_id is not None
    can_choose = booking.status in (Booking.Status.BOOKED, Booking.Status.CANCELLED)
    station = station_url(request, booking) if booked else None
    context = {
        "org": org,
        "booking": booking,
        "reference": booking.request.reference,
        # At the booked site only: what its pick list lists and its station offers.
        "items": queries.reserved_items(booking.request, booking.day.site if booked else None),
        "elsewhere": queries.reserved_elsewhere(booking.request, booking.day.site)
        if booked
        else [],
        "booked": booked,
        "day": booking.day if booked else None,
        "site": booking.day.site if booked else None,
        "slot_start": timezone.localtime(booking.slot_start) if booked else None,
        "slot_end": (
            timezone.localtime(booking.slot_start) + timedelta(minutes=booking.day.slot_minutes)
            if booked
            else None
        ),
        "qr": _qr(station or booking.code) if booked else None,
        "choices": queries.day_choices(booking) if can_choose else [],
        "form": form,
        "language": language,
        "languages": settings.LANGUAGES,
    }
    response = render(request, "aid/booking_link.html", context, status=status)
    response["Content-Language"] = language
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def booking_link(request: HttpRequest, token: str) -> HttpResponse:
    booking = _booking(token)
    language = _language(request, booking)
    org = booking.organization
    with translation.override(language), scope(organization=org), timezone.override(org.time_zone):
        return _page(request, booking, language)


@require_POST
def booking_link_book(request: HttpRequest, token: str) -> HttpResponse:
    """The household chooses (or changes) its time."""
    booking = _booking(token)
    language = _language(request, booking)
    org = booking.organization
    with translation.override(language), scope(organization=org), timezone.override(org.time_zone):
        form = SlotForm(request.POST, org=org)
        if not form.is_valid():
            return _page(request, booking, language, form=form, status=400)
        if (
            booking.status == Booking.Status.BOOKED
            and booking.day_id == form.cleaned_data["day"].pk
            and booking.slot_start == form.cleaned_data["slot_start"]
        ):
            messages.info(request, _("This is already your time: nothing was changed."))
            return redirect(_link(booking, language))
        try:
            services.rebook(
                booking=booking,
                day=form.cleaned_data["day"],
                slot_start=form.cleaned_data["slot_start"],
                actor=None,
                base_url=request.build_absolute_uri("/"),
            )
        except DomainError as error:
            form.add_error(None, error.message)
            booking = _booking(token)
            return _page(request, booking, language, form=form, status=error.status)
        messages.success(request, _("Your time is booked. See you then!"))
    return redirect(_link(booking, language))


@require_POST
def booking_link_cancel(request: HttpRequest, token: str) -> HttpResponse:
    booking = _booking(token)
    language = _language(request, booking)
    org = booking.organization
    with translation.override(language), scope(organization=org), timezone.override(org.time_zone):
        try:
            services.cancel_booking(booking=booking, actor=None)
        except DomainError as error:
            messages.error(request, error.message)
            return _page(request, _booking(token), language, status=error.status)
        messages.success(request, _("Your time is cancelled."))
    return redirect(_link(booking, language))


@require_GET
def booking_ics(request: HttpRequest, token: str) -> HttpResponse:
    booking = _booking(token)
    if booking.status != Booking.Status.BOOKED or booking.day_id is None:
        raise Http404
    language = _language(request, booking)
    org = booking.organization
    with translation.override(language), scope(organization=org):
        url = request.build_absolute_uri(reverse("aid:booking-link", args=[token]))
        body = queries.calendar_file(booking, url=url)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="pickup-{booking.code}.ics"'
    add_never_cache_headers(response)
    return response


urlpatterns = [
    path("b/<str:token>/", booking_link, name="booking-link"),
    path("b/<str:token>/book/", booking_link_book, name="booking-link-book"),
    path("b/<str:token>/cancel/", booking_link_cancel, name="booking-link-cancel"),
    path("b/<str:token>/calendar.ics", booking_ics, name="booking-ics"),
]
