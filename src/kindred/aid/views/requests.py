"""Help request pages: the list (search, filters, sorting, pagination), a new request, its
detail with the need lines' figures and the decisions, and editing its need lines. Parse,
authorise (org_view), call one service or query, answer; a service's error is shown on the
field (or need line) it names, with the form kept as typed and a 4xx status. Referrers see
and change only the requests they registered (404 for others')."""

from __future__ import annotations

import re

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kindred.core.roles import Action, can
from kindred.core.scoping import org_view
from kindred.core.services import DomainError
from kindred.core.views.helpers import form_error, paginate
from kindred.people.queries.household import visible_households

from ..forms.requests import (
    ApproveForm,
    CloseForm,
    EditNeedLineForm,
    NeedLineForm,
    PickupSiteForm,
    RejectForm,
    RequestFilterForm,
    RequestForm,
    filled,
    line_formset,
)
from ..models import Booking, EligibilityOverride, HelpRequest, NeedLine
from ..queries import pickup as pickup_queries
from ..queries import requests as queries
from ..services import requests as services
from ..services.common import NotEligible

ORG = "o/<slug:org_slug>/aid/"

_LINE_FIELD = re.compile(r"^lines\.(\d+)\.(\w+)$")


def _sorts() -> list[tuple[str, str]]:
    return [
        ("newest", _("Newest first")),
        ("oldest", _("Oldest first")),
        ("urgent", _("Most urgent first")),
    ]


def _show_error(error: DomainError, form, formset=None, indices: list[int] | None = None) -> None:
    """Put a service's error on the field it names: `lines.<n>.<field>` on the n-th line
    sent from the formset, `lines` on the formset, anything else on the form."""
    match = _LINE_FIELD.match(error.field or "")
    if match and formset is not None and indices is not None:
        number = int(match[1])
        if number < len(indices):
            line = formset.forms[indices[number]]
            name = match[2]
            if name == "id":
                name = None
            line.add_error(name if name in line.fields else None, error.message)
            return
    if error.field == "lines" and formset is not None:
        formset._non_form_errors = formset.error_class([error.message])
        return
    if form is not None:
        form_error(form, error)


def _request_or_404(request: HttpRequest, request_id: int) -> HelpRequest:
    qs = queries.visible_requests(request.org, request.membership).select_related(
        "household", "applicant", "created_by", "decided_by"
    )
    return get_object_or_404(qs, pk=request_id)


# The list -------------------------------------------------------------------------------------


@org_view(Action.VIEW_REQUESTS)
def request_list(request: HttpRequest) -> HttpResponse:
    values = RequestFilterForm(request.GET).values()
    qs = queries.requests(request.org, request.membership, **values)
    context = {
        "page": paginate(request, qs),
        "q": values["search"],
        "status": values["status"],
        "source": values["source"],
        "urgency": values["urgency"] or "",
        "date_from": values["date_from"].isoformat() if values["date_from"] else "",
        "date_to": values["date_to"].isoformat() if values["date_to"] else "",
        "sort": values["sort"],
        "statuses": HelpRequest.Status.choices,
        "sources": HelpRequest.Source.choices,
        "urgencies": NeedLine.Urgency.choices,
        "sorts": _sorts(),
        "filtered": any(
            [
                values["search"],
                values["status"],
                values["source"],
                values["urgency"],
                values["date_from"],
                values["date_to"],
            ]
        ),
    }
    template = "aid/request_rows.html" if request.htmx else "aid/request_list.html"
    return render(request, template, context)


# A new request ----------------------------------------------------------------------------------


@org_view(Action.SUBMIT_REQUESTS)
def request_new(request: HttpRequest) -> HttpResponse:
    org = request.org
    data = request.POST if request.method == "POST" else None
    households = queries.households_for(org, request.membership)
    initial = {}
    if request.GET.get("household", "").isdigit():
        initial["household"] = int(request.GET["household"])
    form = RequestForm(data, org=org, households=households, initial=initial)
    lines = line_formset(NeedLineForm, org=org, data=data)
    status = 200
    if request.method == "POST":
        status = 422  # input that fails validation, as the API answers it
        if form.is_valid() and lines.is_valid():
            chosen = filled(lines)
            household = form.cleaned_data["household"]
            try:
                help_request = services.submit_request(
                    org=org,
                    membership=request.membership,
                    command=services.SubmitRequest(
                        household_id=household,
                        new_household=form.person_values() if household is None else None,
                        lines=[line.service_values() for _i, line in chosen],
                        note=form.cleaned_data["note"],
                        referrer_organisation=form.cleaned_data["referrer_organisation"],
                        language=form.cleaned_data["language"],
                        pickup_site_id=getattr(form.cleaned_data["pickup_site"], "pk", None),
                    ),
                )
            except DomainError as error:
                _show_error(error, form, lines, [i for i, _line in chosen])
                status = error.status
            else:
                messages.success(
                    request,
                    _("Help request %(ref)s registered.") % {"ref": help_request.reference},
                )
                return redirect("aid:request", org_slug=org.slug, request_id=help_request.pk)
    context = {"form": form, "lines": lines}
    return render(request, "aid/request_form.html", context, status=status)


# Detail and decisions ---------------------------------------------------------------------------


def _fix_links(request: HttpRequest, help_request: HelpRequest, fixes, *, can_decide: bool):
    """(label, URL) for each fix of a failed rule the member may carry out."""
    org = request.org.slug
    household = reverse("people:household", args=[org, help_request.household_id])
    links = []
    for fix in fixes:
        if fix.kind == "lawful_basis" and can(request.role, Action.MANAGE_CONSENT):
            url = reverse("people:consent-new", args=[org, fix.person_id])
            label = _("Record the lawful basis for %(person)s") % {"person": fix.person_name}
            links.append((label, f"{url}?purpose={fix.purpose_id}"))
        elif fix.kind == "head" and can(request.role, Action.MANAGE_PEOPLE):
            links.append((_("Add the head of the household"), household))
        elif fix.kind == "members" and can(request.role, Action.VIEW_PEOPLE):
            links.append((_("Check the household's members"), household))
        elif (
            fix.kind == "needs"
            and can(request.role, Action.SUBMIT_REQUESTS)
            and help_request.status in services.EDITABLE
        ):
            url = reverse("aid:request-lines", args=[org, help_request.pk])
            links.append((_("Change the needs"), url))
        elif fix.kind == "override" and can_decide:
            links.append((_("Give a reason to approve anyway"), "#id_override_reason"))
    return links


def _eligibility(request: HttpRequest, help_request: HelpRequest, *, can_decide: bool) -> list:
    """Every active rule as approving would find it now: met or not, the reason in plain
    words, and links to what fixes it (services.eligibility_now: approval's own check)."""
    return [
        {
            "passed": outcome.passed,
            "message": outcome.message,
            "links": []
            if outcome.passed
            else _fix_links(request, help_request, outcome.fixes, can_decide=can_decide),
        }
        for outcome in services.eligibility_now(request=help_request)
    ]


def _detail(
    request: HttpRequest,
    help_request: HelpRequest,
    *,
    approve_form=None,
    reject_form=None,
    close_form=None,
    pickup_form=None,
    refused: bool = False,
    status: int = 200,
) -> HttpResponse:
    reviewer = can(request.role, Action.REVIEW_REQUESTS)
    Status = HelpRequest.Status
    undecided = help_request.status in services.CAN_DECIDE
    checks = _eligibility(request, help_request, can_decide=reviewer) if undecided else []
    context = {
        "help_request": help_request,
        "figures": queries.line_figures(help_request),
        "members": help_request.household.members.filter(left_on__isnull=True)
        .select_related("person")
        .order_by("pk"),
        "overrides": EligibilityOverride.objects.filter(request=help_request).select_related(
            "rule", "created_by"
        ),
        "can_edit": can(request.role, Action.SUBMIT_REQUESTS)
        and help_request.status in services.EDITABLE,
        "can_review": reviewer and help_request.status == Status.SUBMITTED,
        "can_decide": reviewer and help_request.status in services.CAN_DECIDE,
        "can_close": reviewer and help_request.status in services.CAN_CLOSE,
        "approve_form": approve_form or ApproveForm(),
        "reject_form": reject_form or RejectForm(),
        "close_form": close_form or CloseForm(),
        "checks": checks,
        "checks_failed": [check for check in checks if not check["passed"]],
        # The approval was just refused by a rule: the decision card says which and why.
        "refused": refused,
        # Pickup: the live booking, and whether staff may book one (goods are reserved).
        "booking": help_request.bookings.filter(status=Booking.Status.BOOKED)
        .select_related("day__site")
        .first(),
        "can_book": can(request.role, Action.MANAGE_DISTRIBUTION)
        and help_request.status == Status.FULFILLING,
        "can_see_days": can(request.role, Action.VIEW_DISTRIBUTION),
        "pickup": pickup_queries.pickup_site(request.org, help_request),
        "pickup_form": pickup_form
        or PickupSiteForm(initial={"site": help_request.pickup_site_id}, org=request.org),
        # Linked only when the member may open it: a referrer sees only the households
        # they registered (the demo's referrer asked for one registered by a coordinator).
        "household_link": can(request.role, Action.VIEW_PEOPLE)
        and visible_households(request.org, request.membership)
        .filter(pk=help_request.household_id)
        .exists(),
    }
    return render(request, "aid/request_detail.html", context, status=status)


@org_view(Action.VIEW_REQUESTS)
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    return _detail(request, _request_or_404(request, request_id))


def _decided(request: HttpRequest, help_request: HelpRequest, text: str) -> HttpResponse:
    messages.success(request, text % {"ref": help_request.reference})
    return redirect("aid:request", org_slug=request.org.slug, request_id=help_request.pk)


@org_view(Action.REVIEW_REQUESTS)
@require_POST
def request_review(request: HttpRequest, request_id: int) -> HttpResponse:
    help_request = _request_or_404(request, request_id)
    try:
        services.start_review(request=help_request, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return _detail(request, help_request, status=error.status)
    return _decided(request, help_request, _("Request %(ref)s is now in review."))


@org_view(Action.REVIEW_REQUESTS)
@require_POST
def request_approve(request: HttpRequest, request_id: int) -> HttpResponse:
    help_request = _request_or_404(request, request_id)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        return _detail(request, help_request, approve_form=form, status=400)
    try:
        services.approve(
            request=help_request,
            actor=request.user,
            override_reason=form.cleaned_data["override_reason"],
        )
    except NotEligible:
        form.add_error(
            "override_reason",
            _("An eligibility rule fails. Give a reason to approve the request anyway."),
        )
        return _detail(request, help_request, approve_form=form, refused=True, status=409)
    except DomainError as error:
        form_error(form, error)
        return _detail(request, help_request, approve_form=form, status=error.status)
    return _decided(request, help_request, _("Request %(ref)s approved."))


@org_view(Action.REVIEW_REQUESTS)
@require_POST
def request_reject(request: HttpRequest, request_id: int) -> HttpResponse:
    help_request = _request_or_404(request, request_id)
    form = RejectForm(request.POST)
    if not form.is_valid():
        return _detail(request, help_request, reject_form=form, status=400)
    try:
        services.reject(
            request=help_request, reason=form.cleaned_data["reason"], actor=request.user
        )
    except DomainError as error:
        form_error(form, error)
        return _detail(request, help_request, reject_form=form, status=error.status)
    return _decided(request, help_request, _("Request %(ref)s rejected."))


@org_view(Action.REVIEW_REQUESTS)
@require_POST
def request_close(request: HttpRequest, request_id: int) -> HttpResponse:
    help_request = _request_or_404(request, request_id)
    form = CloseForm(request.POST)
    if not form.is_valid():
        return _detail(request, help_request, close_form=form, status=400)
    try:
        services.close(request=help_request, actor=request.user, reason=form.cleaned_data["reason"])
    except DomainError as error:
        form_error(form, error)
        return _detail(request, help_request, close_form=form, status=error.status)
    return _decided(request, help_request, _("Request %(ref)s closed."))


# Editing the need lines -------------------------------------------------------------------------


def _line_initial(line: NeedLine) -> dict:
    return {
        "id": line.pk,
        "item_type": line.item_type_id,
        "sizes": ", ".join(line.sizes),
        "quantity": line.quantity,
        "urgency": line.urgency,
        "note": line.note,
        "cancel": line.cancelled,
        "cancelled": line.cancelled,
    }


@org_view(Action.SUBMIT_REQUESTS)
def request_lines(request: HttpRequest, request_id: int) -> HttpResponse:
    help_request = _request_or_404(request, request_id)
    org = request.org
    figures = queries.line_figures(help_request)
    initial = [_line_initial(f.line) for f in figures]
    data = request.POST if request.method == "POST" else None
    lines = line_formset(EditNeedLineForm, org=org, data=data, initial=initial, extra=2)
    by_id = {f.line.pk: f for f in figures}
    for form in lines.forms:
        form.figure = by_id.get(form.initial.get("id"))
    status = 200
    editable = help_request.status in services.EDITABLE
    if not editable:
        for form in lines.forms:
            for field in form.fields.values():
                field.disabled = True
    if request.method == "POST":
        status = 400
        if not editable:
            lines.is_valid()
            lines._non_form_errors = lines.error_class(
                [_("The needs of a request that is decided or closed cannot change.")]
            )
            status = 409
        elif lines.is_valid():
            chosen = filled(lines)
            if not chosen:
                messages.info(request, _("Nothing was changed."))
                return redirect("aid:request", org_slug=org.slug, request_id=help_request.pk)
            try:
                services.update_lines(
                    request=help_request,
                    lines=[line.service_values() for _i, line in chosen],
                    actor=request.user,
                )
            except DomainError as error:
                _show_error(error, None, lines, [i for i, _line in chosen])
                if not lines.non_form_errors() and not any(f.errors for f in lines.forms):
                    lines._non_form_errors = lines.error_class([error.message])
                status = error.status
            else:
                messages.success(
                    request,
                    _("The needs of %(ref)s were saved.") % {"ref": help_request.reference},
                )
                return redirect("aid:request", org_slug=org.slug, request_id=help_request.pk)
    context = {
        "help_request": help_request,
        "lines": lines,
        "editable": editable,
    }
    return render(request, "aid/request_lines.html", context, status=status)


@org_view(Action.SUBMIT_REQUESTS)
@require_POST
def request_pickup_site(request: HttpRequest, request_id: int) -> HttpResponse:
    help_request = _request_or_404(request, request_id)
    form = PickupSiteForm(request.POST, org=request.org)
    if not form.is_valid():
        return _detail(request, help_request, pickup_form=form, status=400)
    try:
        services.set_pickup_site(
            request=help_request, site=form.cleaned_data["site"], actor=request.user
        )
    except DomainError as error:
        messages.error(request, error.message)
        return _detail(request, help_request, pickup_form=form, status=error.status)
    return _decided(request, help_request, _("The pickup site of %(ref)s is saved."))


urlpatterns = [
    path(ORG + "requests/", request_list, name="requests"),
    path(ORG + "requests/new/", request_new, name="request-new"),
    path(ORG + "requests/<int:request_id>/", request_detail, name="request"),
    path(ORG + "requests/<int:request_id>/lines/", request_lines, name="request-lines"),
    path(ORG + "requests/<int:request_id>/review/", request_review, name="request-review"),
    path(ORG + "requests/<int:request_id>/approve/", request_approve, name="request-approve"),
    path(ORG + "requests/<int:request_id>/reject/", request_reject, name="request-reject"),
    path(ORG + "requests/<int:request_id>/close/", request_close, name="request-close"),
    path(
        ORG + "requests/<int:request_id>/pickup-site/",
        request_pickup_site,
        name="request-pickup-site",
    ),
]
