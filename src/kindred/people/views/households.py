"""The households pages: list, detail, new household, members joining and leaving."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kindred.core.roles import Action
from kindred.core.scoping import org_view
from kindred.core.services import DomainError
from kindred.core.views.helpers import form_error, paginate

from .. import queries, services
from ..forms import (
    AddMemberForm,
    HouseholdForm,
    LeaveForm,
)
from ..models import (
    HouseholdMember,
)
from .common import visible_household

# Households --------------------------------------------------------------------------------


@org_view(Action.VIEW_PEOPLE)
def household_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    qs = queries.households(request.org, membership=request.membership, search=q)
    context = {"page": paginate(request, qs), "q": q}
    template = "people/_household_rows.html" if request.htmx else "people/household_list.html"
    return render(request, template, context)


@org_view(Action.VIEW_PEOPLE)
def household_detail(request: HttpRequest, household_id: int) -> HttpResponse:
    household = visible_household(request, household_id)
    context = {
        "household": household,
        "members": queries.current_members(household),
        "former": queries.former_members(household),
    }
    return render(request, "people/household_detail.html", context)


@org_view(Action.MANAGE_PEOPLE)
def household_new(request: HttpRequest) -> HttpResponse:
    form = HouseholdForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            household = services.create_household(
                org=request.org, values=form.cleaned_data, actor=request.user
            )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Household saved."))
            return redirect(
                "people:household", org_slug=request.org.slug, household_id=household.pk
            )
    status = 400 if request.method == "POST" else 200
    return render(request, "people/household_form.html", {"form": form}, status=status)


@org_view(Action.MANAGE_PEOPLE)
def household_add_member(request: HttpRequest, household_id: int) -> HttpResponse:
    household = visible_household(request, household_id)
    persons = queries.visible_persons(request.org, request.membership).order_by(
        "family_name", "given_name", "pk"
    )
    form = AddMemberForm(request.POST or None, persons=persons)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_to_household(
                org=request.org,
                household=household,
                person=form.cleaned_data["person"],
                relation=form.cleaned_data["relation"],
                joined_on=form.cleaned_data["joined_on"],
                actor=request.user,
            )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Member added."))
            return redirect(
                "people:household", org_slug=request.org.slug, household_id=household.pk
            )
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "people/household_member_form.html",
        {"form": form, "household": household},
        status=status,
    )


@require_POST
@org_view(Action.MANAGE_PEOPLE)
def household_member_leave(request: HttpRequest, household_id: int, member_id: int) -> HttpResponse:
    household = visible_household(request, household_id)
    member = get_object_or_404(HouseholdMember, pk=member_id, household=household)
    form = LeaveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid date."))
    else:
        try:
            services.leave_household(
                org=request.org,
                member=member,
                left_on=form.cleaned_data["left_on"],
                actor=request.user,
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("%(person)s left the household.") % {"person": member.person}
            )
    return redirect("people:household", org_slug=request.org.slug, household_id=household.pk)
