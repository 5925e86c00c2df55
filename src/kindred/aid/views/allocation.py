"""Aid pages: allocation runs and their proposals, reservations, and the pick list of a
distribution day. Parse, authorise (org_view), call one service or query, answer; a
service's error shows on the form (or as a message) with a 4xx status."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from kindred.core.models import Site
from kindred.core.roles import OWN_RECORDS_ONLY, Action, can
from kindred.core.scoping import org_view
from kindred.core.services import DomainError
from kindred.core.views.helpers import form_error, paginate

from ..forms.allocation import (
    CancelReservationForm,
    ChangeLineForm,
    ProposalFilterForm,
    ReservationFilterForm,
    StartRunForm,
)
from ..models import AllocationRun, DistributionDay, Reservation
from ..queries import allocation as queries
from ..services import allocation as services
from ..services import reservations as reservation_services

ORG = "o/<slug:org_slug>/aid/"
RUNNING = (AllocationRun.Status.QUEUED, AllocationRun.Status.RUNNING)


# Runs -----------------------------------------------------------------------------------------


def _run_list_context(request: HttpRequest, form: StartRunForm) -> dict:
    org = request.org
    sites = list(form.fields["sites"].queryset)
    return {
        "form": form,
        "overview": queries.overview(org, sites),
        "page": paginate(
            request,
            AllocationRun.objects.filter(organization=org)
            .select_related("created_by", "confirmed_by")
            .prefetch_related("sites")
            .order_by("-created_at", "-pk"),
        ),
    }


@org_view(Action.ALLOCATE)
def run_list(request: HttpRequest) -> HttpResponse:
    org = request.org
    form = StartRunForm(request.POST if request.method == "POST" else None, org=org)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                run = services.start_run(org=org, sites=form.chosen_sites(), actor=request.user)
            except DomainError as error:
                form_error(form, error)
                status = error.status
            else:
                return redirect("aid:allocation-run", org_slug=org.slug, run_id=run.pk)
    if request.htmx and request.method == "GET":
        return render(request, "aid/allocation_rows.html", _run_list_context(request, form))
    return render(request, "aid/allocation.html", _run_list_context(request, form), status=status)


def _get_run(request: HttpRequest, run_id: int) -> AllocationRun:
    return get_object_or_404(
        AllocationRun.objects.select_related(
            "organization", "progress", "created_by", "confirmed_by"
        ),
        organization=request.org,
        pk=run_id,
    )


def _run_context(request: HttpRequest, run: AllocationRun, **extra) -> dict:
    filters = ProposalFilterForm(request.GET)
    values = filters.values()
    context = {
        "run": run,
        "running": run.status in RUNNING,
        "q": values["q"],
        "show": values["show"],
        "shows": ProposalFilterForm.SHOW,
        "filtered": bool(values["q"] or values["show"]),
        "editable": run.status == AllocationRun.Status.PROPOSED,
        **extra,
    }
    if run.status not in RUNNING:
        everyone = queries.proposal(run)
        households = queries.filter_households(everyone, search=values["q"], show=values["show"])
        context["transfers"] = queries.transfers(everyone)
        context["page"] = paginate(request, households, size=20)
        context["sites"] = ", ".join(site.name for site in run.sites.order_by("name"))
    return context


@org_view(Action.ALLOCATE)
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _get_run(request, run_id)
    if request.htmx and request.GET.get("poll"):
        if run.status in RUNNING:
            return render(request, "aid/allocation_progress.html", {"run": run})
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"  # the proposal is ready: show the whole page
        return response
    context = _run_context(request, run)
    if request.htmx and run.status not in RUNNING:
        return render(request, "aid/allocation_households.html", context)
    return render(request, "aid/allocation_run.html", context)


@org_view(Action.ALLOCATE)
@require_POST
def run_line(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _get_run(request, run_id)
    form = ChangeLineForm(request.POST, org=request.org)
    status = 400
    if form.is_valid():
        try:
            services.change_line(
                run=run,
                need=form.cleaned_data["need"],
                balance=form.cleaned_data["balance"],
                quantity=form.cleaned_data["quantity"],
                actor=request.user,
            )
        except DomainError as error:
            form_error(form, error)
            status = error.status
        else:
            messages.success(request, _("The proposal was changed."))
            return redirect("aid:allocation-run", org_slug=request.org.slug, run_id=run.pk)
    run.refresh_from_db()
    context = _run_context(request, run, line_form=form)
    return render(request, "aid/allocation_run.html", context, status=status)


@org_view(Action.ALLOCATE)
@require_POST
def run_confirm(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _get_run(request, run_id)
    try:
        reservations = services.confirm_run(run=run, actor=request.user)
    except DomainError as error:
        run.refresh_from_db()
        context = _run_context(request, run, confirm_error=error.message)
        return render(request, "aid/allocation_run.html", context, status=error.status)
    messages.success(
        request,
        ngettext("%(count)s reservation made.", "%(count)s reservations made.", len(reservations))
        % {"count": len(reservations)},
    )
    return redirect("aid:allocation-run", org_slug=request.org.slug, run_id=run.pk)


@org_view(Action.ALLOCATE)
@require_POST
def run_discard(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _get_run(request, run_id)
    try:
        services.discard_run(run=run, actor=request.user)
    except DomainError as error:
        run.refresh_from_db()
        context = _run_context(request, run, confirm_error=error.message)
        return render(request, "aid/allocation_run.html", context, status=error.status)
    messages.success(request, _("The proposal was discarded."))
    return redirect("aid:allocation", org_slug=request.org.slug)


# Reservations -------------------------------------------------------------------------------


def _reservations(request: HttpRequest):
    qs = Reservation.objects.filter(organization=request.org)
    if request.role in OWN_RECORDS_ONLY:
        qs = qs.filter(request__created_by=request.user)
    return qs


@org_view(Action.VIEW_DISTRIBUTION)
def reservation_list(request: HttpRequest) -> HttpResponse:
    org = request.org
    values = ReservationFilterForm(request.GET).values()
    qs = queries.reservations(
        org,
        search=values["q"],
        status=values["status"],
        site_id=values["site"],
        sort=values["sort"],
        created_by=request.user if request.role in OWN_RECORDS_ONLY else None,
    )
    context = {
        "page": paginate(request, qs),
        "q": values["q"],
        "status": values["status"],
        "site": values["site"],
        "sort": values["sort"],
        "statuses": Reservation.Status.choices,
        "sorts": ReservationFilterForm.SORTS,
        "sites": Site.objects.filter(organization=org).order_by("name"),
        "filtered": bool(values["q"] or values["status"] or values["site"]),
    }
    template = "aid/reservation_rows.html" if request.htmx else "aid/reservation_list.html"
    return render(request, template, context)


def _reservation_context(request: HttpRequest, reservation: Reservation, **extra) -> dict:
    return {
        "reservation": reservation,
        "lines": reservation.lines.select_related("location", "item_type", "need").order_by(
            "location__name", "pk"
        ),
        "can_cancel": can(request.role, Action.ALLOCATE)
        and reservation.status == Reservation.Status.ACTIVE,
        "cancel_form": extra.pop("cancel_form", None) or CancelReservationForm(),
        **extra,
    }


@org_view(Action.VIEW_DISTRIBUTION)
def reservation_detail(request: HttpRequest, reservation_id: int) -> HttpResponse:
    reservation = get_object_or_404(
        _reservations(request).select_related("household", "request", "site", "created_by"),
        pk=reservation_id,
    )
    return render(
        request, "aid/reservation_detail.html", _reservation_context(request, reservation)
    )


@org_view(Action.ALLOCATE)
@require_POST
def reservation_cancel(request: HttpRequest, reservation_id: int) -> HttpResponse:
    reservation = get_object_or_404(
        _reservations(request).select_related("household", "request", "site", "created_by"),
        pk=reservation_id,
    )
    form = CancelReservationForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            reservation_services.cancel_reservation(
                reservation=reservation, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            form_error(form, error)
            status = error.status
        else:
            messages.success(
                request,
                _("Reservation %(ref)s cancelled; its goods are available again.")
                % {"ref": reservation.reference},
            )
            return redirect(
                "aid:reservation", org_slug=request.org.slug, reservation_id=reservation.pk
            )
    reservation.refresh_from_db()
    context = _reservation_context(request, reservation, cancel_form=form)
    return render(request, "aid/reservation_detail.html", context, status=status)


# Pick list ----------------------------------------------------------------------------------


@org_view(Action.VIEW_DISTRIBUTION)
def pick_list(request: HttpRequest, day_id: int) -> HttpResponse:
    day = get_object_or_404(
        DistributionDay.objects.select_related("site"), organization=request.org, pk=day_id
    )
    groups = queries.pick_list(request.org, day)
    context = {
        "day": day,
        "groups": groups,
        "elsewhere": queries.pick_list_elsewhere(request.org, day),
        "total": sum(group.total for group in groups),
    }
    return render(request, "aid/pick_list.html", context)


urlpatterns = [
    path(ORG + "allocation/", run_list, name="allocation"),
    path(ORG + "allocation/<int:run_id>/", run_detail, name="allocation-run"),
    path(ORG + "allocation/<int:run_id>/line/", run_line, name="allocation-line"),
    path(ORG + "allocation/<int:run_id>/confirm/", run_confirm, name="allocation-confirm"),
    path(ORG + "allocation/<int:run_id>/discard/", run_discard, name="allocation-discard"),
    path(ORG + "reservations/", reservation_list, name="reservations"),
    path(ORG + "reservations/<int:reservation_id>/", reservation_detail, name="reservation"),
    path(
        ORG + "reservations/<int:reservation_id>/cancel/",
        reservation_cancel,
        name="reservation-cancel",
    ),
    path(ORG + "days/<int:day_id>/pick-list/", pick_list, name="pick-list"),
]
