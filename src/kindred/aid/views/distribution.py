"""Pages for distribution days and staff bookings: the days list (upcoming/past, site,
search), planning and editing a day, the day's slots with their bookings and its actions
(assign slots automatically, send the booking links, cancel), and booking a household into
a slot. Parse, authorise (org_view), call one service or query, answer; a service's error
is shown on the field it names with a 4xx status."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from kindred.core.models import Site
from kindred.core.numbers import parse_id
from kindred.core.roles import Action, can
from kindred.core.scoping import org_view
from kindred.core.services import DomainError
from kindred.core.views.helpers import form_error, paginate

from ..forms.distribution import DayFilterForm, DayForm, SendLinkForm, StaffBookingForm
from ..models import Booking, DistributionDay, HelpRequest
from ..queries import distribution as queries
from ..services import distribution as services
from ..services import messaging

ORG = "o/<slug:org_slug>/aid/"


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _day(day_id: int) -> DistributionDay:
    return get_object_or_404(
        DistributionDay.objects.select_related("site", "organization", "created_by"), pk=day_id
    )


@org_view(Action.VIEW_DISTRIBUTION)
def day_list(request: HttpRequest) -> HttpResponse:
    values = DayFilterForm(request.GET).values()
    qs = queries.days(
        request.org, when=values["when"], site_id=values["site_id"], search=values["search"]
    )
    context = {
        "page": paginate(request, qs),
        "q": values["search"],
        "site": values["site_id"] or "",
        "when": values["when"],
        "whens": [("upcoming", _("Upcoming")), ("past", _("Past")), ("all", _("All"))],
        "sites": Site.objects.filter(organization=request.org).order_by("name"),
        "filtered": bool(values["search"] or values["site_id"]),
    }
    template = "aid/day_rows.html" if request.htmx else "aid/day_list.html"
    return render(request, template, context)


def _day_values(form: DayForm) -> dict:
    d = form.cleaned_data
    return {f: d[f] for f in services.DAY_FIELDS}


@org_view(Action.MANAGE_DISTRIBUTION)
def day_new(request: HttpRequest) -> HttpResponse:
    org = request.org
    form = DayForm(request.POST or None, org=org)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                day = services.create_day(org=org, **_day_values(form), actor=request.user)
            except DomainError as error:
                form_error(form, error)
                status = error.status
            else:
                messages.success(request, _("Distribution day planned."))
                return redirect("aid:day", org_slug=org.slug, day_id=day.pk)
    return render(request, "aid/day_form.html", {"form": form, "day": None}, status=status)


@org_view(Action.MANAGE_DISTRIBUTION)
def day_edit(request: HttpRequest, day_id: int) -> HttpResponse:
    org = request.org
    day = _day(day_id)
    initial = {f: getattr(day, f) for f in services.DAY_FIELDS}
    initial["site"] = day.site_id
    form = DayForm(request.POST or None, org=org, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.update_day(org=org, day=day, values=_day_values(form), actor=request.user)
            except DomainError as error:
                form_error(form, error)
                status = error.status
            else:
                messages.success(request, _("Distribution day saved."))
                return redirect("aid:day", org_slug=org.slug, day_id=day.pk)
    return render(request, "aid/day_form.html", {"form": form, "day": day}, status=status)


def _day_page(request: HttpRequest, day: DistributionDay, *, status: int = 200) -> HttpResponse:
    rows, stray = queries.day_slots(day)
    manage = can(request.role, Action.MANAGE_DISTRIBUTION)
    context = {
        "day": day,
        "rows": rows,
        "stray": stray,
        "booked": sum(row.slot.booked for row in rows),
        "free": sum(row.slot.free for row in rows),
        "waiting": queries.waiting_count(day) if manage and not day.cancelled else 0,
        "manage": manage,
        "pick_list_url": reverse(
            "aid:pick-list", kwargs={"org_slug": request.org.slug, "day_id": day.pk}
        ),
        "send_form": SendLinkForm(),
    }
    return render(request, "aid/day_detail.html", context, status=status)


@org_view(Action.VIEW_DISTRIBUTION)
def day_detail(request: HttpRequest, day_id: int) -> HttpResponse:
    return _day_page(request, _day(day_id))


def _day_action(request: HttpRequest, day_id: int, act) -> HttpResponse:
    day = _day(day_id)
    try:
        text = act(day)
    except DomainError as error:
        messages.error(request, error.message)
        return _day_page(request, _day(day_id), status=error.status)
    messages.success(request, text)
    return redirect("aid:day", org_slug=request.org.slug, day_id=day.pk)


@require_POST
@org_view(Action.MANAGE_DISTRIBUTION)
def day_cancel(request: HttpRequest, day_id: int) -> HttpResponse:
    def act(day):
        n = services.cancel_day(
            org=request.org, day=day, actor=request.user, base_url=_base_url(request)
        )
        return ngettext(
            "Day cancelled; %(n)s booking was cancelled and its household told.",
            "Day cancelled; %(n)s bookings were cancelled and their households told.",
            n,
        ) % {"n": n}

    return _day_action(request, day_id, act)


@require_POST
@org_view(Action.MANAGE_DISTRIBUTION)
def day_assign(request: HttpRequest, day_id: int) -> HttpResponse:
    def act(day):
        n = services.assign_slots(day=day, actor=request.user, base_url=_base_url(request))
        return ngettext("%(n)s household got a slot.", "%(n)s households got a slot.", n) % {"n": n}

    return _day_action(request, day_id, act)


@require_POST
@org_view(Action.MANAGE_DISTRIBUTION)
def day_send_links(request: HttpRequest, day_id: int) -> HttpResponse:
    def act(day):
        sent, missing = services.send_links(
            day=day, actor=request.user, base_url=_base_url(request)
        )
        text = ngettext("%(n)s link sent.", "%(n)s links sent.", sent) % {"n": sent}
        if missing:
            text += " " + ngettext(
                "%(n)s household has no e-mail address or phone number.",
                "%(n)s households have no e-mail address or phone number.",
                missing,
            ) % {"n": missing}
        return text

    return _day_action(request, day_id, act)


# Staff bookings ------------------------------------------------------------------------------


@org_view(Action.MANAGE_DISTRIBUTION)
def booking_new(request: HttpRequest) -> HttpResponse:
    """Book a household into a slot: choose the request and the day (?request=, ?day=,
    e.g. from the request's or the day's page), then one of the day's free times."""
    org = request.org
    source = request.POST if request.method == "POST" else request.GET
    initial = {"request": parse_id(source.get("request")), "day": parse_id(source.get("day"))}
    form = StaffBookingForm(request.POST or None, org=org, initial=initial)
    day = (
        DistributionDay.objects.filter(organization=org, cancelled=False, pk=initial["day"] or 0)
        .select_related("site", "organization")
        .first()
    )
    help_request = HelpRequest.objects.filter(organization=org, pk=initial["request"] or 0).first()
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                booking = services.book(
                    request=d["request"],
                    day=d["day"],
                    slot_start=d["slot_start"],
                    actor=request.user,
                    base_url=_base_url(request),
                )
            except DomainError as error:
                form_error(form, error)
                status = error.status
            else:
                messages.success(
                    request,
                    _("Booked: %(ref)s, code %(code)s.")
                    % {"ref": d["request"].reference, "code": booking.code},
                )
                return redirect("aid:day", org_slug=org.slug, day_id=booking.day_id)
    free = [s for s in services.slots(day) if s.free > 0] if day is not None else []
    context = {
        "form": form,
        "day": day,
        "help_request": help_request,
        "free_slots": free,
        "days": DistributionDay.objects.filter(organization=org, cancelled=False)
        .select_related("site")
        .order_by("-date")[:60],
        "chosen_slot": source.get("slot_start", ""),
    }
    return render(request, "aid/booking_new.html", context, status=status)


def _booking(booking_id: int) -> Booking:
    return get_object_or_404(
        Booking.objects.select_related("request__organization", "day__site", "organization"),
        pk=booking_id,
    )


def _back_to(request: HttpRequest, booking: Booking):
    if booking.day_id:
        return redirect("aid:day", org_slug=request.org.slug, day_id=booking.day_id)
    return redirect("aid:days", org_slug=request.org.slug)


@require_POST
@org_view(Action.MANAGE_DISTRIBUTION)
def booking_cancel(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = _booking(booking_id)
    try:
        services.cancel_booking(booking=booking, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        if booking.day_id:
            return _day_page(request, _day(booking.day_id), status=error.status)
        return redirect("aid:days", org_slug=request.org.slug)
    messages.success(request, _("Booking %(code)s cancelled.") % {"code": booking.code})
    return _back_to(request, booking)


@require_POST
@org_view(Action.MANAGE_DISTRIBUTION)
def booking_send_link(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = _booking(booking_id)
    form = SendLinkForm(request.POST)
    channel = form.cleaned_data["channel"] if form.is_valid() else None
    try:
        message = messaging.send_booking_link(
            booking=booking,
            channel=channel or None,
            actor=request.user,
            base_url=_base_url(request),
        )
    except DomainError as error:
        messages.error(request, error.message)
        if booking.day_id:
            return _day_page(request, _day(booking.day_id), status=error.status)
        return redirect("aid:days", org_slug=request.org.slug)
    messages.success(request, _("Link sent to %(to)s.") % {"to": message.recipient})
    return _back_to(request, booking)


urlpatterns = [
    path(ORG + "days/", day_list, name="days"),
    path(ORG + "days/new/", day_new, name="day-new"),
    path(ORG + "days/<int:day_id>/", day_detail, name="day"),
    path(ORG + "days/<int:day_id>/edit/", day_edit, name="day-edit"),
    path(ORG + "days/<int:day_id>/cancel/", day_cancel, name="day-cancel"),
    path(ORG + "days/<int:day_id>/assign/", day_assign, name="day-assign"),
    path(ORG + "days/<int:day_id>/send-links/", day_send_links, name="day-send-links"),
    path(ORG + "bookings/new/", booking_new, name="booking-new"),
    path(ORG + "bookings/<int:booking_id>/cancel/", booking_cancel, name="booking-cancel"),
    path(
        ORG + "bookings/<int:booking_id>/send-link/",
        booking_send_link,
        name="booking-send-link",
    ),
]
