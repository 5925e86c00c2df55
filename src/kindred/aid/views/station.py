"""The handout station (phone or tablet): find the household by its booking's QR code, a
reference or a name; hand out what was reserved (everything in one tap, part of it, with
a substitution), record a no-show, or hand out to a walk-in household. Thin: parse,
authorise (org_view), call one service or query, answer; a refusal is an htmx error
partial (or the page again) with a 4xx status, in the user's language."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kindred.core.models import Site
from kindred.core.roles import Action, can
from kindred.core.scoping import org_view
from kindred.core.services import DomainError
from kindred.people.models import Household

from ..forms.station import HandOutForm, SearchForm, WalkInForm
from ..models import Booking, Handout, Reservation
from ..queries import station as queries
from ..queries.pickup import live_bookings, today_of
from ..services import handouts as services
from ..services.common import NeedsConfirmation, NotEligible

ORG = "o/<slug:org_slug>/aid/station/"
SITE_KEY = "aid_station_site"  # the station's site, per browser session


def _sites(request: HttpRequest) -> list[Site]:
    return list(Site.objects.filter(organization=request.org, archived=False).order_by("name"))


def _site(
    request: HttpRequest, sites: list[Site] | None = None, default: Site | None = None
) -> Site | None:
    """The chosen site (?site=), else the one remembered in the session, else `default`
    (the site of the booking being handed out), else the first."""
    sites = _sites(request) if sites is None else sites
    by_pk = {s.pk: s for s in sites}
    chosen = request.GET.get("site", "")
    if chosen.isdigit() and len(chosen) < 19 and int(chosen) in by_pk:
        if request.session.get(SITE_KEY) != int(chosen):
            request.session[SITE_KEY] = int(chosen)
        return by_pk[int(chosen)]
    remembered = by_pk.get(request.session.get(SITE_KEY))
    if remembered is None and default is not None and default.pk in by_pk:
        return by_pk[default.pk]
    return remembered or (sites[0] if sites else None)


def _confirm_again(request: HttpRequest, error: NeedsConfirmation, prefix: str) -> dict:
    """What the "Hand out anyway" button posts: the same form again, with the warnings
    it was refused for confirmed."""
    name = f"{prefix}-confirm"
    confirmed = request.POST.getlist(name)
    return {
        "action": request.get_full_path(),
        "target": f"#station-message-{prefix.removeprefix('r')}",
        "fields": [
            (key, value)
            for key, values in request.POST.lists()
            if key not in {"csrfmiddlewaretoken", name}
            for value in values
        ],
        "name": name,
        "codes": sorted({*confirmed, *(w.code for w in error.warnings)}),
    }


def _error(request: HttpRequest, error: DomainError, status: int | None = None, **context):
    return render(
        request,
        "aid/station_error_partial.html" if request.htmx else "aid/station_error.html",
        {
            "message": error.message,
            "failures": getattr(error, "failures", []),
            "may_override": isinstance(error, NotEligible)
            and can(request.role, Action.REVIEW_REQUESTS),
            **context,
        },
        status=status or error.status,
    )


@org_view(Action.HAND_OUT)
def station(request: HttpRequest) -> HttpResponse:
    """Choose the site, search, and see today's bookings at the site by slot."""
    org = request.org
    sites = _sites(request)
    site = _site(request, sites)
    form = SearchForm(request.GET or None)
    text = form.cleaned_data["q"] if form.is_valid() else ""
    result = queries.find(org, text) if text else None
    if result is not None and result.booking is not None:
        url = reverse(
            "aid:station-booking", kwargs={"org_slug": org.slug, "code": result.booking.code}
        )
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)
    context = {"form": form, "q": text, "result": result, "sites": sites, "site": site}
    if request.htmx and request.htmx.target == "station-results":
        return render(request, "aid/station_results.html", context)
    context["bookings"] = queries.todays_bookings(org, site)
    return render(request, "aid/station.html", context)


def _booked_site(booking: Booking | None) -> Site | None:
    return booking.day.site if booking is not None and booking.day_id else None


def _reservation_forms(request, reservations, *, booking=None, data=None, bound_pk=None):
    """Each reservation with its handout form (bound to `data` for the one posted) and the
    warnings the handout service would refuse it for without a confirmation."""
    org = request.org
    stock_by_site: dict[int, list] = {}
    sites = _sites(request)
    today = today_of(org)
    live = live_bookings(org, (r.request_id for r in reservations))
    for reservation in reservations:
        came_with = booking if booking is not None else live.get(reservation.request_id)
        reservation.warnings = queries.handout_warnings(
            reservation,
            booking=came_with,
            site=_site(request, sites, default=_booked_site(came_with)),
            today=today,
        )
        if reservation.site_id not in stock_by_site:
            stock_by_site[reservation.site_id] = list(
                queries.available_stock(org, reservation.site)
            )
        reservation.form = HandOutForm(
            data if reservation.pk == bound_pk else None,
            lines=reservation.lines.all(),
            stock=stock_by_site[reservation.site_id],
            prefix=f"r{reservation.pk}",
        )
        if booking is not None:
            reservation.form.initial["booking"] = booking.pk
    return reservations


@org_view(Action.HAND_OUT)
def station_booking(request: HttpRequest, code: str) -> HttpResponse:
    """What the booking's QR code opens: the household, its reserved items by location,
    and the handout actions."""
    org = request.org
    booking = queries.booking_by_code(org, code)
    if booking is None:
        return render(
            request,
            "aid/station_booking.html",
            {"missing": True, "code": queries.clean_code(code)},
            status=404,
        )
    reservations = [
        r
        for r in queries.active_reservations(org, booking.household)
        if r.request_id == booking.request_id
    ]
    context = {
        "booking": booking,
        "card": queries.household_card(org, booking.household),
        "reservations": _reservation_forms(request, reservations, booking=booking),
    }
    return render(request, "aid/station_booking.html", context)


@org_view(Action.HAND_OUT)
def station_household(request: HttpRequest, household_id: int) -> HttpResponse:
    """A household found by name or reference: its active reservations, or the walk-in
    form with the available stock at the station's site."""
    org = request.org
    household = get_object_or_404(Household, pk=household_id)
    reservations = queries.active_reservations(org, household)
    return render(
        request, "aid/station_household.html", _household_context(request, household, reservations)
    )


def _household_context(request, household, reservations, walk_in=None) -> dict:
    org = request.org
    site = _site(request)
    # A reservation whose posted form failed keeps that form (and its errors).
    _reservation_forms(request, [r for r in reservations if not hasattr(r, "form")])
    if walk_in is None and site is not None:
        walk_in = WalkInForm(
            stock=queries.available_stock(org, site),
            may_override=can(request.role, Action.REVIEW_REQUESTS),
        )
    return {
        "household": household,
        "card": queries.household_card(org, household),
        "reservations": reservations,
        "site": site,
        "sites": _sites(request),
        "walk_in": walk_in,
    }


@require_POST
@org_view(Action.HAND_OUT)
def station_hand_out(request: HttpRequest, reservation_id: int) -> HttpResponse:
    org = request.org
    reservation = get_object_or_404(
        Reservation.objects.select_related("site", "household"), pk=reservation_id
    )
    reservations = queries.active_reservations(org, reservation.household)
    current = next((r for r in reservations if r.pk == reservation.pk), None)
    if current is None:
        error = DomainError(_("This reservation was already handed out or has expired."))
        return _error(request, error, status=409)
    _reservation_forms(request, [current], data=request.POST, bound_pk=current.pk)
    form = current.form
    if not form.is_valid():
        if request.htmx:
            messages = [e for errors in form.errors.values() for e in errors]
            return _error(request, DomainError(" ".join(messages)), status=422)
        context = _household_context(request, reservation.household, reservations)
        return render(request, "aid/station_household.html", context, status=422)
    booking = None
    booking_id = form.cleaned_data.get("booking")
    if booking_id:
        booking = Booking.objects.filter(pk=booking_id).first()
    # Where the household came, as the page assumed when it warned (_reservation_forms).
    came_with = booking or live_bookings(request.org, [reservation.request_id]).get(
        reservation.request_id
    )
    try:
        handout = services.hand_out_reservation(
            reservation=reservation,
            actor=request.user,
            booking=booking,
            site=_site(request, default=_booked_site(came_with)),
            **form.service_args(),
        )
    except NeedsConfirmation as error:
        return _error(
            request,
            error,
            warnings=error.warnings,
            confirm=_confirm_again(request, error, form.prefix),
        )
    except DomainError as error:
        return _error(request, error)
    return _done(request, handout)


def _done(request: HttpRequest, handout: Handout) -> HttpResponse:
    url = reverse(
        "aid:station-handout", kwargs={"org_slug": request.org.slug, "handout_id": handout.pk}
    )
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@require_POST
@org_view(Action.HAND_OUT)
def station_no_show(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = get_object_or_404(Booking, pk=booking_id)
    try:
        services.record_no_show(booking=booking, actor=request.user)
    except DomainError as error:
        return _error(request, error)
    url = reverse("aid:station", kwargs={"org_slug": request.org.slug})
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@require_POST
@org_view(Action.HAND_OUT)
def station_walk_in(request: HttpRequest, household_id: int) -> HttpResponse:
    org = request.org
    household = get_object_or_404(Household, pk=household_id)
    site = _site(request)
    chosen = request.POST.get("site", "")
    if chosen.isdigit() and len(chosen) < 19:
        site = Site.objects.filter(organization=org, pk=int(chosen)).first() or site
    if site is None:
        return _error(request, DomainError(_("Choose a site of this organisation.")), status=422)
    may_override = can(request.role, Action.REVIEW_REQUESTS)
    form = WalkInForm(
        request.POST, stock=queries.available_stock(org, site), may_override=may_override
    )
    if not form.is_valid():
        if request.htmx:
            messages = [e for errors in form.errors.values() for e in errors]
            return _error(request, DomainError(" ".join(messages)), status=422)
        reservations = queries.active_reservations(org, household)
        context = _household_context(request, household, reservations, walk_in=form)
        return render(request, "aid/station_household.html", context, status=422)
    try:
        handout = services.hand_out_walk_in(
            org=org,
            site=site,
            household=household,
            lines=form.lines(),
            actor=request.user,
            override_reason=form.cleaned_data.get("override_reason", "") if may_override else "",
            note=form.cleaned_data.get("note", ""),
        )
    except DomainError as error:
        return _error(request, error)
    return _done(request, handout)


@org_view(Action.HAND_OUT)
def station_handout(request: HttpRequest, handout_id: int) -> HttpResponse:
    """After handing out: what was given, and the handout's reference."""
    handout = queries.handout_detail(request.org, handout_id)
    if handout is None:
        raise Http404
    return render(
        request,
        "aid/handout_done.html",
        {"handout": handout, "card": queries.household_card(request.org, handout.household)},
    )


urlpatterns = [
    path(ORG, station, name="station"),
    path(ORG + "b/<str:code>/", station_booking, name="station-booking"),
    path(ORG + "households/<int:household_id>/", station_household, name="station-household"),
    path(
        ORG + "households/<int:household_id>/walk-in/",
        station_walk_in,
        name="station-walk-in",
    ),
    path(
        ORG + "reservations/<int:reservation_id>/hand-out/",
        station_hand_out,
        name="station-hand-out",
    ),
    path(ORG + "bookings/<int:booking_id>/no-show/", station_no_show, name="station-no-show"),
    path(ORG + "handouts/<int:handout_id>/", station_handout, name="station-handout"),
]
