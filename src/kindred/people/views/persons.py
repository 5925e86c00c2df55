"""The persons pages: list, detail, register or edit (with the duplicate warning and
register-or-merge), identity reveal, possible duplicates and merging."""

import re

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kindred.core.numbers import parse_id
from kindred.core.roles import Action
from kindred.core.scoping import org_view
from kindred.core.services import DomainError
from kindred.core.views.helpers import form_error, paginate

from .. import queries, services
from ..forms import (
    MergeForm,
    PersonForm,
)
from .common import IN_HOUSEHOLD, PERSON_SORTS, person_page, purpose_filter, visible_person

# A row of the family form (views/families.py), whose live duplicate check this is too.
ROW_PREFIX = re.compile(r"members-\d{1,2}")

# Persons -----------------------------------------------------------------------------------


@org_view(Action.VIEW_PEOPLE)
def person_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    in_household = request.GET.get("household", "")
    sort = request.GET.get("sort", "name")
    purposes, purpose = purpose_filter(request)
    qs = queries.person_list(
        request.org,
        membership=request.membership,
        search=q,
        in_household=IN_HOUSEHOLD.get(in_household),
        sort=PERSON_SORTS.get(sort, "name"),
        purpose=purpose,
    )
    context = {
        "page": paginate(request, qs),
        "q": q,
        "household": in_household if in_household in IN_HOUSEHOLD else "",
        "sort": sort if sort in PERSON_SORTS else "name",
        "purposes": purposes,
        "purpose": purpose,
    }
    template = "people/_person_rows.html" if request.htmx else "people/person_list.html"
    return render(request, template, context)


@org_view(Action.VIEW_PEOPLE)
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = visible_person(request, person_id)
    services.record_view(org=request.org, person=person, actor=request.user)
    return person_page(request, person)


@org_view(Action.MANAGE_PEOPLE)
def person_edit(request: HttpRequest, person_id: int | None = None) -> HttpResponse:
    org = request.org
    person = visible_person(request, person_id) if person_id else None
    households = (
        None if person else queries.visible_households(org, request.membership).order_by("label")
    )
    form = PersonForm(request.POST or None, instance=person, households=households)
    candidates = []
    if request.method == "POST" and form.is_valid():
        values = {f: form.cleaned_data[f] for f in services.PERSON_FIELDS}
        if person is None and request.POST.get("duplicates") != "new":
            # Before a new record is saved, the form shows who it may already be.
            candidates = queries.duplicate_candidates(
                org,
                values,
                national_id=form.national_id_value(),
                among=queries.visible_persons(org, request.membership),
            )
        merge_id = parse_id(request.POST.get("merge_into", ""))
        status = 400
        try:
            if person is None and (merge_id is not None or not candidates):
                person = services.register(
                    org=org,
                    membership=request.membership,
                    command=services.RegisterPerson(
                        values=values,
                        national_id=form.national_id_value(),
                        household_id=form.cleaned_data.get("household"),
                        relation=form.cleaned_data.get("relation", ""),
                        merge_into_id=merge_id,
                    ),
                )
                if merge_id is not None:
                    messages.success(
                        request, _("The details were merged into the existing person.")
                    )
                    return redirect("people:person", org_slug=org.slug, person_id=person.pk)
            elif candidates:
                return render(
                    request,
                    "people/person_form.html",
                    {"form": form, "person": None, "candidates": candidates},
                )
            else:
                services.update_person(
                    org=org,
                    person=person,
                    values=values,
                    actor=request.user,
                    national_id=form.national_id_value(),
                    membership=request.membership,
                )
        except DomainError as error:
            form_error(form, error)
            status = error.status
        else:
            messages.success(request, _("Person saved."))
            return redirect("people:person", org_slug=org.slug, person_id=person.pk)
        return render(
            request, "people/person_form.html", {"form": form, "person": person}, status=status
        )
    status = 400 if request.method == "POST" else 200
    return render(
        request, "people/person_form.html", {"form": form, "person": person}, status=status
    )


@never_cache
@require_POST
@org_view(Action.REVEAL_IDENTITY)
def person_reveal(request: HttpRequest, person_id: int) -> HttpResponse:
    """Show the identity number once, in this response only; the reveal is audited."""
    person = visible_person(request, person_id)
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
    return person_page(request, person, revealed=number)


# Duplicates and merging ---------------------------------------------------------------------


@org_view(Action.MANAGE_PEOPLE)
def person_duplicate_check(request: HttpRequest) -> HttpResponse:
    """The live duplicate check of the registration form (htmx, as the names are typed);
    with `?prefix=members-<n>`, of that row of the family form."""
    prefix = request.GET.get("prefix", "")
    prefix = prefix if ROW_PREFIX.fullmatch(prefix) else None
    form = PersonForm(request.POST or request.GET or None, households=None, prefix=prefix)
    form.is_valid()
    values = {
        f: form.cleaned_data.get(f)
        for f in services.PERSON_FIELDS
        if f in form.cleaned_data and f not in form.errors
    }
    candidates = []
    if values.get("given_name") or values.get("family_name"):
        candidates = queries.duplicate_candidates(
            request.org,
            values,
            among=queries.visible_persons(request.org, request.membership),
        )
    context = {"candidates": candidates, "live": True, "prefix": prefix}
    return render(request, "people/_duplicates.html", context)


@org_view(Action.MERGE_PEOPLE)
def duplicate_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    pairs = queries.possible_duplicates(request.org, search=q)
    context = {"page": paginate(request, pairs), "q": q}
    return render(request, "people/duplicate_list.html", context)


@require_POST
@org_view(Action.MERGE_PEOPLE)
def duplicate_dismiss(request: HttpRequest) -> HttpResponse:
    a, b = request.POST.get("a", ""), request.POST.get("b", "")
    if not (a.isdigit() and b.isdigit()):
        return HttpResponse(_("Choose two persons."), status=400)
    try:
        services.dismiss_duplicate(
            org=request.org,
            person=visible_person(request, int(a)),
            other=visible_person(request, int(b)),
            actor=request.user,
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Marked as different people; the pair will not be proposed again.")
        )
    return redirect("people:duplicates", org_slug=request.org.slug)


@org_view(Action.MERGE_PEOPLE)
def person_merge(request: HttpRequest, person_id: int, other_id: int) -> HttpResponse:
    """Compare two records side by side, choose which to keep and, where both have a value,
    whose value; then merge."""
    first, second = visible_person(request, person_id), visible_person(request, other_id)
    if first.pk == second.pk:
        raise Http404
    form = MergeForm(request.POST or None, first=first, second=second)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            keep, other = form.keep_and_other()
            try:
                kept = services.merge_persons(
                    org=request.org,
                    keep=keep,
                    other=other,
                    actor=request.user,
                    take_from_other=form.take_from_other(),
                )
            except DomainError as error:
                form_error(form, error)
            else:
                messages.success(request, _("The two records were merged into one."))
                return redirect("people:person", org_slug=request.org.slug, person_id=kept.pk)
        status = 400
    return render(
        request,
        "people/merge.html",
        {"form": form, "first": first, "second": second, "rows": form.rows()},
        status=status,
    )
