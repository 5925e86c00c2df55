"""Person and household pages under /o/<org_slug>/people/…: parse, authorise (org_view),
call one service or query, answer.

Every record is looked up through `queries.visible_persons` / `visible_households`, so a
referrer (roles.OWN_RECORDS_ONLY) gets 404 for a record they did not register, exactly as
for one that does not exist."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kindred.core.roles import Action, can
from kindred.core.scoping import org_view
from kindred.core.services import DomainError
from kindred.core.views.helpers import form_error, paginate

from . import queries, services
from .forms import LANGUAGE_CHOICES, AddMemberForm, HouseholdForm, LeaveForm, PersonForm
from .models import HouseholdMember

PERSON_SORTS = {"name": "name", "newest": "-created"}
IN_HOUSEHOLD = {"yes": True, "no": False}


def _person(request: HttpRequest, person_id: int):
    return get_object_or_404(queries.visible_persons(request.org, request.membership), pk=person_id)


def _household(request: HttpRequest, household_id: int):
    return get_object_or_404(
        queries.visible_households(request.org, request.membership), pk=household_id
    )


# Persons -----------------------------------------------------------------------------------


@org_view(Action.VIEW_PEOPLE)
def person_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    in_household = request.GET.get("household", "")
    sort = request.GET.get("sort", "name")
    qs = queries.person_list(
        request.org,
        membership=request.membership,
        search=q,
        in_household=IN_HOUSEHOLD.get(in_household),
        sort=PERSON_SORTS.get(sort, "name"),
    )
    context = {
        "page": paginate(request, qs),
        "q": q,
        "household": in_household if in_household in IN_HOUSEHOLD else "",
        "sort": sort if sort in PERSON_SORTS else "name",
    }
    template = "people/_person_rows.html" if request.htmx else "people/person_list.html"
    return render(request, template, context)


def _detail(request: HttpRequest, person, **extra) -> HttpResponse:
    names = dict(LANGUAGE_CHOICES)
    context = {
        "person": person,
        "languages": [names.get(code, code) for code in person.languages],
        "history": queries.household_history(person),
        "access_log": queries.person_access_log(request.org, person)
        if can(request.role, Action.VIEW_AUDIT)
        else None,
        **extra,
    }
    return render(request, "people/person_detail.html", context)


@org_view(Action.VIEW_PEOPLE)
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _person(request, person_id)
    services.record_view(org=request.org, person=person, actor=request.user)
    return _detail(request, person)


@org_view(Action.MANAGE_PEOPLE)
def person_edit(request: HttpRequest, person_id: int | None = None) -> HttpResponse:
    org = request.org
    person = _person(request, person_id) if person_id else None
    households = (
        None if person else queries.visible_households(org, request.membership).order_by("label")
    )
    form = PersonForm(request.POST or None, instance=person, households=households)
    if request.method == "POST" and form.is_valid():
        values = {f: form.cleaned_data[f] for f in services.PERSON_FIELDS}
        try:
            if person is None:
                person = services.register_person(
                    org=org,
                    values=values,
                    actor=request.user,
                    national_id=form.national_id_value(),
                    household=form.cleaned_data.get("household"),
                    relation=form.cleaned_data.get("relation", ""),
                )
            else:
                services.update_person(
                    org=org,
                    person=person,
                    values=values,
                    actor=request.user,
                    national_id=form.national_id_value(),
                )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Person saved."))
            return redirect("people:person", org_slug=org.slug, person_id=person.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "people/person_form.html", {"form": form, "person": person}, status=status
    )


@never_cache
@require_POST
@org_view(Action.REVEAL_IDENTITY)
def person_reveal(request: HttpRequest, person_id: int) -> HttpResponse:
    """Show the identity number once, in this response only; the reveal is audited."""
    person = _person(request, person_id)
    try:
        number = services.reveal_national_id(org=request.org, person=person, actor=request.user)
    except DomainError as error:
        return render(
            request,
            "people/_identity.html",
            {"person": person, "message": error.message},
            status=error.status,
        )
    if request.htmx:
        return render(request, "people/_identity.html", {"person": person, "revealed": number})
    return _detail(request, person, revealed=number)


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
    household = _household(request, household_id)
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
    household = _household(request, household_id)
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
    household = _household(request, household_id)
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
